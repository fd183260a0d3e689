"""Kiosk start-up time and memory, next to a bare PySide6 window measured in the same run.

    uv run python bench/kiosk_startup.py [--runs 5]

For each run a fresh process is started and timed from just before `exec` to
its first painted attract screen (and to the attract screen showing the
campaign's real total). One more kiosk process then makes a full card donation
on the demo sandbox and reports its peak RSS. Without a display the offscreen
platform is used, which paints into memory the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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

KIOSK = r"""
import sys, time, resource
t_import = time.time()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from kiosk.app import create_window
app = QApplication(sys.argv[:1])
donate = sys.argv[1] == "donate"
times = {}
class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "first_paint" not in times:
            times["first_paint"] = time.time()
        return False
watch = Watch()
window = create_window(["--windowed", "--size", "1280x800",
                        *(["--demo"] if sys.argv[1] != "plain" else [])])
window.attract.installEventFilter(watch)
state = {"step": "ready"}
def click(name):
    window.findChild(QPushButton, name).click()
def poll():
    step = state["step"]
    if step == "ready" and window.is_ready and "first_paint" in times:
        window.attract.repaint()
        times["ready_paint"] = time.time()
        if not donate:
            app.quit(); return
        click("startButton"); click("amountButton_25"); click("payCardButton")
        state["step"] = "qr"
    elif step == "qr" and window.pay.qr.has_code():
        click("simulatePayButton")
        state["step"] = "thanks"
    elif step == "thanks" and window.stack.currentWidget() is window.thanks:
        times["donated"] = time.time()
        app.quit(); return
    QTimer.singleShot(10, poll)
QTimer.singleShot(0, poll)
QTimer.singleShot(60000, app.quit)
app.exec()
window.shutdown()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("RESULT", {**times, "peak_kb": peak})
"""


def run(code: str, *args: str, env: dict[str, str]) -> tuple[float, dict[str, float]]:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return started, eval(line[7:], {})  # noqa: S307 - our own child's dict literal
    raise RuntimeError(f"the child failed:\n{out.stdout}\n{out.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    bare: list[float] = []
    first: list[float] = []
    ready: list[float] = []
    plain: list[float] = []
    bare_peak = 0
    with tempfile.TemporaryDirectory(prefix="charter-bench-") as home:
        env["CHARTER_KIOSK_HOME"] = home
        run(KIOSK, "start", env=env)  # warm the file cache and create the demo database
        for _ in range(args.runs):
            started, result = run(BARE, env=env)
            bare.append(result["first_paint"] - started)
            bare_peak = max(bare_peak, int(result["peak_kb"]))
            started, result = run(KIOSK, "start", env=env)
            first.append(result["first_paint"] - started)
            ready.append(result["ready_paint"] - started)
            started, result = run(KIOSK, "plain", env=env)
            plain.append(result["ready_paint"] - started)
        started, donation = run(KIOSK, "donate", env=env)
    figures = {
        "platform": env.get("QT_QPA_PLATFORM", "default"),
        "runs": args.runs,
        "bare_window_first_paint_s": round(statistics.median(bare), 3),
        "kiosk_first_paint_s": round(statistics.median(first), 3),
        "kiosk_total_shown_s": round(statistics.median(plain), 3),
        "kiosk_demo_total_shown_s": round(statistics.median(ready), 3),
        "bare_window_peak_rss_mb": round(bare_peak / 1024, 1),
        "kiosk_peak_rss_after_donation_mb": round(int(donation["peak_kb"]) / 1024, 1),
        "donation_completed": "donated" in donation,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"platform: {figures['platform']}, median of {args.runs} runs")
        print(f"  bare PySide6 window, first paint:      {figures['bare_window_first_paint_s']:.3f} s")
        print(f"  kiosk attract screen, first paint:     {figures['kiosk_first_paint_s']:.3f} s")
        print(f"  kiosk attract screen, real total:      {figures['kiosk_total_shown_s']:.3f} s")
        print(f"  same with --demo (sandbox and relay):  "
              f"{figures['kiosk_demo_total_shown_s']:.3f} s")
        print(f"  bare PySide6 window, peak RSS:         {figures['bare_window_peak_rss_mb']:.1f} MB")
        print(f"  kiosk peak RSS after a card donation:  "
              f"{figures['kiosk_peak_rss_after_donation_mb']:.1f} MB "
              f"({'completed' if figures['donation_completed'] else 'DID NOT COMPLETE'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
