"""The kiosk as a process: it stops on SIGTERM and for the CI smoke test, even in kiosk
mode, where its window refuses to be closed (Qt 6's quit() asks windows first)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO


def start(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    full_env = {**os.environ, "CHARTER_KIOSK_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
                **env}
    return subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--demo"], cwd=REPO,
                            env=full_env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


@pytest.mark.slow
def test_quit_after_renders_and_exits_zero(tmp_path: Path) -> None:
    shot = tmp_path / "attract.png"
    process = start(tmp_path, CHARTER_KIOSK_QUIT_AFTER="3", CHARTER_KIOSK_SCREENSHOT=str(shot))
    try:
        assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    finally:
        process.kill()
        process.communicate()  # closes the pipes (an open one is a ResourceWarning)
    assert shot.exists() and shot.stat().st_size > 5000


@pytest.mark.slow
def test_sigterm_stops_the_kiosk_cleanly(tmp_path: Path) -> None:
    process = start(tmp_path)
    try:
        # Up when the demo's database exists: the window, its signal handlers and the
        # workers come first (a fixed sleep lost that race on a busy machine).
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("demo/kiosk*.sqlite3")) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.2)
        time.sleep(1)  # workers started
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.communicate()  # closes the pipes (an open one is a ResourceWarning)
