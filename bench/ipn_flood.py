"""Forged-IPN flood: genuine webhooks' latency while 12 senders post forged
NOWPayments IPNs, next to an unloaded run in the same process.

The relay runs as its own process (`relay serve`, SQLite). `wrk` (a C load
generator: Debian's `apt-get install wrk`) keeps 12 connections posting forged IPNs
for 12 s: bodies of 1 MiB, as in issue 12, then bodies at the relay's IPN limit
(16 KiB, the worst an attacker who read the code can send: each is parsed and
serialised before its HMAC is found wrong), and, as the reference, forged 1 MiB
Stripe events (read and hashed, then refused). Meanwhile this process posts a
genuine webhook every 50 ms, alternately a Stripe event and a signed IPN, and
times each. Target: genuine p99 ≤ 250 ms during the flood, none refused.

`--quick` proves the bench works: 1 s per phase, 2 senders each pausing 50 ms
between forgeries (a trickle, not a flood); it fails only if a genuine webhook is
not answered 200 or a forgery is not refused, never on the target.

    uv run python bench/ipn_flood.py [--seconds 12] [--senders 12] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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
sys.path.insert(0, str(ROOT / "bench"))

from fanout import percentile, process_cpu  # noqa: E402

from tests.support.relay import (  # noqa: E402
    NOWPAYMENTS_SECRET,
    STRIPE_SECRET,
    nowpayments_headers,
    nowpayments_ipn,
    stripe_event,
    stripe_headers,
)

WRK_SCRIPT = """
wrk.method = "POST"
if os.getenv("FLOOD_STRIPE_SIG") then
  wrk.headers["Stripe-Signature"] = os.getenv("FLOOD_STRIPE_SIG")
else
  wrk.headers["x-nowpayments-sig"] = string.rep("ab", 64)
