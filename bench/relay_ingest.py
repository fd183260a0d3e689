"""Relay ingest throughput: signed webhooks per second with 32 concurrent senders.

Runs the relay as its own process (`python -m backend.relay serve`) on a fresh
SQLite file, sends N distinct signed Stripe webhooks from 32 threads, then
checks the file: every acknowledged event present exactly once. Printed next to
this machine's raw durable SQLite commit rate (one row per transaction, WAL,
synchronous=FULL) measured in the same run, on the same filesystem.

    uv run python bench/relay_ingest.py [--events 4000] [--senders 32]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.relay.testing import STRIPE_SECRET, stripe_event, stripe_headers  # noqa: E402


def raw_commit_rate(directory: Path, seconds: float = 3.0) -> float:
    path = directory / "raw.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    body = stripe_event().decode()
    n = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (body,))
        conn.execute("COMMIT")
        n += 1
    rate = n / (time.perf_counter() - started)
    conn.close()
    return rate


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--senders", type=int, default=32)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        directory = Path(tmp)
        raw = raw_commit_rate(directory)
        db = directory / "relay.sqlite3"
        env = {**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
               "CHARTER_KIOSK_HOME": str(directory)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.relay", "serve", "--port", "0",
             "--db", f"sqlite:///{db}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[3]
            bodies = [stripe_event(f"evt_bench_{i}") for i in range(args.events)]
            latencies: list[float] = []
            acked: list[str] = []
            errors: list[str] = []
            lock = threading.Lock()
            next_index = iter(range(args.events))

            def sender() -> None:
                with requests.Session() as http:
                    http.post(f"{url}/healthz")  # open the connection before the clock starts
                    for i in next_index:  # shared iterator: each event sent once
                        body = bodies[i]
                        started = time.perf_counter()
                        answer = http.post(f"{url}/v1/webhooks/stripe", data=body,
                                           headers=stripe_headers(body), timeout=10)
                        elapsed = time.perf_counter() - started
                        with lock:
                            latencies.append(elapsed)
                            if answer.status_code == 200:
                                acked.append(f"evt_bench_{i}")
                            else:
                                errors.append(f"{i}: {answer.status_code}")

            threads = [threading.Thread(target=sender) for _ in range(args.senders)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        relay_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        own_cpu = resource.getrusage(resource.RUSAGE_SELF)

        conn = sqlite3.connect(db)
        rows = dict(conn.execute("SELECT dedup_key, COUNT(*) FROM relay_event GROUP BY dedup_key"))
        conn.close()
        lost = [key for key in acked if key not in rows]
        duplicated = [key for key, n in rows.items() if n != 1]
        rate = len(acked) / wall
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"raw durable SQLite commits (WAL, synchronous=FULL, 1 row/txn): {raw:,.0f}/s")
        print(f"relay ingest, {args.senders} senders, {args.events} signed Stripe webhooks: "
              f"{rate:,.0f}/s  ({rate / raw:.2f}x the raw commit rate)")
        print(f"latency p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms")
        print(f"acknowledged {len(acked)}, stored {len(rows)}, lost {len(lost)}, "
              f"duplicated {len(duplicated)}, non-2xx {len(errors)}")
        # Both sides share this machine's CPUs; say where the time went.
        print(f"CPU: relay process {relay_cpu.ru_utime + relay_cpu.ru_stime:.1f} s, "
              f"senders {own_cpu.ru_utime + own_cpu.ru_stime:.1f} s, wall {wall:.1f} s")
        return 0 if not lost and not duplicated and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
