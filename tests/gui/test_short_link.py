"""A kiosk with a relay shows a short pay link as its card QR code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pytestqt.qtbot import QtBot

from backend.models import StripePayment
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.sandbox import SandboxServer
from kiosk.main_window import KioskWindow
from tests.gui.conftest import tap
from tests.gui.fit import qr_side


def test_the_card_qr_is_a_short_relay_link_to_checkout(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    relay_db = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    config = sandbox.config
    with RelayServer(relay_db, stripe_secrets=[config.stripe_webhook_secret],
                     nowpayments_secrets=[config.nowpayments_ipn_secret]) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        monkeypatch.setenv("RELAY_TOKEN", tokens.add_kiosk(relay_db, "kiosk-a"))
        kiosk = make_kiosk()
        tap(qtbot, kiosk, "startButton")
        tap(qtbot, kiosk, "amountButton_25")
        tap(qtbot, kiosk, "payCardButton")
        qtbot.waitUntil(kiosk.pay.qr.has_code, timeout=15_000)
        short = kiosk.pay.qr.payload()
        assert short.startswith(f"{relay.url}/p/") and len(short) < 70
        checkout = StripePayment.get_by_id(kiosk.payment.ref if kiosk.payment else "")
        assert len(checkout.checkout_url) > 300
        answer = requests.get(short, allow_redirects=False, timeout=5)
        assert answer.status_code == 303 and answer.headers["location"] == checkout.checkout_url
        # Half the modules of the long URL's code: each module twice the size.
        matrix = kiosk.pay.qr._matrix
        assert matrix is not None and len(matrix) <= 37
        assert qr_side(kiosk.pay.qr) > 0
