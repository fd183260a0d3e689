"""Fan-out: 1,000 idle long-poll kiosks on one relay; how fast one event reaches all.

Runs the relay as its own process on a fresh SQLite file, opens N concurrent
`GET /v1/events?after=0&wait=30` from one asyncio+httpx client, waits until
they are all held, posts one signed webhook and measures, per client, the time
from the POST to its answer. Target: p99 ≤ 1 s.

    uv run python bench/fanout.py [--clients 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.relay import tokens  # noqa: E402
from backend.relay.testing import STRIPE_SECRET, stripe_event, stripe_headers  # noqa: E402


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


async def run(url: str, token: str, clients: int) -> list[float]:
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
    await asyncio.sleep(3.0)  # every poll is now held by the relay
    assert not answered, "a poll returned before the event was sent"
    payload = stripe_event("evt_fanout")
    async with httpx.AsyncClient() as sender:
        sent = time.perf_counter()
        reply = await sender.post(f"{url}/v1/webhooks/stripe", content=payload,
                                  headers=stripe_headers(payload))
        reply.raise_for_status()
    await asyncio.gather(*polls)
    for _, writer in connections:
        writer.close()
    return [t - sent for t in answered]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="20 clients: proves the bench works")
    args = parser.parse_args()
    if args.quick:
        args.clients = 20
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        db_url = f"sqlite:///{tmp}/relay.sqlite3"
        token = tokens.add_kiosk(db_url, "fanout")
        env = {**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "CHARTER_KIOSK_HOME": tmp}
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.relay", "serve", "--port", "0", "--db", db_url,
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[3]
            latencies = asyncio.run(run(url, token, args.clients))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{len(latencies)} of {args.clients} idle long-polls received the event")
    print(f"POST → answer: p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    ok = len(latencies) == args.clients and percentile(latencies, 99) <= 1.0
    print("target p99 ≤ 1 s:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
