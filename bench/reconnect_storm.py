"""Reconnect storm: N kiosks, each with its own token, reconnect to a relay at once
(as after a relay restart) while webhooks keep arriving.

The relay runs as its own process (`relay serve`) on a fresh SQLite file holding
N kiosk tokens and a few events. Every kiosk opens a connection at the same
moment and long-polls from the newest event (`wait=30`), as caught-up kiosks do
after a restart. Meanwhile a sender posts a signed Stripe webhook every 100 ms
and times each acknowledgement; the first of them is "the next event", and the
bench times its arrival at every kiosk (a kiosk whose poll returns without it
polls again). The same acknowledgements are first timed with no storm, in the
same run, as the baseline. The sender is a process of its own, so that the
storm's client does not delay it.

Targets: acknowledgement p99 ≤ 500 ms during the storm; the next event at all
kiosks p99 ≤ 2 s.

`--quick` (300 kiosks, more than the relay admits or wakes in one turn; 10 timed
webhooks during the storm, 5 before; SQLite unless `--postgres`) proves the bench
works: it fails only if a webhook is refused or a kiosk misses the event, never
on the targets.

    uv run python bench/reconnect_storm.py [--kiosks 5000] [--postgres] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fanout import percentile, process_cpu, raise_fd_limit  # noqa: E402

from backend.relay import tokens  # noqa: E402
from backend.relay.store import RelayStore  # noqa: E402
from tests.support.relay import STRIPE_SECRET, stripe_event, stripe_headers  # noqa: E402

PROBE_EVERY = 0.1
PROBES = 40  # timed during the storm; half as many before it (the baseline)
QUICK_PROBES = 10


def prepare(db_url: str, kiosks: int) -> list[str]:
    """N kiosk tokens (inserted in one transaction: `add-kiosk` commits each)."""
    store = RelayStore(db_url, max_connections=2)
    try:
        store.ensure_schema()
        issued = [tokens.new_token() for _ in range(kiosks)]
        rows = [(f"kiosk-{i}", tokens.hash_token(t), time.time(), "test")
                for i, t in enumerate(issued)]
        with store.db.connection_context(), store.db.atomic():
            p = store.db.param
            insert = ("INSERT INTO relay_kiosk (name, token_hash, created_at, mode) "  # noqa: S608
                      f"VALUES ({p}, {p}, {p}, {p})")  # the driver's placeholder only
            store.db.cursor().executemany(insert, rows)
    finally:
        store.close()
    return issued


def prober(url: str, marker: str, go: Any, results: Any, probes: int = PROBES) -> None:
    """In a process of its own (the storm's client would otherwise delay it): time
    acknowledgements, first unloaded (the baseline), then from `go`, during the storm.
    The first webhook after `go` has the id `marker`. A failure is reported on `results`
    (rather than leaving the storm waiting for an event that never comes)."""
    try:
        probe(url, marker, go, results, probes)
    except Exception as e:  # any failure, reported to the parent
        results.put(("failed", repr(e)))


def probe(url: str, marker: str, go: Any, results: Any, probes: int) -> None:
    import requests

    def post(http: requests.Session, event_id: str) -> tuple[float, float]:
        body = stripe_event(event_id)
        sent = time.monotonic()
        reply = http.post(f"{url}/v1/webhooks/stripe", data=body, headers=stripe_headers(body),
                          timeout=10)
        if reply.status_code != 200:
            raise RuntimeError(f"a genuine webhook was answered {reply.status_code}")
        return sent, time.monotonic() - sent

    with requests.Session() as http:
        for i in range(3):
            post(http, f"evt_warm_{i}")  # the connection, the first commits
        baseline = []
        for i in range(probes // 2):
            baseline.append(post(http, f"evt_base_{i}")[1])
            time.sleep(PROBE_EVERY)
        results.put(("ready", None))
        go.wait()
        acks, first_sent = [], 0.0
        for i in range(probes):
            sent, took = post(http, marker if i == 0 else f"evt_storm_{i}")
            first_sent = first_sent or sent
            acks.append(took)
            time.sleep(max(0.0, PROBE_EVERY - took))
        results.put(("done", (baseline, acks, first_sent)))


async def kiosk(host: str, port: int, token: str, after: int, marker: list[str],
                received: list[float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            writer.write(f"GET /v1/events?after={after}&wait=30 HTTP/1.1\r\nHost: {host}\r\n"
                         f"Authorization: Bearer {token}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if head.split(b" ", 2)[1] != b"200":
                raise RuntimeError(f"a kiosk's poll was answered {head[:40]!r}")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            page = json.loads(await reader.readexactly(length))
            if any(e["id"] == marker[0] for e in page["events"]):
                received.append(time.monotonic())
                return
            after = page["next"]
    finally:
        writer.close()


async def storm(url: str, issued: list[str], after: int, pid: int,
                probes: int = PROBES) -> dict[str, Any]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    marker = f"evt_next_{time.monotonic_ns()}"
    context = multiprocessing.get_context("fork")
    go, results = context.Event(), context.Queue()
    child = context.Process(target=prober, args=(url, marker, go, results, probes))
    child.start()
    loop = asyncio.get_running_loop()

    async def reported(expected: str) -> Any:
        tag, value = await loop.run_in_executor(None, results.get, True, 120)
        if tag != expected:
            raise RuntimeError(f"the prober {tag}: {value}")
        return value

    await reported("ready")
    received: list[float] = []
    cpu = process_cpu(pid)
    started = time.monotonic()
    go.set()
    kiosks = [asyncio.create_task(kiosk(host, int(port), t, after + 3 + probes // 2, [marker],
                                        received)) for t in issued]
    everyone = asyncio.gather(*kiosks, return_exceptions=True)
    try:
        baseline, acks, first_sent = await reported("done")
        gathered = await asyncio.wait_for(everyone, 60)
    finally:
        everyone.cancel()  # after a failure: no kiosk waits on for an event never sent
    child.join(10)
    return {
        "baseline": baseline, "acks": acks,
        "failures": [r for r in gathered if isinstance(r, BaseException)],
        "delivery": [t - first_sent for t in received],
        "relay_cpu": process_cpu(pid) - cpu, "wall": time.monotonic() - started,
    }


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=5000)
    parser.add_argument("--quick", action="store_true",
                        help="300 kiosks, 10 timed webhooks: proves the bench works, no verdict")
    parser.add_argument("--postgres", action="store_true",
                        help="the test PostgreSQL at 127.0.0.1:5432 (a scratch schema)")
    args = parser.parse_args()
    n = 300 if args.quick else args.kiosks
    probes = QUICK_PROBES if args.quick else PROBES
    limit = raise_fd_limit()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"open-file limit {limit}")
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp, contextlib.ExitStack() as stack:
        if args.postgres:
            from tests.support.relay import postgres_problem, scratch_schema

            problem = postgres_problem()
            if problem:
                raise SystemExit(problem)
            db_url = stack.enter_context(scratch_schema("relay_storm"))
        else:
            db_url = f"sqlite:///{Path(tmp) / 'relay.sqlite3'}"
        print(f"database: {'PostgreSQL (127.0.0.1)' if args.postgres else 'SQLite'}")
        issued = prepare(db_url, n)
        env = {**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "CHARTER_KIOSK_HOME": tmp}
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.relay", "serve", "--port", "0", "--db",
             db_url, "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[3]
            result = uvloop.run(storm(url, issued, 0, proc.pid, probes))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    baseline, acks = result["baseline"], result["acks"]
    delivery, failures = result["delivery"], result["failures"]
    assert isinstance(baseline, list) and isinstance(acks, list)
    assert isinstance(delivery, list) and isinstance(failures, list)
    print(f"acknowledgement, no storm:     p50 {ms(baseline, 50)}, p99 {ms(baseline, 99)}, "
          f"max {ms(baseline, 100)} ({len(baseline)} webhooks)")
    print(f"acknowledgement, during storm: p50 {ms(acks, 50)}, p99 {ms(acks, 99)}, "
          f"max {ms(acks, 100)} ({len(acks)} webhooks, every one 200); "
          f"ratio of medians {statistics.median(acks) / statistics.median(baseline):.1f}x")
    print(f"next event at all {n} kiosks: {len(delivery)} received it, p50 "
          f"{ms(delivery, 50)}, p99 {ms(delivery, 99)}, max {ms(delivery, 100)}; "
          f"{len(failures)} kiosks failed {failures[:1]}")
    print(f"relay CPU {result['relay_cpu']:.2f} s over {result['wall']:.2f} s")
    print("acks during the storm, in order (ms):", " ".join(f"{a * 1000:.0f}" for a in acks))
    delivered = not failures and len(delivery) == n
    ok = delivered and percentile(acks, 99) <= 0.5 and percentile(delivery, 99) <= 2.0
    print("targets (ack p99 ≤ 500 ms, delivery p99 ≤ 2 s):", "met" if ok else "NOT met",
          *(["(quick run: figures meaningless, no verdict)"] if args.quick else []))
    if args.quick:  # every webhook answered 200 (the prober fails otherwise), every kiosk served
        return 0 if delivered else 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
