"""Soak: a four-hour event in fast-forward, watching the kiosk for leaks.

    uv run python bench/soak.py [--gifts 2880] [--staff-every 10] [--cash-every 20]
                                [--abandon-every 5] [--poll-every 3] [--quick] [--json]

The kiosk runs as at an event, in its own process: the real window (offscreen without a
display), its payment poller, relay sync and reconciler, against the provider sandbox and a
relay each in their own process, so the kiosk's figures are its own. A driver in the
kiosk's event loop plays the donors and the staff: card and crypto gifts in turn through
the screens (attract, amount, method, payment, thank-you), paid with or without a webhook
(the relay's sync or the poller sees it; every third without), every fifth one abandoned
on the payment screen, the staff screen opened with the PIN every tenth gift and a cash
gift recorded there every twentieth. An abandoned crypto payment stays open and the
reconciler follows it up; an abandoned card's Checkout Session is expired at once (with
these cadences half the abandoned gifts are crypto). At the end the driver reports the payments
still open and how many the reconciler has asked about (waiting up to 10 s for it).
`--quick` makes 6 gifts with the cadences scaled so that each activity happens at least
once, an abandoned crypto payment among them.

Fast-forward: four hours at one gift every five seconds is 2,880 gifts; they run back to
back, and every timer is shortened (the poller asks every 0.2 s, the reconciler wakes every
second, the attract screen refreshes its ticker every 0.5 s), so the workers run many more
cycles than in four real hours. Clock-driven expiries do not fast-forward.

Every tenth of the way (after every gift when there are fewer than ten), and at the end, the
kiosk reports its RSS, threads, Python's allocated blocks (`sys.getallocatedblocks`: Python
objects left behind grow it, memory SQLite or Qt keep does not), open file descriptors and the
descriptors open on its database files (each SQLite connection holds the database and its
WAL) and how many of them are sockets, after a garbage collection. The verdict compares the
end with the sample after the first tenth (warm-up: caches, the Stripe SDK, the first
connections): threads and database handles must not grow at all; RSS by at most 5 MB or 3 %,
whichever is larger; descriptors other than sockets must not grow at all, and sockets by at
most two: a provider's pool of kept-alive connections opens a second one the first time two
workers ask that provider at once, which can happen at any point of a run (seen at gift 200
of 900, and at the very end of 8,640), while a leaking socket grows without bound.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kiosk_startup import CAMPAIGN, ROOT, Sandbox, child_env

RSS_SLACK_MB = 5.0
RSS_SLACK_RATIO = 0.03
SOCKET_SLACK = 2  # pooled kept-alive connections a provider may add after warm-up

# --quick: 6 gifts, each activity at least once. By number: 1 card and 2 crypto (with
# webhooks), 3 card paid without one (the poller), 4 crypto abandoned (it stays open at
# the provider: the reconciler follows it up; an abandoned card's Checkout Session is
# expired at once, leaving it nothing to ask), 5 card, 6 the staff visit and a cash gift.
QUICK = {"gifts": 6, "staff_every": 6, "cash_every": 6, "abandon_every": 4, "poll_every": 3}

DRIVER = r"""
import gc, json, os, resource, sys, threading, time, urllib.request
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from kiosk.app import create_window, keep_out_unused_modules
from kiosk.main_window import Timings
keep_out_unused_modules()
from backend.logs import setup_logging
setup_logging(to_stderr=False)
gifts = int(sys.argv[1])
samples = max(1, int(sys.argv[2]))
# Cadences, by the gift's number (from 1): a staff visit instead of a gift, a cash gift at
# that visit, a gift abandoned on the payment screen, a gift paid without a webhook.
staff_every, cash_every, abandon_every, poll_every = (int(a) for a in sys.argv[3:7])
sample_every = max(1, gifts // samples)
app = QApplication(sys.argv[:1])
timings = Timings(inactivity_ms=4000, thanks_ms=60000, poll_interval_s=0.2, poll_max_interval_s=1.0,
                  poll_slow_after_s=0.5, retry_ready_ms=500, staff_refresh_ms=300,
                  ticker_refresh_ms=500, count_up_ms=100, reconcile_idle_s=1.0)
window = create_window(["--windowed"], timings=timings)
app.aboutToQuit.connect(window.shutdown)
db_names = ("kiosk-test.sqlite3",)
def sample(n):
    gc.collect()
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    fds = 0
    db = 0
    sockets = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        fds += 1
        if os.path.basename(target).startswith(db_names):
            db += 1
        sockets += target.startswith("socket:")
    print("SAMPLE", {"gift": n, "t": time.time(), "rss_kb": int(status["VmRSS"].split()[0]),
                     "hwm_kb": int(status["VmHWM"].split()[0]),
                     "threads": int(status["Threads"]), "py_threads": threading.active_count(),
                     "fds": fds, "db_fds": db, "sockets": sockets,
                     "py_blocks": sys.getallocatedblocks()}, flush=True)
state = {"n": 0, "step": "ready", "since": time.time(), "staff": 0, "cash": 0, "errors": 0,
         "cancelled": 0, "paid": 0, "paid_card": 0, "paid_crypto": 0, "paid_polled": 0,
         "donors": 0}
def click(name):
    window.findChild(QPushButton, name).click()
def pay(kind, ref, webhook):
    if kind == "card":
        url = f"{os.environ['STRIPE_API_BASE']}/_sandbox/stripe/sessions/{ref}/pay"
        body = {"webhook": webhook}
    else:
        url = f"{os.environ['NOWPAYMENTS_API_BASE']}/_sandbox/nowpayments/payments/{ref}/status"
        body = {"status": "finished", "webhook": webhook}
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
def go(step):
    state["step"] = step
    state["since"] = time.time()
def next_gift():
    n = state["n"]
    if n >= gifts:
        sample(n)
        go("settle")
        return
    if n and n % sample_every == 0:
        sample(n)
    state["n"] = n + 1
    window.go_home()
    if state["n"] % staff_every == 0:
        window.open_staff_pin()
        go("pin")
        return
    click("startButton")
    click("amountButton_" + ("10", "25", "50", "100")[n % 4])
    # Card and crypto in turn by donor, not by step: a staff visit takes a step, and with
    # kinds by step every abandoned gift (every fifth step, staff every tenth) was a card.
    state["kind"] = "card" if state["donors"] % 2 == 0 else "crypto"
    state["donors"] += 1
    click("payCardButton" if state["kind"] == "card" else "payCryptoButton_" + ("btc", "eth", "xrp")[n % 3])
    go("qr")
def still_open():
    # After the last sample (this read-only connection is the driver's, not the kiosk's):
    # the payments the reconciler watches, and how many of them it has asked about.
    import sqlite3
    from backend.db import database_path
    from backend.models import OPEN_STATUSES
    from backend.reconcile import CRYPTO_WATCHED
    db = sqlite3.connect(f"file:{database_path()}?mode=ro", uri=True)
    try:
        checks = []
        for table, statuses in (("stripe_payment", OPEN_STATUSES), ("crypto_payment", CRYPTO_WATCHED)):
            marks = ",".join("?" * len(statuses))
            checks += [c for (c,) in db.execute(
                f"SELECT checks FROM {table} WHERE status IN ({marks})", statuses)]
    finally:
        db.close()
    return len(checks), sum(1 for c in checks if c)
def tick():
    step = state["step"]
    if step == "settle":  # an abandoned payment still open is followed up (or 10 s passed)
        state["open"], state["followed_up"] = still_open()
        if state["followed_up"] == state["open"] or time.time() - state["since"] > 10:
            print("DONE", {k: state[k] for k in (
                "paid", "cancelled", "staff", "cash", "errors", "paid_card", "paid_crypto",
                "paid_polled", "open", "followed_up")}, flush=True)
            app.exit(0)
            return
        QTimer.singleShot(20, tick)
        return
    current = window.stack.currentWidget()
    stuck = time.time() - state["since"] > 30
    if step == "ready":
        if window.is_ready:
            sample(0)
            next_gift()
    elif current is window.error or stuck:
        state["errors"] += 1
        print("ERROR", {"gift": state["n"], "step": step, "stuck": stuck,
                        "screen": current.objectName()}, flush=True)
        next_gift()
    elif step == "qr" and window.pay.qr.has_code() and window.payment is not None and window.payment.ref:
        if state["n"] % abandon_every == 0:
            window.pay.cancel.emit()
            state["cancelled"] += 1
            next_gift()
        else:
            state["polled"] = state["n"] % poll_every == 0
            pay(state["kind"], window.payment.ref, webhook=not state["polled"])
            go("thanks")
    elif step == "thanks" and current is window.thanks:
        state["paid"] += 1
        state["paid_" + state["kind"]] += 1
        state["paid_polled"] += state["polled"]
        next_gift()
    elif step == "pin" and current is window.pin:
        window.pin.submitted.emit("1234")
        go("staff")
    elif step == "staff" and current is window.staff:
        state["staff"] += 1
        if state["n"] % cash_every == 0:
            window.staff.cash_gift.emit("5", "Soak")
            state["cash"] += 1
        go("staff-out")
    elif step == "staff-out" and time.time() - state["since"] > 0.3:
        window.staff.back.emit()
        next_gift()
    QTimer.singleShot(20, tick)
QTimer.singleShot(0, tick)
code = app.exec()
window.shutdown()
print("EXIT", {"code": code, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, flush=True)
"""


class Relay:
    """`charter-kiosk relay serve --port 0` in its own process, with one kiosk token."""

    def __init__(self, env: dict[str, str]) -> None:
        added = subprocess.run([sys.executable, "-m", "backend.cli", "relay", "add-kiosk", "soak"],
                               env=env, cwd=ROOT, capture_output=True, text=True, check=True)
        self.token = next(line.strip() for line in added.stdout.splitlines()
                          if line.startswith("    ") and line.strip())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "relay", "serve", "--port", "0",
             "--log-level", "warning"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        self.url = ""
        for line in self.process.stdout:
            if line.startswith("relay listening on "):
                self.url = line.split()[3]
                break
        if not self.url:
            self.stop()
            raise RuntimeError("the relay did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()


def soak(gifts: int, samples: int = 10, *, staff_every: int = 10, cash_every: int = 20,
         abandon_every: int = 5, poll_every: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="charter-soak-") as home, \
            tempfile.TemporaryDirectory(prefix="charter-soak-relay-") as relay_home:
        env = child_env(dict(os.environ))
        env["CHARTER_KIOSK_HOME"] = home
        Path(home, "kiosk.toml").write_text(CAMPAIGN, encoding="utf-8")
        sandbox = Sandbox(env)
        relay = None
        try:
            relay = Relay({**env, **sandbox.env, "CHARTER_KIOSK_HOME": relay_home})
            base = sandbox.env["STRIPE_API_BASE"]
            _post(f"{base}/_sandbox/config",
                  {"stripe_webhook_url": f"{relay.url}/v1/webhooks/stripe",
                   "nowpayments_ipn_url": f"{relay.url}/v1/webhooks/nowpayments"})
            pin_hash = subprocess.run(
                [sys.executable, "-c", "from backend.staff_pin import hash_pin; print(hash_pin('1234'))"],
                env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
            kiosk_env = {**env, **sandbox.env, "CHARTER_RELAY_URL": relay.url,
                         "RELAY_TOKEN": relay.token, "STAFF_PIN_HASH": pin_hash}
            started = time.time()
            cadences = (staff_every, cash_every, abandon_every, poll_every)
            out = subprocess.run([sys.executable, "-c", DRIVER, str(gifts), str(samples),
                                  *map(str, cadences)],
                                 env=kiosk_env, cwd=ROOT, capture_output=True, text=True,
                                 timeout=max(600, gifts * 5), check=False)
            elapsed = time.time() - started
        finally:
            if relay is not None:
                relay.stop()
            sandbox.stop()
    lines = out.stdout.splitlines()
    found = {tag: [ast.literal_eval(line[len(tag) + 1:]) for line in lines if line.startswith(tag + " ")]
             for tag in ("SAMPLE", "DONE", "ERROR", "EXIT")}
    if not found["DONE"]:
        raise RuntimeError(f"the soak did not finish:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return verdict(found["SAMPLE"], found["DONE"][0], found["ERROR"], elapsed, gifts)


def verdict(samples: list[dict[str, Any]], done: dict[str, Any], errors: list[dict[str, Any]],
            elapsed: float, gifts: int) -> dict[str, Any]:
    """Compare the end with the first sample after warm-up (a tenth of the way); the growth
    over the second half is reported beside it."""
    warm = next((s for s in samples if s["gift"] >= max(1, gifts // 10)), samples[0])
    half = next((s for s in samples if s["gift"] >= max(1, gifts // 2)), samples[0])
    end = samples[-1]
    after = [s for s in samples if s["gift"] >= warm["gift"]]
    rss_growth_mb = (end["rss_kb"] - warm["rss_kb"]) / 1024
    allowed_mb = max(RSS_SLACK_MB, RSS_SLACK_RATIO * warm["rss_kb"] / 1024)
    growth = {
        "rss_mb": round(rss_growth_mb, 1),
        "threads": end["threads"] - warm["threads"],
        "fds": end["fds"] - warm["fds"],
        "db_fds": end["db_fds"] - warm["db_fds"],
        "sockets": end["sockets"] - warm["sockets"],
        "fds_second_half": end["fds"] - half["fds"],
    }
    other_fds = growth["fds"] - growth["sockets"]
    ok = (rss_growth_mb <= allowed_mb and growth["threads"] <= 0 and growth["db_fds"] <= 0
          and other_fds <= 0 and growth["sockets"] <= SOCKET_SLACK and done["paid"] > 0)
    return {
        "gifts": gifts,
        "elapsed_s": round(elapsed, 1),
        "paid": done["paid"], "paid_card": done["paid_card"], "paid_crypto": done["paid_crypto"],
        "paid_without_webhook": done["paid_polled"],
        "open_at_end": done["open"], "open_followed_up": done["followed_up"],
        "cancelled": done["cancelled"], "staff_visits": done["staff"],
        "cash_gifts": done["cash"], "errors": len(errors),
        "samples": [{k: s[k] for k in ("gift", "rss_kb", "threads", "fds", "db_fds", "sockets",
                                       "py_blocks")} for s in samples],
        "warm": {k: warm[k] for k in ("gift", "rss_kb", "threads", "fds", "db_fds")},
        "max_after_warm": {k: max(s[k] for s in after) for k in ("rss_kb", "threads", "fds", "db_fds")},
        "growth": growth,
        "rss_allowed_mb": round(allowed_mb, 1),
        "peak_rss_mb": round(max(s["hwm_kb"] for s in samples) / 1024, 1),
        "ok": ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gifts", type=int, default=2880,
                        help="gifts to make (2,880: four hours at one every five seconds)")
    parser.add_argument("--staff-every", type=int, default=10, metavar="N",
                        help="a staff visit (PIN, staff screen) instead of every Nth gift")
    parser.add_argument("--cash-every", type=int, default=20, metavar="N",
                        help="a cash gift at the staff visit of every Nth gift "
                             "(a multiple of --staff-every)")
    parser.add_argument("--abandon-every", type=int, default=5, metavar="N",
                        help="every Nth gift abandoned on the payment screen")
    parser.add_argument("--poll-every", type=int, default=3, metavar="N",
                        help="every Nth gift paid without a webhook (the poller sees it)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK['gifts']} gifts, every activity at least once (instead of "
                             "--gifts and the cadences): proves the soak works (too short for a "
                             "verdict on growth)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cadence = QUICK if args.quick else {
        "gifts": args.gifts, "staff_every": args.staff_every, "cash_every": args.cash_every,
        "abandon_every": args.abandon_every, "poll_every": args.poll_every}
    if min(cadence.values()) < 1 or cadence["cash_every"] % cadence["staff_every"]:
        parser.error("every count is at least 1, and cash gifts are recorded at staff visits: "
                     "--cash-every must be a multiple of --staff-every")
    result = soak(**cadence)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['gifts']} gifts in {result['elapsed_s']} s: {result['paid']} paid, "
              f"{result['cancelled']} abandoned, {result['staff_visits']} staff visits, "
              f"{result['cash_gifts']} cash gifts, {result['errors']} errors")
        print(f"paid: {result['paid_card']} by card, {result['paid_crypto']} in crypto; "
              f"{result['paid_without_webhook']} without a webhook (the poller's); "
              f"still open at the end: {result['open_at_end']}, followed up by the reconciler: "
              f"{result['open_followed_up']}")
        print(f"{'gift':>6} {'RSS MB':>8} {'threads':>8} {'fds':>5} {'db fds':>7} {'sockets':>8} "
              f"{'Python blocks':>14}")
        for s in result["samples"]:
            print(f"{s['gift']:>6} {s['rss_kb'] / 1024:>8.1f} {s['threads']:>8} {s['fds']:>5} "
                  f"{s['db_fds']:>7} {s['sockets']:>8} {s['py_blocks']:>14,}")
        g = result["growth"]
        print(f"growth after warm-up (gift {result['warm']['gift']}): RSS {g['rss_mb']:+.1f} MB "
              f"(allowed {result['rss_allowed_mb']}), threads {g['threads']:+d}, fds {g['fds']:+d} "
              f"(sockets {g['sockets']:+d}; over the second half {g['fds_second_half']:+d}), "
              f"db fds {g['db_fds']:+d}; peak RSS {result['peak_rss_mb']} MB -> "
              f"{'no growth' if result['ok'] else 'GROWTH'}")
    if args.quick:  # still warming up at the end: only that every activity ran without error
        print("quick run: too short for a verdict on growth")
        return 0 if result["paid"] and not result["errors"] else 1
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
