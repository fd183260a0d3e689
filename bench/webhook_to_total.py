"""From a webhook's POST to the relay until a kiosk's get_cumulative_total() shows it.

Through the real pieces: the relay under uvicorn (SQLite, durable commits), the
kiosk's RelaySync long-polling it in a worker thread, the ledger on the kiosk's
own SQLite file. The baseline, measured in the same run, is what the original
design relied on: the kiosk polling the payment's status every 3 s.

Run: uv run python bench/webhook_to_total.py [--samples 200] [--baseline-samples 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CAMPAIGN = {"id": "bench", "currency": "usd", "coins": ["btc"]}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_for_total(target: int, timeout: float = 10.0) -> float:
    from backend import charter

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if charter.get_cumulative_total()["data"]["total_minor"] >= target:
            return time.perf_counter()
        time.sleep(0.0005)
    raise TimeoutError("the total never moved")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--baseline-samples", type=int, default=5)
    parser.add_argument("--quick", action="store_true",
                        help="10 samples, 1 baseline: proves the bench works")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.baseline_samples = 10, 1

    home = Path(tempfile.mkdtemp(prefix="bench-w2t-"))
    os.environ["CHARTER_KIOSK_HOME"] = str(home)
    from backend import charter, stripe_api
    from backend.db import open_database
    from backend.relay import tokens
    from backend.relay.server import RelayServer
    from backend.sandbox import SandboxConfig, SandboxServer
    from backend.settings import write_settings
    from backend.sync import RelaySync
    from backend.webhooks import stripe_signature_header

    write_settings({"campaign": CAMPAIGN})
    open_database()
    secret = "whsec_bench_" + uuid.uuid4().hex
    relay_db = f"sqlite:///{home / 'relay.sqlite3'}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")

    with RelayServer(relay_db, stripe_secrets=[secret], nowpayments_secrets=[]) as relay:
        token = tokens.add_kiosk(relay_db, "bench-kiosk")
        sync = RelaySync(relay.url, token)
        stop = threading.Event()
        worker = threading.Thread(target=sync.run, args=(stop,), name="relay-sync")
        worker.start()
        post = requests.Session()
        latencies: list[float] = []
        total = 0
        try:
            for i in range(args.samples + 5):
                amount = 100 + i
                body = json.dumps({
                    "id": f"evt_{uuid.uuid4().hex}", "object": "event", "livemode": False,
                    "type": "checkout.session.completed", "created": int(time.time()),
                    "data": {"object": {
                        "id": f"cs_test_{uuid.uuid4().hex}", "object": "checkout.session",
                        "amount_total": amount, "currency": "usd",
                        "metadata": {"campaign_id": "bench"}, "payment_status": "paid",
                        "status": "complete"}},
                }).encode()
                header = stripe_signature_header(body, secret, int(time.time()))
                started = time.perf_counter()
                response = post.post(f"{relay.url}/v1/webhooks/stripe", data=body,
                                     headers={"Stripe-Signature": header}, timeout=5)
                response.raise_for_status()
                total += amount
                seen = wait_for_total(total)
                if i >= 5:  # the first few warm up connections and caches
                    latencies.append((seen - started) * 1000)
        finally:
            stop.set()
            worker.join(5)

    # Baseline: the original design, a 3 s status poll of the payment on screen.
    baseline: list[float] = []
    config = SandboxConfig()
    with SandboxServer(config) as sandbox:
        os.environ.update({"STRIPE_API_BASE": sandbox.url, "STRIPE_SECRET_KEY_TEST":
                           config.stripe_secret_key, "BASE_URL": "https://relay.example.org"})
        for _ in range(args.baseline_samples):
            card = charter.fiat_button_click(25, "card")["data"]
            done = threading.Event()

            def poller(session_id: str = card["session_id"], finished: threading.Event = done) -> None:
                while not finished.is_set():
                    result = stripe_api.get_payment_status(session_id)
                    if result["success"] and result["data"]["status"] == "paid":
                        finished.set()
                        return
                    finished.wait(3.0)

            thread = threading.Thread(target=poller)
            thread.start()
            time.sleep(0.37 * (1 + len(baseline)) % 3.0)  # pay at varied points of the cycle
            started = time.perf_counter()
            sandbox.pay_stripe_session(card["session_id"], webhook=False)
            done.wait(10)
            baseline.append((time.perf_counter() - started) * 1000)
            thread.join(5)

    print(f"\nwebhook -> relay -> sync -> get_cumulative_total ({len(latencies)} samples):")
    print(f"  p50 {statistics.median(latencies):7.1f} ms   p99 {percentile(latencies, 0.99):7.1f} ms"
          f"   max {max(latencies):7.1f} ms")
    print(f"baseline, 3 s status polling ({len(baseline)} samples):")
    print(f"  p50 {statistics.median(baseline):7.1f} ms   max {max(baseline):7.1f} ms")
    print(f"ratio of medians: {statistics.median(baseline) / statistics.median(latencies):.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
