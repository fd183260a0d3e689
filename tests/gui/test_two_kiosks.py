"""Two kiosks, one relay: a gift made at one shows on the other's screen.

Kiosk A is a real window in this process; kiosk B is another process with its
own data directory. B's card gift goes sandbox -> signed webhook -> relay ->
A's RelaySync thread -> A's ledger -> A's attract screen, and B's own total
converges through the same relay.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.sandbox import SandboxServer
from backend.settings import write_settings
from kiosk.main_window import KioskWindow
from tests.gui.conftest import CAMPAIGN
from tests.support.paths import REPO

KIOSK_B = textwrap.dedent("""
    import sys, time, requests
    from backend import charter
    from backend.sync import RelaySync
    card = charter.fiat_button_click(25, "card")
    assert card["success"], card
    base = sys.argv[1]
    requests.post(f"{base}/_sandbox/stripe/sessions/{card['data']['session_id']}/pay",
                  json={"webhook": True}, timeout=5).raise_for_status()
    sync = RelaySync(sys.argv[2], sys.argv[3])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        sync.poll_once(wait=1)
        total = charter.get_cumulative_total()["data"]["total_minor"]
        if total == 2500:
            break
    print("kiosk B total", total)
""")


@pytest.mark.slow
def test_a_gift_at_one_kiosk_shows_on_the_other(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    relay_db = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    config = sandbox.config
    with RelayServer(relay_db, stripe_secrets=[config.stripe_webhook_secret],
                     nowpayments_secrets=[config.nowpayments_ipn_secret]) as relay:
        sandbox.set_webhook_urls(stripe=f"{relay.url}/v1/webhooks/stripe",
                                 nowpayments=f"{relay.url}/v1/webhooks/nowpayments")
        token_a = tokens.add_kiosk(relay_db, "kiosk-a")
        token_b = tokens.add_kiosk(relay_db, "kiosk-b")
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        monkeypatch.setenv("RELAY_TOKEN", token_a)
        kiosk_a = make_kiosk()
        qtbot.waitUntil(lambda: kiosk_a.sync is not None and kiosk_a.sync.isRunning(),
                        timeout=5_000)

        home_b = tmp_path / "kiosk-b"
        home_b.mkdir()
        write_settings({**CAMPAIGN, "kiosk": {"id": "kiosk-b", "mode": "test"}},
                       home_b / "kiosk.toml")
        env = {**os.environ, "CHARTER_KIOSK_HOME": str(home_b), "RELAY_TOKEN": token_b}
        result = subprocess.run([sys.executable, "-c", KIOSK_B, sandbox.url, relay.url, token_b],
                                cwd=REPO, env=env, text=True, capture_output=True, timeout=60,
                                check=False)
        assert result.returncode == 0, result.stderr
        assert "kiosk B total 2500" in result.stdout

        total = kiosk_a.findChild(QLabel, "totalLabel")
        assert total is not None
        qtbot.waitUntil(lambda: total.text() == "$25", timeout=10_000)
        state = kiosk_a.sync.state() if kiosk_a.sync else {}
        assert state.get("connected") is True
