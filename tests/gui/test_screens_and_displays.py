"""Full screen fills the chosen screen (with or without a window manager); no display at
all is a one-line hint, not a core dump."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from kiosk.main_window import KioskWindow
from kiosk.preflight import XCB_LIBRARIES, _loads, display_problem
from tests.support.paths import REPO


def test_full_screen_takes_the_screen_s_exact_geometry(
        make_kiosk: Callable[..., KioskWindow]) -> None:
    # The offscreen platform has no window manager, like a bare X server on a kiosk.
    window = make_kiosk(argv=["--screen", "0"])
    screen = QGuiApplication.screens()[0]
    assert window.geometry() == screen.geometry()
    assert window.theme.profile.width == screen.geometry().width()  # type: ignore[attr-defined]


def test_no_display_is_one_line_suggesting_the_terminal_demo() -> None:
    message = display_problem({}, "linux")
    assert message is not None and "--terminal" in message and "\n" not in message
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({}, "win32") is None


def test_missing_x11_libraries_are_named_with_their_packages() -> None:
    missing = [package for library, package in XCB_LIBRARIES if not _loads(library)]
    message = display_problem({"DISPLAY": ":0"}, "linux")
    if missing:
        assert message is not None and f"apt-get install {' '.join(missing)}" in message
    else:
        assert message is None


def test_the_command_without_a_display_exits_with_the_hint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["CHARTER_KIOSK_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "from kiosk.cli import main; raise SystemExit(main([]))"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--terminal" in lines[0], result.stderr
