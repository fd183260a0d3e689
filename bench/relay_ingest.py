"""Relay ingest throughput: signed webhooks per second with 32 concurrent senders.

Runs the relay as its own process (`python -m backend.relay serve`) on a fresh
SQLite file, sends N distinct signed Stripe webhooks from 32 threads, then
checks the file: every acknowledged event present exactly once. Printed next to
this machine's raw durable SQLite commit rate (one row per transaction, WAL,
synchronous=FULL) measured in the same run, on the same filesystem.

    uv run python bench/relay_ingest.py [--events 4000] [--senders 32]
    uv run python bench/relay_ingest.py --loadgen wrk [--seconds 5]   (the default when wrk exists)

The Python senders share this machine's two cores with the relay and use more
CPU than it does; `--loadgen wrk` (Debian's `wrk`, a C load generator) sends
pre-signed distinct webhooks over 32 connections instead, so the figure is the
relay's rather than the load generator's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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

from tests.support.relay import STRIPE_SECRET, stripe_event, stripe_headers  # noqa: E402


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


WRK_SCRIPT = """
local reqs, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\\t")
    reqs[#reqs + 1] = wrk.format("POST", "/v1/webhooks/stripe",
      {["Stripe-Signature"] = line:sub(1, tab - 1), ["Content-Type"] = "application/json"},
      line:sub(tab + 1))
  end
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
done = function(summary, latency, requests)
  io.write(string.format('WRK {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, '
    .. '"p99_ms": %.3f, "max_ms": %.3f, "non2xx": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def run_wrk(url: str, directory: Path, events: int, connections: int, seconds: float
            ) -> dict[str, float]:
    """Pre-signed distinct webhooks through wrk; returns its summary."""
    lines = []
    for i in range(events):
        body = stripe_event(f"evt_bench_{i}")
        lines.append(f"{stripe_headers(body)['Stripe-Signature']}\t{body.decode()}")
    requests_file = directory / "requests.txt"
    requests_file.write_text("\n".join(lines) + "\n")
    script = directory / "ingest.lua"
    script.write_text(WRK_SCRIPT)
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s",
         str(script), url, "--", str(requests_file)],
        capture_output=True, text=True, timeout=seconds + 60, check=True)
    summary_line = next(line for line in result.stdout.splitlines() if line.startswith("WRK "))
    summary: dict[str, float] = json.loads(summary_line[4:])
    if summary["requests"] > events:
        raise SystemExit(f"wrk sent {summary['requests']:.0f} requests but only {events} distinct "
                         "events exist: raise --events")
    return summary


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--loadgen", choices=["auto", "python", "wrk"], default="auto",
                        help="auto: wrk when installed, else Python threads")
    parser.add_argument("--seconds", type=float, default=5.0, help="with --loadgen wrk")
    parser.add_argument("--quick", action="store_true",
                        help="200 webhooks from 4 Python senders: proves the bench works")
    args = parser.parse_args()
    if args.quick:
        args.events, args.senders, args.loadgen = 200, 4, "python"
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "python"
    if args.loadgen == "wrk":
        if not shutil.which("wrk"):
            raise SystemExit("--loadgen wrk needs wrk (Debian: apt-get install wrk)")
        args.events = max(args.events, int(args.seconds * 8000))

    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        directory = Path(tmp)
        raw = raw_commit_rate(directory, 0.3 if args.quick else 3.0)
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
            if args.loadgen == "wrk":
                summary = run_wrk(url, directory, args.events, args.senders, args.seconds)
                return report_wrk(summary, raw, db, args.senders)
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


def report_wrk(summary: dict[str, float], raw: float, db: Path, connections: int) -> int:
    # The relay is stopped by the caller's finally block once this returns; every
    # acknowledged event was committed before its 2xx, so the file is complete now.
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT COUNT(*) FROM relay_event").fetchone()[0]
    duplicated = conn.execute("SELECT COUNT(*) FROM (SELECT dedup_key FROM relay_event "
                              "GROUP BY dedup_key HAVING COUNT(*) > 1)").fetchone()[0]
    conn.close()
    acked = int(summary["requests"] - summary["non2xx"])
    rate = acked / summary["seconds"]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"raw durable SQLite commits (WAL, synchronous=FULL, 1 row/txn): {raw:,.0f}/s")
    print(f"relay ingest, wrk with {connections} connections, {acked} signed Stripe webhooks "
          f"in {summary['seconds']:.1f} s: {rate:,.0f}/s  ({rate / raw:.2f}x the raw commit rate)")
    print(f"latency p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms, "
          f"max {summary['max_ms']:.1f} ms")
    # wrk may stop with requests in flight: those may be stored without a 2xx seen.
    lost = max(0, acked - stored)
    print(f"acknowledged {acked}, stored {stored}, lost {lost}, duplicated {duplicated}, "
          f"non-2xx {summary['non2xx']:.0f}, socket errors {summary['errors']:.0f}")
    return 0 if not lost and not duplicated and not summary["non2xx"] else 1


if __name__ == "__main__":
    sys.exit(main())
