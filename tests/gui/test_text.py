"""Words on the buttons: a coin named for its ticker does not say it twice."""

from __future__ import annotations

from kiosk.main_window import KioskWindow
from kiosk.text import coin_button_text, money
from tests.gui.conftest import button


def test_coin_buttons_name_the_coin_then_its_ticker_or_network() -> None:
    assert coin_button_text("btc") == "Bitcoin\nBTC"
    assert coin_button_text("usdttrc20") == "USDT (TRC-20)\nUSDT"
    assert coin_button_text("xrp") == "XRP\nXRP Ledger"  # never "XRP / XRP"


def test_the_xrp_button_on_screen(kiosk: KioskWindow) -> None:
    assert button(kiosk, "payCryptoButton_xrp").text() == "XRP\nXRP Ledger"


def test_money_shows_cents_only_when_there_are_some() -> None:
    assert money(1250, "usd") == "$12.50"
    assert money(4000, "usd") == "$40"
    assert money(123456789, "usd") == "$1,234,567.89"


def test_the_countdown_uses_the_donors_digits() -> None:
    from kiosk import text

    assert text.countdown_text(245) == "4:05"
    text.set_number_locale("ar")
    try:
        assert text.countdown_text(245) == "٤:٠٥"
        assert text.countdown_text(-3) == "٠:٠٠"
    finally:
        text.set_number_locale(None)
    assert text.countdown_text(61) == "1:01"
