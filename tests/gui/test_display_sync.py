"""A display board on its own machine follows gifts made at a kiosk, through the relay."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.settings import write_settings
from kiosk.display import DisplayWindow
from tests.gui.conftest import CAMPAIGN
from tests.support.paths import REPO

KIOSK = ("from backend import charter\n"
         "result = charter.record_cash_gift('60', display_name='Noor')\n"
         "assert result['success'] and result['data']['shared'], result\n")


def test_the_board_shows_a_cash_gift_recorded_at_another_kiosk(
        qtbot: QtBot, campaign_settings: None, fresh_db: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.app import create_window

    relay_db = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    with RelayServer(relay_db, stripe_secrets=["whsec_x"], nowpayments_secrets=[]) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        monkeypatch.setenv("RELAY_TOKEN", tokens.add_kiosk(relay_db, "board"))
        board = create_window(["display", "--windowed", "--size", "1280x800"])
        assert isinstance(board, DisplayWindow)
        try:
            qtbot.waitUntil(lambda: board.sync is not None and board.sync.isRunning(),
                            timeout=10_000)
            home = tmp_path / "kiosk"
            home.mkdir()
            write_settings(CAMPAIGN, home / "kiosk.toml")
            result = subprocess.run(
                [sys.executable, "-c", KIOSK], cwd=REPO, text=True, capture_output=True,
                timeout=60, check=False,
                env={**os.environ, "CHARTER_KIOSK_HOME": str(home),
                     "RELAY_TOKEN": tokens.add_kiosk(relay_db, "kiosk-test")})
            assert result.returncode == 0, result.stderr
            total = board.findChild(QLabel, "totalLabel")
            assert total is not None
            qtbot.waitUntil(lambda: total.text() == "$60", timeout=10_000)
            qtbot.waitUntil(lambda: "Noor" in board.recent_rows[0][1].text(), timeout=5_000)
        finally:
            board.shutdown()
            sync_stopped = board.sync is not None and not board.sync.isRunning()
            board.close()
            board.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert sync_stopped
