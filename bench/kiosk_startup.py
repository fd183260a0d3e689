"""Kiosk start-up time and memory, next to a bare PySide6 window measured in the same run.

    uv run python bench/kiosk_startup.py [--runs 7] [--quick] [--json]

Each run is a fresh process through the real command line (`kiosk.cli.main`, as
`charter-kiosk` runs it), timed from just before `exec` to its first painted attract
screen and to the attract screen showing the campaign's real total:

* kiosk: full-screen kiosk mode on an existing database (a card and a crypto gift already
  in it), providers reached over HTTP the way a deployed kiosk reaches them;
* demo: `--demo`, which also starts the provider sandbox and a relay in the process.

Memory: one kiosk process makes a card gift and then a crypto gift (the bench plays the
donor's phone by telling a separate sandbox process the payment was made) and reports its
peak RSS; a `--demo` process does the same with its *Simulate payment* button.

Python may write its bytecode cache here, as it does for an installed kiosk (the frozen app
carries compiled bytecode): with PYTHONDONTWRITEBYTECODE=1 every start would compile every
module from source and measure that instead. Without a display Qt's offscreen platform is
used, with one 1920x1080 screen; it paints into memory the same way.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

BARE = r"""
import sys, time, resource
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("Hello")
label.resize(1280, 800)
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "t"):
            self.t = time.time()
            QTimer.singleShot(0, app.quit)
        return False
watch = Watch()
label.installEventFilter(watch)
label.show()
app.exec()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("RESULT", {"first_paint": watch.t, "peak_kb": peak})
"""

# The kiosk exactly as `charter-kiosk [--demo]` starts it; the watcher only observes.
KIOSK = r"""
import json, os, resource, sys, time, urllib.request
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QPushButton
app = QApplication(sys.argv[:1])
mode = sys.argv[1]
demo = mode.endswith("demo")
donate = mode.startswith("donate")
times = {}
state = {"step": "ready", "window": None, "gifts": []}
class Watch(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and "first_paint" not in times
                and obj.objectName() == "attractScreen"):
            times["first_paint"] = time.time()
        return False
watch = Watch()
app.installEventFilter(watch)
def window():
    if state["window"] is None:
        state["window"] = next((w for w in app.topLevelWidgets()
                                if w.objectName() == "kioskWindow"), None)
    return state["window"]
def click(name):
    window().findChild(QPushButton, name).click()
def pay(kind, ref):
    # The donor's phone: tell the sandbox the payment was made (no webhook: no relay here,
    # so the kiosk's own poller finds out, as it would with the relay away).
    if kind == "card":
        url = f"{os.environ['STRIPE_API_BASE']}/_sandbox/stripe/sessions/{ref}/pay"
        body = {"webhook": False}
    else:
        url = f"{os.environ['NOWPAYMENTS_API_BASE']}/_sandbox/nowpayments/payments/{ref}/status"
        body = {"status": "finished", "webhook": False}
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
def begin(kind):
    click("startButton"); click("amountButton_25")
    click("payCardButton" if kind == "card" else "payCryptoButton_btc")
    state["kind"] = kind
    state["step"] = "qr"
def poll():
    w = window()
    step = state["step"]
    if w is None:
        pass
    elif step == "ready" and w.is_ready and "first_paint" in times:
        w.attract.repaint()
        times["ready_paint"] = time.time()
        if not donate:
            app.exit(0); return
        begin("card")
    elif step == "qr" and w.pay.qr.has_code() and w.payment is not None and w.payment.ref:
        if demo:
            click("simulatePayButton")
        else:
            pay(state["kind"], w.payment.ref)
        state["step"] = "thanks"
    elif step == "thanks" and w.stack.currentWidget() is w.thanks:
        state["gifts"].append(state["kind"])
        if state["kind"] == "card":
            w.go_home()
            begin("crypto")
        else:
            times["donated"] = time.time()
            app.exit(0); return
    QTimer.singleShot(10, poll)
QTimer.singleShot(0, poll)
QTimer.singleShot(90000, lambda: app.exit(3))
try:
    from kiosk.cli import main
except ImportError:  # a --baseline checkout from before kiosk.cli
    from backend.cli import main
code = main(["--demo"] if demo else [])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("RESULT", {**times, "peak_kb": peak, "gifts": state["gifts"], "code": code})
"""

CAMPAIGN = """\
[campaign]
id = "bench-campaign"
name = "Bench Appeal"
currency = "usd"
goal = "25000"
max_amount = "5000"
presets = ["10", "25", "50", "100"]
coins = ["btc", "eth", "xrp"]