end
wrk.headers["Content-Type"] = "application/json"
local f = io.open(os.getenv("FLOOD_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
local pause = tonumber(os.getenv("FLOOD_PAUSE_MS") or "0")
if pause > 0 then
  delay = function() return pause end
end
done = function(summary, latency, requests)
  io.write(string.format('WRK {"requests": %d, "seconds": %.3f, "errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status))
end
"""


def forged_ipn(size: int) -> bytes:
    """A plausible IPN padded to `size` bytes with small objects and decimals: what
    costs the most to parse and serialise per byte."""
    item = {"currency": "btc", "depositFee": 0.0000123, "serviceFee": 1.5}
    head = {"payment_id": 5077125051, "payment_status": "finished",
            "updated_at": "2026-01-01T00:00:00.000Z"}
    each = len(json.dumps(item, separators=(",", ":"))) + 1
    count = max(0, (size - len(json.dumps(head)) - 16) // each)
    while True:
        body = json.dumps({**head, "fee": [item] * count}, separators=(",", ":")).encode()
        if len(body) <= size:
            return body + b" " * (size - len(body))
        count -= 1


def genuine(url: str, seconds: float, every: float) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    codes: list[int] = []
    deadline = time.monotonic() + seconds
    i = 0
    with requests.Session() as http:
        while time.monotonic() < deadline:
            i += 1
            if i % 2:
                body = stripe_event(f"evt_genuine_{time.monotonic_ns()}")
                path, headers = "/v1/webhooks/stripe", stripe_headers(body)
            else:
                body = nowpayments_ipn(payment_id=time.monotonic_ns())
                path, headers = "/v1/webhooks/nowpayments", nowpayments_headers(body)
            sent = time.monotonic()
            try:
                codes.append(http.post(f"{url}{path}", data=body, headers=headers,
                                       timeout=10).status_code)
            except requests.RequestException:
                codes.append(0)
            took = time.monotonic() - sent
            latencies.append(took)
            time.sleep(max(0.0, every - took))
    return latencies, codes


def flood(url: str, body: bytes, senders: int, seconds: float, tmp: Path,
          provider: str = "nowpayments", pause_ms: int = 0) -> dict[str, float]:
    script = tmp / "flood.lua"
    script.write_text(WRK_SCRIPT)
    body_file = tmp / f"forged-{len(body)}.json"
    body_file.write_bytes(body)
    out = subprocess.run(
        ["wrk", f"-t{min(2, senders)}", f"-c{senders}", f"-d{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", str(script), f"{url}/v1/webhooks/{provider}"],
        env={**os.environ, "FLOOD_BODY": str(body_file), "FLOOD_PAUSE_MS": str(pause_ms),
             # A current timestamp and a wrong signature: read and hashed, then refused.
             **({"FLOOD_STRIPE_SIG": f"t={int(time.time())},v1={'ab' * 32}"}
                if provider == "stripe" else {})},
        capture_output=True, text=True,
        check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {out.stdout} {out.stderr}")
    result: dict[str, float] = json.loads(line[4:])
    return result


def report(name: str, latencies: list[float], codes: list[int]) -> str:
    refused = sum(1 for c in codes if c != 200)
    return (f"{name:<34} p50 {statistics.median(latencies) * 1000:6.1f} ms  "
            f"p99 {percentile(latencies, 99) * 1000:6.1f} ms  "
            f"max {max(latencies) * 1000:6.1f} ms  ({len(codes)} sent, {refused} not 200)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--senders", type=int, default=12)
    parser.add_argument("--quick", action="store_true",
                        help="1 s per phase, 2 senders trickling: proves the bench works, no verdict")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("this bench needs wrk (Debian: apt-get install wrk)")
    seconds = 1.0 if args.quick else args.seconds
    pause_ms = 0
    if args.quick:
        args.senders, pause_ms = 2, 50
    lead = min(0.5, seconds / 4)  # into the flood before the genuine webhooks, and after
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"{args.senders} forging senders (wrk), {seconds:.0f} s per phase")
    ok = True
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
               "NOWPAYMENTS_IPN_SECRET_TEST": NOWPAYMENTS_SECRET, "CHARTER_KIOSK_HOME": tmp_name}
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend.relay", "serve", "--port", "0", "--db",
             f"sqlite:///{tmp}/relay.sqlite3", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split()[3]
            genuine(url, min(1.0, seconds / 2), 0.05)  # warm-up
            latencies, codes = genuine(url, seconds, 0.05)
            print(report("unloaded (baseline)", latencies, codes))
            # What a quick run checks: every genuine webhook answered 200, every forgery refused.
            refused_all = all(c == 200 for c in codes)
            base = statistics.median(latencies)
            for label, size, provider in (
                    ("forged 1 MiB Stripe (reference)", 1024 * 1024, "stripe"),
                    ("forged 1 MiB IPNs", 1024 * 1024, "nowpayments"),
                    ("forged 16 KiB IPNs (at the limit)", 16 * 1024, "nowpayments")):
                found: dict[str, object] = {}
                body = forged_ipn(size)
                cpu = process_cpu(proc.pid)
                flooder = threading.Thread(target=lambda f=found, b=body, p=provider: f.update(
                    flood(url, b, args.senders, seconds, tmp, p, pause_ms)))
                flooder.start()
                time.sleep(lead)
                latencies, codes = genuine(url, seconds - 2 * lead, 0.05)
                flooder.join()
                used = process_cpu(proc.pid) - cpu
                print(report(f"during {label}", latencies, codes)
                      + f"  median {statistics.median(latencies) / base:.1f}x baseline")
                forged = float(found["requests"])  # type: ignore[arg-type]
                print(f"{'':<34} {forged:.0f} forged requests refused in {found['seconds']:.1f} s "
                      f"({forged / float(found['seconds']):.0f}/s); relay CPU {used:.2f} s, "  # type: ignore[arg-type]
                      f"{used / max(forged, 1) * 1e6:.0f} µs per forged request")
                ok &= percentile(latencies, 99) <= 0.25 and all(c == 200 for c in codes)
                refused_all &= (all(c == 200 for c in codes) and forged > 0
                                and found["non2xx"] == forged)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    print("target (genuine p99 ≤ 250 ms, none refused):", "met" if ok else "NOT met",
          *(["(quick run: figures meaningless, no verdict)"] if args.quick else []))
    if args.quick:
        print("every genuine webhook answered 200, every forged one refused:",
              "yes" if refused_all else "NO")
        return 0 if refused_all else 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
