"""Fan-out: N idle long-poll kiosks on one relay; how fast one event reaches all.

Runs the relay as its own process (`relay serve`) on a fresh SQLite file, opens
N concurrent `GET /v1/events?after=0&wait=30` from one asyncio client (uvloop,
raw sockets), waits until they are all held, posts one signed webhook and
measures, per client, the time from the POST to its answer. Target: p99 ≤ 1 s,
up to 10,000 kiosks. Both processes raise their open-file limit to the hard limit
(10,000 kiosks need 10,000 descriptors on each side).

    uv run python bench/fanout.py [--clients 1000 5000 10000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
CLIENT_CPU: list[tuple[float, float, float]] = []  # the load generator's own CPU, to tell its limits
# RELAY_PROFILE="wrapper.py": run the relay as `python wrapper.py -m backend.relay serve ...`, e.g.
# a script calling backend.relay.__main__.main(argv) under cProfile (dump it on SIGTERM).
PROFILE = os.environ.get("RELAY_PROFILE", "").split()
sys.path.insert(0, str(ROOT))

from backend.relay import tokens  # noqa: E402
from tests.support.relay import STRIPE_SECRET, stripe_event, stripe_headers  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
               path: str, token: str) -> bytes:
    """One HTTP/1.1 GET on a kept-alive connection. Raw streams rather than an HTTP
    client library: httpx's pool slows down quadratically with ~1,000 connections
    in flight and would measure itself instead of the relay."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    if status != b"200":
        raise RuntimeError(f"GET {path} answered {status.decode()}")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return await reader.readexactly(length)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(url: str, token: str, clients: int, pid: int) -> list[float]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    answered: list[float] = []
    connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    # Connect and authenticate in waves, as kiosks coming online would.
    sem = asyncio.Semaphore(100)

    async def connect() -> None:
        async with sem:
            reader, writer = await asyncio.open_connection(host, int(port))
            await _get(reader, writer, host, "/v1/events?after=0", token)
            connections.append((reader, writer))

    await asyncio.gather(*(connect() for _ in range(clients)))

    async def poll(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = await _get(reader, writer, host, "/v1/events?after=0&wait=30", token)
        answered.append(time.perf_counter())
        assert json.loads(body)["events"], "answered without the event"

    polls = [asyncio.create_task(poll(r, w)) for r, w in connections]
    await asyncio.sleep(3.0 + clients / 2000)  # every poll is now held by the relay
    assert not answered, "a poll returned before the event was sent"
    payload = stripe_event("evt_fanout")
    async with httpx.AsyncClient() as sender:
        sent = time.perf_counter()
        cpu = time.process_time()
        relay_cpu = process_cpu(pid)
        reply = await sender.post(f"{url}/v1/webhooks/stripe", content=payload,
                                  headers=stripe_headers(payload))
        reply.raise_for_status()
    await asyncio.gather(*polls)
    CLIENT_CPU.append((time.process_time() - cpu, time.perf_counter() - sent,
                       process_cpu(pid) - relay_cpu))
    for _, writer in connections:
        writer.close()
    return [t - sent for t in answered]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--quick", action="store_true", help="200 kiosks only (a smoke run)")
    args = parser.parse_args()
    limit = raise_fd_limit()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"open-file limit {limit}")
    ok = True
    for clients in [200] if args.quick else args.clients:
        ok &= one_run(clients, judge_target=not args.quick)
    return 0 if ok else 1


def one_run(clients: int, *, judge_target: bool = True) -> bool:
    """True if every kiosk received the event (and, when judged, within the target). The
    quick run, which the test suite runs beside other work, proves the bench works and
    reports the latency, but a slow moment of a shared machine does not fail it."""
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        db_url = f"sqlite:///{tmp}/relay.sqlite3"
        token = tokens.add_kiosk(db_url, "fanout")
        env = {**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "CHARTER_KIOSK_HOME": tmp}
        proc = subprocess.Popen(
            [sys.executable, *PROFILE, "-m", "backend.relay", "serve", "--port", "0", "--db", db_url,
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[3]
            latencies = uvloop.run(run(url, token, clients, proc.pid))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    met = percentile(latencies, 99) <= 1.0
    ok = len(latencies) == clients and (met or not judge_target)
    print(f"{clients:>6} kiosks: {len(latencies)} received the event; POST → answer "
          f"p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
          f" — target p99 ≤ 1 s {'met' if met else 'NOT met'}"
          f" (CPU over those {CLIENT_CPU[-1][1]:.2f} s: relay {CLIENT_CPU[-1][2]:.2f} s,"
          f" client {CLIENT_CPU[-1][0]:.2f} s)", flush=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
