"""The donor's choices on screen, from attract to thank-you against the sandbox: their
language, a monthly gift, covering the fee."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import cache

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from backend.sandbox import SandboxServer
from backend.settings import write_settings
from kiosk.main_window import KioskWindow
from tests.gui.conftest import CAMPAIGN, button, tap
from tests.gui.test_flow import wait_screen
from tests.support.paths import REPO

TRANSLATIONS = REPO / "resources" / "translations"
CHOICES = {
    "campaign": {**CAMPAIGN["campaign"], "languages": ["en", "es", "fr", "ar"],
                 "monthly": True},
    "fees": {"card_percent": "2.9", "card_fixed": "0.30", "crypto_percent": "1"},
    "kiosk": CAMPAIGN["kiosk"],
}


@cache
def translation(language: str, context: str, source: str) -> str:
    """What the shipped .ts file says, read as XML: not through Qt, which is under test."""
    root = ET.parse(TRANSLATIONS / f"charter_{language}.ts").getroot()
    for ctx in root.iter("context"):
        if (ctx.findtext("name") or "") != context:
            continue
        for message in ctx.iter("message"):
            if message.findtext("source") == source:
                return message.findtext("translation") or ""
    raise AssertionError(f"{source!r} ({context}) is not in charter_{language}.ts")


def text_of(window: KioskWindow, name: str) -> str:
    widget = window.findChild(QLabel, name) or window.findChild(QPushButton, name)
    assert widget is not None, name
    return widget.text()


@pytest.fixture
def choices_kiosk(make_kiosk: Callable[..., KioskWindow]) -> KioskWindow:
    write_settings(CHOICES)
    return make_kiosk()


def test_each_language_is_offered_in_its_own_words_and_switches_every_donor_screen(
        qtbot: QtBot, choices_kiosk: KioskWindow) -> None:
    kiosk = choices_kiosk
    labels = {code: button(kiosk, f"languageButton_{code}").text()
              for code in ("en", "es", "fr", "ar")}
    assert labels == {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية"}
    assert button(kiosk, "languageButton_en").isChecked()

    tap(qtbot, kiosk, "languageButton_es")
    assert button(kiosk, "languageButton_es").isChecked()
    assert button(kiosk, "startButton").text() == translation(
        "es", "AttractScreen", "Tap to give")
    # Every donor screen at once, not only the one on show; the staff PIN pad stays English.
    assert kiosk.amount.title.text() == translation("es", "AmountScreen", "Choose your gift")
    assert kiosk.error.retry_button.text() == translation("es", "ErrorScreen", "Try again")
    assert kiosk.thanks.heading.text() == translation("es", "ThanksScreen", "Thank you!")
    # Money in Spanish formats: the preset buttons and the goal.
    assert button(kiosk, "amountButton_25").text() == "25\u00a0$"
    assert "1000\u00a0$" in text_of(kiosk, "goalLabel")
    assert kiosk.layoutDirection() == Qt.LayoutDirection.LeftToRight

    tap(qtbot, kiosk, "languageButton_ar")
    assert button(kiosk, "startButton").text() == translation(
        "ar", "AttractScreen", "Tap to give")
    for screen in (kiosk.attract, kiosk.amount, kiosk.method, kiosk.pay, kiosk.thanks):
        assert screen.layoutDirection() == Qt.LayoutDirection.RightToLeft, screen.objectName()
    # A phone's keypad keeps its order; its digits are the locale's.
    assert kiosk.keypad.keypad.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert kiosk.keypad.keypad.buttons["1"].text() == "١"
    assert kiosk.staff.layoutDirection() == Qt.LayoutDirection.LeftToRight

    # Back at the attract screen, the next donor meets the campaign's language.
    tap(qtbot, kiosk, "startButton")
    wait_screen(qtbot, kiosk, "amountScreen")
    tap(qtbot, kiosk, "amountBackButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    assert button(kiosk, "startButton").text() == "Tap to give"
    assert button(kiosk, "languageButton_en").isChecked()
    assert kiosk.attract.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert button(kiosk, "amountButton_25").text() == "$25"


@cache
def english_sources(language: str) -> frozenset[str]:
    """Every donor string whose translation differs from the English."""
    root = ET.parse(TRANSLATIONS / f"charter_{language}.ts").getroot()
    return frozenset(source for message in root.iter("message")
                     if (source := message.findtext("source") or "")
                     and message.findtext("translation") not in ("", source))


@cache
def english_patterns(language: str) -> tuple[re.Pattern[str], ...]:
    """Each English source as a pattern its formatted text matches ("Give {amount}" ->
    "Give .+"), when it has words of its own to recognise."""
    patterns = []
    for source in english_sources(language):
        literal = re.sub(r"\{[a-z_]+\}", "", source)
        if sum(ch.isalpha() for ch in literal) < 4:
            continue
        parts = re.split(r"(\{[a-z_]+\})", source)
        patterns.append(re.compile("".join(".+" if re.fullmatch(r"\{[a-z_]+\}", part)
                                           else re.escape(part) for part in parts), re.S))
    return tuple(patterns)


@pytest.mark.parametrize("language", ["es", "fr", "ar"])
def test_no_english_is_left_on_a_donor_screen_after_switching(
        qtbot: QtBot, choices_kiosk: KioskWindow, language: str) -> None:
    """Catches a string looked up under the wrong context (a window part's self.tr)
    or set once in a constructor and never again."""
    kiosk = choices_kiosk
    tap(qtbot, kiosk, f"languageButton_{language}")
    # Formatted texts too: an amount chosen, a fee offered, an amount typed.
    kiosk._amount_chosen("25")
    for key in "30":
        kiosk.keypad.press(key)
    english = english_patterns(language)
    left = []
    for screen in kiosk._donor_widgets():
        for widget in [screen, *screen.findChildren(QLabel), *screen.findChildren(QPushButton)]:
            for what in (getattr(widget, "text", lambda: "")(), widget.accessibleName(),
                         widget.accessibleDescription()):
                if what and any(pattern.fullmatch(what) for pattern in english):
                    left.append(f"{screen.objectName()}/{widget.objectName()}: {what!r}")
    assert not left, left


def test_a_spanish_donor_pays_in_spanish_checkout_and_is_thanked_in_spanish(
        qtbot: QtBot, choices_kiosk: KioskWindow, sandbox: SandboxServer) -> None:
    kiosk = choices_kiosk
    tap(qtbot, kiosk, "languageButton_es")
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    wait_screen(qtbot, kiosk, "methodScreen")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    assert kiosk.payment is not None and kiosk.payment.ref
    session = sandbox.stripe.session(kiosk.payment.ref)
    assert session["locale"] == "es" and "lang=es" in session["success_url"]
    assert text_of(kiosk, "paymentTitle") == translation(
        "es", "PaymentScreen", "Scan to give {amount}").format(amount="25\u00a0$")
    sandbox.pay_stripe_session(kiosk.payment.ref, webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert text_of(kiosk, "thanksLabel") == translation(
        "es", "ThanksScreen", "Your gift of {amount} to {campaign} has arrived.").format(
            amount="25\u00a0$", campaign="Harbour Lights Appeal")


def test_a_monthly_gift_from_the_amount_screen_to_thank_you(
        qtbot: QtBot, choices_kiosk: KioskWindow, sandbox: SandboxServer) -> None:
    kiosk = choices_kiosk
    tap(qtbot, kiosk, "startButton")
    wait_screen(qtbot, kiosk, "amountScreen")
    tap(qtbot, kiosk, "monthlyToggle")
    assert button(kiosk, "monthlyToggle").isChecked()
    tap(qtbot, kiosk, "amountButton_25")
    wait_screen(qtbot, kiosk, "methodScreen")
    # Monthly is card on the phone only: no coins, no reader.
    assert text_of(kiosk, "methodTitle") == "How would you like to give $25 a month?"
    assert not button(kiosk, "payCryptoButton_btc").isVisible()
    assert not button(kiosk, "payTapButton").isVisible()
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    assert kiosk.payment is not None
    session = sandbox.stripe.session(kiosk.payment.ref or "")
    assert session["mode"] == "subscription"
    assert text_of(kiosk, "paymentTitle") == "Scan to give $25 a month"
    sandbox.pay_stripe_session(kiosk.payment.ref or "", webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "monthly gift of $25" in text_of(kiosk, "thanksLabel")
    qtbot.waitUntil(lambda: kiosk.totals.total_minor == 2500, timeout=10_000)
    # The next donor starts with a one-off gift.
    tap(qtbot, kiosk, "thanksDoneButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    assert not button(kiosk, "monthlyToggle").isChecked()


def test_covering_the_fee_shows_the_sum_and_counts_what_was_paid(
        qtbot: QtBot, choices_kiosk: KioskWindow, sandbox: SandboxServer) -> None:
    kiosk = choices_kiosk
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    wait_screen(qtbot, kiosk, "methodScreen")
    assert "$1.03" in text_of(kiosk, "feeLine")
    tap(qtbot, kiosk, "coverFeeToggle")
    # 2.9% of $25 plus $0.30, rounded up; crypto's 1% after it, as it differs.
    assert text_of(kiosk, "feeLine") == ("You give $25.00 + $1.03 fee = $26.03\n"
                                         "In crypto: + $0.25 fee = $25.25")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    assert kiosk.payment is not None
    assert sandbox.stripe.session(kiosk.payment.ref or "")["amount_total"] == 2603
    assert text_of(kiosk, "paymentTitle") == "Scan to give $26.03"
    assert "$25.00 + $1.03 fee" in text_of(kiosk, "paymentSteps")
    sandbox.pay_stripe_session(kiosk.payment.ref or "", webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "$26.03" in text_of(kiosk, "thanksLabel")
    qtbot.waitUntil(lambda: kiosk.totals.total_minor == 2603, timeout=10_000)


def test_covering_the_fee_in_crypto_pays_the_crypto_fee(
        qtbot: QtBot, choices_kiosk: KioskWindow, sandbox: SandboxServer) -> None:
    kiosk = choices_kiosk
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_50")
    wait_screen(qtbot, kiosk, "methodScreen")
    tap(qtbot, kiosk, "coverFeeToggle")
    tap(qtbot, kiosk, "payCryptoButton_btc")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    assert text_of(kiosk, "paymentTitle").startswith("Give $50.50 in Bitcoin")
    assert kiosk.payment is not None and kiosk.payment.amount_minor == 5050


def test_a_fee_that_would_pass_the_limit_is_refused_with_the_limit_shown(
        qtbot: QtBot, choices_kiosk: KioskWindow) -> None:
    kiosk = choices_kiosk
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "otherAmountButton")
    wait_screen(qtbot, kiosk, "keypadScreen")
    for key in "500":
        tap(qtbot, kiosk.keypad, f"key_{key}")
    tap(qtbot, kiosk, "amountContinueButton")
    wait_screen(qtbot, kiosk, "methodScreen")
    assert not button(kiosk, "coverFeeToggle").isEnabled()
    assert "limit of $500.00" in text_of(kiosk, "feeLine")
    assert kiosk.method.cover_fee() is False


def test_without_the_choices_in_kiosk_toml_none_is_offered(
        make_kiosk: Callable[..., KioskWindow], qtbot: QtBot) -> None:
    kiosk = make_kiosk()  # the plain test campaign: one language, no monthly, no fees
    assert not [w for w in kiosk.findChildren(QPushButton)
                if w.objectName().startswith("languageButton_")]
    tap(qtbot, kiosk, "startButton")
    wait_screen(qtbot, kiosk, "amountScreen")
    assert not button(kiosk, "monthlyToggle").isVisible()
    tap(qtbot, kiosk, "amountButton_25")
    wait_screen(qtbot, kiosk, "methodScreen")
    assert not button(kiosk, "coverFeeToggle").isVisible()


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_longer_languages_fit_every_size(qtbot: QtBot, choices_kiosk: KioskWindow,
                                             language: str) -> None:
    """French runs longest, Arabic is mirrored: every donor page, with the choices on,
    inside every screen size (tests/gui/fit.py's checks)."""
    from tests.gui.fit import SIZES, problems, settle

    kiosk = choices_kiosk
    tap(qtbot, kiosk, f"languageButton_{language}")
    kiosk.amount.monthly_toggle.setChecked(True)
    kiosk._amount_chosen("1234.50")
    kiosk.method.fee_toggle.setChecked(True)
    kiosk.keypad.set_monthly(True)
    for key in "123456789":
        kiosk.keypad.press(key)
    kiosk.thanks.show_thanks("1 234,50 $", "Harbour Lights Appeal", "123 456,50 $",
                             monthly=True)
    stack = kiosk.stack
    found: list[str] = []
    for size in SIZES:
        for screen in (kiosk.attract, kiosk.amount, kiosk.keypad, kiosk.method, kiosk.thanks,
                       kiosk.error, kiosk.paused_screen):
            stack.setCurrentWidget(screen)
            settle(kiosk, size)
            found.extend(problems(kiosk, size, f"{screen.objectName()} in {language}"))
    assert not found, "\n".join(found[:40])


def test_a_provider_error_reaches_a_spanish_donor_in_spanish(
        qtbot: QtBot, choices_kiosk: KioskWindow, sandbox: SandboxServer) -> None:
    kiosk = choices_kiosk
    sandbox.set_fault(provider="stripe", mode="down")
    tap(qtbot, kiosk, "languageButton_es")
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    tap(qtbot, kiosk, "payCardButton")
    wait_screen(qtbot, kiosk, "errorScreen", timeout=30_000)
    message = text_of(kiosk, "errorLabel").replace("\u200b", "")
    assert message.startswith(translation(
        "es", "PaymentFlow", "The payment service could not do this just now."))
    assert "Stripe" not in message  # the backend's English sentence went to the log only


@pytest.mark.parametrize(("fees", "line"), [
    ({"card_percent": "2.9", "card_fixed": "0.30"}, "You give $25.00 + $1.03 fee = $26.03"),
    ({"crypto_percent": "1"}, "In crypto: + $0.25 fee = $25.25"),
])
def test_with_one_methods_fee_the_other_method_pays_without_one(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer,
        fees: dict[str, str], line: str) -> None:
    """Covering the fee where only card (or only crypto) has a fee: the other method is
    paid as the gift, never refused (the backend refuses a fee it has no rate for)."""
    write_settings({**CHOICES, "fees": fees})
    kiosk = make_kiosk()
    card_has_fee = "card_percent" in fees
    for method in ("card", "crypto"):
        tap(qtbot, kiosk, "startButton")
        tap(qtbot, kiosk, "amountButton_25")
        wait_screen(qtbot, kiosk, "methodScreen")
        tap(qtbot, kiosk, "coverFeeToggle")
        assert text_of(kiosk, "feeLine") == line
        tap(qtbot, kiosk, "payCardButton" if method == "card" else "payCryptoButton_btc")
        qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
        assert kiosk.payment is not None
        with_fee = card_has_fee == (method == "card")
        assert kiosk.payment.amount_minor == ((2603 if method == "card" else 2525)
                                              if with_fee else 2500), method
        tap(qtbot, kiosk, "cancelButton")
        wait_screen(qtbot, kiosk, "attractScreen")


def test_try_again_never_restarts_the_last_donors_payment(
        qtbot: QtBot, choices_kiosk: KioskWindow) -> None:
    from kiosk.model import Choice

    kiosk = choices_kiosk
    kiosk.flow.retry_choice = Choice(amount="25", method="crypto", coin="btc",
                                     display_name="Alice")
    kiosk.go_home()
    assert kiosk.flow.retry_choice is None


def test_staff_read_english_whatever_the_campaigns_language(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    write_settings({**CHOICES, "campaign": {**CHOICES["campaign"],
                                            "languages": ["es", "en"]}})
    kiosk = make_kiosk()
    assert button(kiosk, "amountButton_25").text() == "25\u00a0$"  # the campaign's Spanish
    kiosk.open_staff_pin()
    assert kiosk.language.current == "en"
    from kiosk import text

    assert text.money(2550, "usd") == "$25.50"  # staff money in English formats
    cash_keys = kiosk.staff.cash_page.keypad.buttons  # built now, for staff
    assert (cash_keys["1"].text(), cash_keys["."].text()) == ("1", ".")
    kiosk.go_home()
    assert kiosk.language.current == "es"
    assert button(kiosk, "amountButton_25").text() == "25\u00a0$"
