"""What the kiosk loads to show its attract screen: only what that screen needs.

Start-up time and memory are measured by bench/kiosk_startup.py; this checks the cause
that is easy to regress without noticing: a module-level import that drags the Stripe SDK,
requests, the keyring or the relay's server stack into every kiosk start.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from backend import cli
from tests.support.paths import REPO

ROOT = REPO

# Loaded on the first card or crypto tap, the first secret read from the keyring, or by
# the relay and sandbox commands; never to paint the attract screen.
NOT_AT_START = {"stripe", "requests", "urllib3", "keyring", "psycopg2", "httpx", "starlette",
                "uvicorn", "qrcode", "backend.stripe_api", "backend.nowpayments_api",
                "backend.relay", "backend.sandbox", "backend.demo"}

CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
state = {}
def poll():
    window = next((w for w in app.topLevelWidgets() if w.objectName() == "kioskWindow"), None)
    if window is not None and window.is_ready:
        state.setdefault("ready", time.monotonic())
        if time.monotonic() - state["ready"] > 1.0:  # the workers' first passes too
            print("MODULES", sorted(n for n, m in list(sys.modules.items()) if m is not None))
            print("BLOCKED", sorted(n for n, m in list(sys.modules.items()) if m is None))
            app.exit(0)
            return
    QTimer.singleShot(20, poll)
QTimer.singleShot(0, poll)
QTimer.singleShot(30000, lambda: app.exit(3))
from kiosk.cli import main
sys.exit(main([]))
"""


def test_kiosk_start_loads_no_provider_keyring_or_server_code(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text('[campaign]\nid = "gala"\ncurrency = "usd"\n'
                                         '[kiosk]\nmode = "test"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CHARTER_KIOSK_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("MODULES ")), None)
    assert done.returncode == 0 and line, f"exit {done.returncode}:\n{done.stdout}\n{done.stderr}"
    loaded = set(ast.literal_eval(line[len("MODULES "):]))
    assert "backend.charter" in loaded and "kiosk.main_window" in loaded  # it did start
    assert {name for name in loaded if name in NOT_AT_START
            or name.split(".")[0] in NOT_AT_START} == set()
    blocked = next(x for x in done.stdout.splitlines() if x.startswith("BLOCKED "))
    assert {"psycopg2", "httpx"} <= set(ast.literal_eval(blocked[len("BLOCKED "):]))
    assert sys.modules.get("psycopg2", "absent") is not None  # only the kiosk process blocks it


def test_window_commands_do_not_load_the_relay_or_sandbox_arguments() -> None:
    code = ("import sys; from backend import cli; "
            "cli.build_parser([]).parse_args(['--windowed']); "
            "print(sorted(m for m in sys.modules if m.startswith(('backend.relay', 'backend.sandbox', "
            "'starlette', 'uvicorn', 'peewee'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"


def test_relay_and_sandbox_commands_still_get_their_arguments() -> None:
    assert cli.command_of(["--verbose", "relay", "serve", "--port", "0"]) == "relay"
    assert cli.command_of(["--demo"]) is None
    args = cli.build_parser(["relay"]).parse_args(["relay", "serve", "--port", "0"])
    assert args.command == "relay" and args.port == 0
    args = cli.build_parser(["sandbox"]).parse_args(["sandbox", "--port", "0"])
    assert args.command == "sandbox" and args.port == 0


def test_version_is_read_only_when_asked(capsys: object) -> None:
    assert cli.main(["--version"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.startswith("charter-kiosk ")