[kiosk]
id = "bench-kiosk"
mode = "test"
"""


# Without a display: Qt's offscreen platform with one 1920x1080 screen, a kiosk's usual
# (offscreen's own default is 800x600, where the stylesheet's scale never changes).
OFFSCREEN_SCREEN = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
                    "screens": [{"name": "kiosk", "x": 0, "y": 0, "width": 1920, "height": 1080,
                                 "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}]}


def offscreen_platform() -> str:
    path = Path(tempfile.gettempdir()) / "charter-bench-screen-1080p.json"
    path.write_text(json.dumps(OFFSCREEN_SCREEN), encoding="utf-8")
    return f"offscreen:configfile={path}"


def child_env(base: dict[str, str], root: Path = ROOT) -> dict[str, str]:
    env = dict(base)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY") \
            and env.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        env["QT_QPA_PLATFORM"] = offscreen_platform()
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
    return env


def run(code: str, *args: str, env: dict[str, str], root: Path = ROOT) -> tuple[float, dict[str, Any]]:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=root,
                         capture_output=True, text=True, timeout=180, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = ast.literal_eval(line[7:])
            return started, result
    raise RuntimeError(f"the child failed:\n{out.stdout}\n{out.stderr}")


class Sandbox:
    """`charter-kiosk sandbox --port 0` in its own process; `env` holds its exports."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "sandbox", "--port", "0"], env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.env: dict[str, str] = {}
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("export "):
                name, _, value = line[7:].strip().partition("=")
                self.env[name] = value.strip("'")
            if line.startswith("Controls:"):
                break
        if "STRIPE_API_BASE" not in self.env:
            self.stop()
            raise RuntimeError("the sandbox did not start")
        # Older checkouts (the --baseline) export the single name; today's the mode's own.
        self.env.setdefault("NOWPAYMENTS_API_KEY_TEST", self.env.get("NOWPAYMENTS_API_KEY", ""))
        self.env["BASE_URL"] = self.env["STRIPE_API_BASE"]  # where Checkout sends the donor back

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def measure(runs: int, baseline: Path | None = None, quick: bool = False) -> dict[str, Any]:
    bare: list[float] = []
    first: list[float] = []
    kiosk: list[float] = []
    demo: list[float] = []
    base_kiosk: list[float] = []
    base_demo: list[float] = []
    base_donation: dict[str, Any] = {}
    bare_peak = 0
    with tempfile.TemporaryDirectory(prefix="charter-bench-") as home, \
            tempfile.TemporaryDirectory(prefix="charter-bench-base-") as base_home:
        env = child_env(dict(os.environ))
        env["CHARTER_KIOSK_HOME"] = home
        Path(home, "kiosk.toml").write_text(CAMPAIGN, encoding="utf-8")
        sandbox = Sandbox(env)
        try:
            kiosk_env = {**env, **sandbox.env}
            # Warm-up: the bytecode cache and the file cache; leaves a database with a card
            # and a crypto gift for the timed starts, and measures the kiosk's memory.
            kiosk_started, donation = run(KIOSK, "donate", env=kiosk_env)
            demo_started, demo_donation = run(KIOSK, "donate-demo", env=env)
            if baseline is not None:  # the same, from another checkout, in its own home
                base_env = {**child_env(dict(os.environ), baseline), "CHARTER_KIOSK_HOME": base_home}
                Path(base_home, "kiosk.toml").write_text(CAMPAIGN, encoding="utf-8")
                base_kiosk_env = {**base_env, **sandbox.env}
                base_started, base_donation = run(KIOSK, "donate", env=base_kiosk_env, root=baseline)
                base_demo_started, base_demo_donation = run(KIOSK, "donate-demo", env=base_env,
                                                            root=baseline)
            if quick:
                # A quick run only proves every script and figure works, once: the warm-up
                # runs start the same way and record the same paints (cold, on a new
                # database: figures meaningless), so they stand in for the timed starts.
                first.append(donation["first_paint"] - kiosk_started)
                kiosk.append(donation["ready_paint"] - kiosk_started)
                demo.append(demo_donation["ready_paint"] - demo_started)
                if baseline is not None:
                    base_kiosk.append(base_donation["ready_paint"] - base_started)
                    base_demo.append(base_demo_donation["ready_paint"] - base_demo_started)
            for _ in range(runs):
                started, result = run(BARE, env=env)
                bare.append(result["first_paint"] - started)
                bare_peak = max(bare_peak, int(result["peak_kb"]))
                if quick:
                    continue
                started, result = run(KIOSK, "start", env=kiosk_env)
                first.append(result["first_paint"] - started)
                kiosk.append(result["ready_paint"] - started)
                started, result = run(KIOSK, "start-demo", env=env)
                demo.append(result["ready_paint"] - started)
                if baseline is not None:
                    started, result = run(KIOSK, "start", env=base_kiosk_env, root=baseline)
                    base_kiosk.append(result["ready_paint"] - started)
                    started, result = run(KIOSK, "start-demo", env=base_env, root=baseline)
                    base_demo.append(result["ready_paint"] - started)
        finally:
            sandbox.stop()
    bare_s = statistics.median(bare)
    baseline_figures: dict[str, Any] = {}
    if baseline is not None:
        baseline_figures = {
            "baseline": str(baseline),
            "baseline_kiosk_total_shown_s": round(statistics.median(base_kiosk), 3),
            "baseline_kiosk_demo_total_shown_s": round(statistics.median(base_demo), 3),
            "baseline_kiosk_peak_rss_after_gifts_mb": round(int(base_donation["peak_kb"]) / 1024, 1),
            "baseline_kiosk_gifts": base_donation["gifts"],
        }
    return {**baseline_figures,
        "platform": env.get("QT_QPA_PLATFORM", "default").split(":")[0] + (
            " 1920x1080" if "configfile" in env.get("QT_QPA_PLATFORM", "") else ""),
        "runs": runs,
        "bare_window_first_paint_s": round(bare_s, 3),
        "kiosk_first_paint_s": round(statistics.median(first), 3),
        "kiosk_total_shown_s": round(statistics.median(kiosk), 3),
        "kiosk_total_shown_range_s": [round(min(kiosk), 3), round(max(kiosk), 3)],
        "kiosk_total_shown_vs_bare": round(statistics.median(kiosk) / bare_s, 1),
        "kiosk_demo_total_shown_s": round(statistics.median(demo), 3),
        "bare_window_peak_rss_mb": round(bare_peak / 1024, 1),
        "kiosk_peak_rss_after_gifts_mb": round(int(donation["peak_kb"]) / 1024, 1),
        "kiosk_gifts": donation["gifts"],
        "demo_peak_rss_after_gifts_mb": round(int(demo_donation["peak_kb"]) / 1024, 1),
        "demo_gifts": demo_donation["gifts"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true",
                        help="proves the bench works: one bare window; the warm-up gifts' "
                             "starts stand in for the timed ones")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="also time another checkout of the kiosk (e.g. `git worktree add "
                             "/tmp/base REV`), interleaved with this one in the same run")
    args = parser.parse_args(argv)
    figures = measure(1 if args.quick else args.runs, args.baseline, quick=args.quick)
    completed = figures["kiosk_gifts"] == ["card", "crypto"] and \
        figures["demo_gifts"] == ["card", "crypto"]
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"platform: {figures['platform']}, median of {figures['runs']} runs")
        print(f"  bare PySide6 window, first paint:      {figures['bare_window_first_paint_s']:.3f} s")
        print(f"  kiosk attract screen, first paint:     {figures['kiosk_first_paint_s']:.3f} s")
        print(f"  kiosk attract screen, real total:      {figures['kiosk_total_shown_s']:.3f} s "
              f"({figures['kiosk_total_shown_vs_bare']}x the bare window)")
        print(f"  same with --demo (sandbox and relay):  {figures['kiosk_demo_total_shown_s']:.3f} s")
        print(f"  bare PySide6 window, peak RSS:         {figures['bare_window_peak_rss_mb']:.1f} MB")
        print(f"  kiosk peak RSS, card + crypto gift:    "
              f"{figures['kiosk_peak_rss_after_gifts_mb']:.1f} MB ({figures['kiosk_gifts']})")
        print(f"  --demo peak RSS, card + crypto gift:   "
              f"{figures['demo_peak_rss_after_gifts_mb']:.1f} MB ({figures['demo_gifts']})")
        if args.baseline is not None:
            print(f"baseline {args.baseline}, same run:")
            print(f"  kiosk attract screen, real total:      "
                  f"{figures['baseline_kiosk_total_shown_s']:.3f} s")
            print(f"  same with --demo:                      "
                  f"{figures['baseline_kiosk_demo_total_shown_s']:.3f} s")
            print(f"  kiosk peak RSS, card + crypto gift:    "
                  f"{figures['baseline_kiosk_peak_rss_after_gifts_mb']:.1f} MB "
                  f"({figures['baseline_kiosk_gifts']})")
    return 0 if completed else 1


if __name__ == "__main__":
    raise SystemExit(main())
