"""The donor's payment as a state machine, without a widget, HTTP or SQLite.

`PaymentFlow` runs here as it runs in the kiosk: on a real KioskSession's workers,
followed by a real PaymentPoller, but with FakeServices for the backend and a view
that writes down what it is told. The screens' own tests (test_flow.py, test_tap.py)
drive the same flow through the window against the provider sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from backend.result import Result, err, ok
from kiosk.model import Campaign, Choice, Notice, PaymentStart, Thanks
from kiosk.payment_flow import PaymentFlow
from kiosk.session import KioskSession
from kiosk.workers import PaymentPoller
from tests.support.fake_services import READY, FakeServices

CARD = ok({"intent_id": "int_1", "session_id": "cs_test_1", "amount_minor": 2500,
           "gift_minor": 2500, "fee_minor": 0, "expires_at": 4_000_000_000,
           "checkout_url": "https://checkout.example/c/pay/cs_test_1", "recurring": None})
CRYPTO = ok({"intent_id": "int_2", "payment_id": "5077125051", "pay_amount": "0.00041",
             "pay_currency": "btc", "pay_address": "bc1qexampleaddress", "network": "btc",
             "qr_payload": "bitcoin:bc1qexampleaddress?amount=0.00041",
             "expires_at": 4_000_000_000, "amount_minor": 2525, "gift_minor": 2500,
             "fee_minor": 25})
TAP = ok({"intent_id": "int_3", "payment_intent_id": "pi_3", "amount_minor": 2500})


def status(name: str, **more: Any) -> Result:
    return ok({"status": name, **more})


class RecordedView:
    """A PaymentView that remembers what it was told, in order."""

    def __init__(self) -> None:
        self.said: list[tuple[str, Any]] = []
        self.payment_screen = True
        self.homes = 0

    def __getattr__(self, name: str) -> Callable[..., None]:
        if not name.startswith("show_") and name != "withdraw_code":
            raise AttributeError(name)
        return lambda *args, **kwargs: self.said.append((name, args))

    def watch_donor(self, watching: bool, *, ask_still_there: bool = True) -> None:
        self.said.append(("watch_donor", (watching, ask_still_there)))

    def on_payment_screen(self) -> bool:
        return self.payment_screen

    def go_home(self) -> None:
        self.homes += 1
        self.said.append(("go_home", ()))

    def last(self, name: str) -> tuple[Any, ...]:
        found = [args for said, args in self.said if said == name]
        assert found, f"the view was never told {name}: {self.said}"
        return found[-1]

    def told(self, name: str) -> bool:
        return any(said == name for said, _ in self.said)


class Harness:
    def __init__(self, qtbot: QtBot, services: FakeServices, campaign: Campaign,
                 language: str = "en") -> None:
        self.qtbot = qtbot
        self.services = services
        self.view = RecordedView()
        self.session = KioskSession(services, reconcile=False)  # type: ignore[arg-type]
        self.poller = self.session.watch_payments(PaymentPoller(
            services.payment_status, interval=0.05, max_interval=0.2))
        self.now = 1_000.0
        self.language = language
        self.flow = PaymentFlow(services, self.session, self.poller,  # type: ignore[arg-type]
                                self.view, campaign=lambda: campaign,
                                language=lambda: self.language, clock=lambda: self.now,
                                expiry_grace_ms=100)

    def wait_for(self, name: str, timeout: int = 5_000) -> tuple[Any, ...]:
        self.qtbot.waitUntil(lambda: self.view.told(name), timeout=timeout)
        return self.view.last(name)

    def wait_calls(self, name: str, count: int = 1) -> None:
        self.qtbot.waitUntil(lambda: self.services.calls.count(name) >= count, timeout=5_000)


def make_campaign(**changes: Any) -> Campaign:
    return Campaign.from_ready({**READY, **changes})


@pytest.fixture
def harness(qtbot: QtBot) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []
    widgets_before = len(QApplication.allWidgets())

    def make(campaign: Campaign | None = None, services: FakeServices | None = None,
             **answers: Any) -> Harness:
        made.append(Harness(qtbot, services or FakeServices(**answers),
                            campaign or make_campaign()))
        return made[-1]

    yield make
    for h in made:
        h.flow.stop()
        h.session.shutdown(h.flow.last_job())
    # The state machine and its view built no widget: it runs where no screen exists.
    assert len(QApplication.allWidgets()) == widgets_before


def statuses(*answers: Result) -> Callable[[], Result]:
    """payment_status answers in turn; the last one repeats."""
    queue = list(answers)
    lock = threading.Lock()

    def answer() -> Result:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return answer


def test_a_card_gift_from_code_to_thanks(harness: Callable[..., Harness]) -> None:
    h = harness(start_card=CARD, payment_status=statuses(status("open"),
                                                         status("paid", total_minor=12_500)))
    h.flow.start(Choice(amount="25", method="card", display_name="Ada"))
    assert h.view.last("show_preparing") == ("card", "$25", "card")
    start, amount_text, fee_text = h.wait_for("show_code")
    assert isinstance(start, PaymentStart) and start.ref == "cs_test_1"
    assert start.payload.endswith("cs_test_1") and start.matrix  # drawn off the GUI thread
    assert (amount_text, fee_text) == ("$25", "")
    assert h.view.last("watch_donor") == (True, True)  # the code's screen asks "Still there?"
    assert h.view.last("show_countdown") == (4_000_000_000 - 1_000,)
    (thanks,) = h.wait_for("show_thanks")
    assert thanks == Thanks(2500, 12_500, monthly=False, receipt=False)
    assert h.view.last("watch_donor") == (False, True) and h.flow.payment is None
    assert "cancel_payment" not in h.services.calls  # a paid gift is never cancelled


def test_a_refused_start_says_nothing_was_charged_and_try_again_starts_it_anew(
        harness: Callable[..., Harness]) -> None:
    answers = [err("Stripe is unreachable."), CARD]
    h = harness(start_card=lambda: answers.pop(0), payment_status=status("open"))
    h.flow.start(Choice(amount="25", method="card"))
    (notice,) = h.wait_for("show_notice")
    assert notice == Notice("unreachable", "We could not start the payment",
                            "Stripe is unreachable.\nNothing has been charged.", can_retry=True)
    assert h.flow.payment is None and h.flow.retry_choice is not None
    h.flow.retry()
    h.wait_for("show_code")
    assert h.services.calls.count("start_card") == 2 and h.flow.payment is not None


def test_an_answer_without_a_payment_reference_is_a_refusal_not_a_blank_code(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_card=ok({"intent_id": "int_1", "checkout_url": "https://x.example"}))
    h.flow.start(Choice(amount="25", method="card"))
    (notice,) = h.wait_for("show_notice")
    assert notice.kind == "unreachable" and "no payment reference" in notice.message
    assert not h.view.told("show_code")


def test_another_language_gets_its_own_sentence_not_the_backends_english(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_card=err("Stripe is unreachable."))
    h.language = "es"
    h.flow.start(Choice(amount="25", method="card"))
    (notice,) = h.wait_for("show_notice")
    # No catalogue is installed here: the source text stands in for the Spanish one.
    assert "Stripe" not in notice.message
    assert notice.message.startswith("The payment service could not do this just now.")


def test_a_donor_who_leaves_before_the_provider_answers_leaves_nothing_open(
        qtbot: QtBot, harness: Callable[..., Harness]) -> None:
    release = threading.Event()

    def slow_start() -> Result:
        release.wait(5)
        return CARD

    h = harness(start_card=slow_start, cancel_payment=ok({}))
    h.flow.start(Choice(amount="25", method="card"))
    h.flow.cancel()
    assert h.view.homes == 1
    release.set()
    h.wait_calls("cancel_payment")  # the late Checkout Session is closed at once
    qtbot.wait(100)
    assert not h.view.told("show_code")  # and never shown to the next donor


def test_an_expired_code_is_withdrawn_checked_once_more_then_cancelled(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_crypto=CRYPTO, payment_status=status("waiting"), cancel_payment=ok({}))
    h.flow.start(Choice(amount="25", method="crypto", coin="btc"))
    h.wait_for("show_code")
    h.now = 4_000_000_001.0  # past the code's expiry: the next tick of the countdown sees it
    assert h.wait_for("withdraw_code") == ("This code has expired.",)
    assert h.view.last("show_status") == ("crypto", "Checking one last time…", "waiting")
    (notice,) = h.wait_for("show_notice")
    assert notice.kind == "expired" and notice.can_retry
    h.wait_calls("cancel_payment")
    assert h.flow.retry_choice is not None and h.flow.retry_choice.coin == "btc"


def test_a_seen_crypto_payment_is_never_offered_a_new_code(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_crypto=CRYPTO, payment_status=status("confirming"), cancel_payment=ok({}))
    h.flow.start(Choice(amount="25", method="crypto", coin="btc"))
    h.wait_for("show_code")
    h.qtbot.waitUntil(lambda: h.view.last("show_status")
                      == ("crypto", "Payment seen — confirming…", "seen"), timeout=5_000)
    h.now = 4_000_000_001.0
    (notice,) = h.wait_for("show_notice")
    assert notice.kind == "on_its_way" and not notice.can_retry
    assert "cancel_payment" not in h.services.calls and h.flow.retry_choice is None


def test_a_partial_payment_calls_for_staff_and_a_refusal_offers_another_try(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_crypto=CRYPTO, payment_status=status("partially_paid"))
    h.flow.start(Choice(amount="25", method="crypto", coin="btc"))
    (notice,) = h.wait_for("show_notice")
    assert (notice.kind, notice.tone, notice.can_retry) == ("partial", "help", False)

    h = harness(start_card=CARD, payment_status=status("failed"))
    h.flow.start(Choice(amount="25", method="card"))
    (notice,) = h.wait_for("show_notice")
    assert (notice.kind, notice.can_retry) == ("failed", True)


def test_a_slow_provider_is_said_without_asking_to_pay_again(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_card=CARD, payment_status=err("timed out"))
    h.flow.start(Choice(amount="25", method="card"))
    h.qtbot.waitUntil(lambda: h.view.told("show_status") and
                      h.view.last("show_status")[2] == "slow", timeout=5_000)
    assert "If you have paid" in h.view.last("show_status")[1]
    assert h.flow.payment is not None  # still open: the answer may yet come


@pytest.mark.parametrize("garbage", [None, "paid", {"success": True, "data": "paid"}, {"success": True}, []])
def test_an_answer_that_is_not_a_status_counts_as_a_slow_one(
        harness: Callable[..., Harness], garbage: object) -> None:
    h = harness(start_card=CARD, payment_status=status("open"))
    h.flow.start(Choice(amount="25", method="card"))
    h.wait_for("show_code")
    payment = h.flow.payment
    assert payment is not None
    for _ in range(2):
        h.flow.on_poll(payment.poll_generation, garbage, 0.0)
    assert h.flow.payment is payment and payment.slow_polls >= 2
    assert not h.view.told("show_thanks")


def test_an_answer_for_an_earlier_payment_is_ignored(harness: Callable[..., Harness]) -> None:
    h = harness(start_card=CARD, payment_status=status("open"))
    h.flow.start(Choice(amount="25", method="card"))
    h.wait_for("show_code")
    payment = h.flow.payment
    assert payment is not None
    h.flow.on_poll(payment.poll_generation - 1, status("paid", total_minor=1), 0.0)
    assert not h.view.told("show_thanks") and h.flow.payment is payment


def test_walking_away_leaves_a_code_open_but_stops_the_reader(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_card=CARD, start_tap=TAP, payment_status=status("open"),
                cancel_payment=ok({}))
    h.flow.start(Choice(amount="25", method="card"))
    h.wait_for("show_code")
    h.flow.walked_away()
    assert h.view.homes == 1 and "cancel_payment" not in h.services.calls

    h.flow.start(Choice(amount="25", method="tap"))
    h.wait_for("show_tap_waiting")
    # At the reader the donor does not touch the screen: no "Still there?" there.
    assert h.view.last("watch_donor") == (True, False)
    h.flow.walked_away()
    h.wait_calls("cancel_payment")
    assert h.view.homes == 2


def test_a_declined_card_is_said_in_the_donors_words_once_and_another_card_is_offered(
        harness: Callable[..., Harness]) -> None:
    declined = status("requires_payment_method", reader_action="failed",
                      failure_code="insufficient_funds",
                      failure_message="Your card has insufficient funds.")
    h = harness(start_tap=TAP, payment_status=statuses(declined, declined, declined),
                retry_tap=ok({}))
    h.flow.start(Choice(amount="25", method="tap"))
    assert h.view.last("show_preparing")[0] == "tap"
    (text,) = h.wait_for("show_tap_failure")
    assert text == "Your card was declined: not enough funds."
    h.qtbot.wait(300)  # more polls with the same decline
    assert sum(1 for said, _ in h.view.said if said == "show_tap_failure") == 1
    h.services.answers["payment_status"] = status("paid", total_minor=9_900)
    h.flow.tap.retry()
    (thanks,) = h.wait_for("show_thanks")
    assert thanks == Thanks(2500, 9_900, monthly=False, receipt=True)
    assert h.flow.tap.receipt_intent == "int_3"


def test_a_receipt_goes_to_the_last_tap_gift_only(harness: Callable[..., Harness]) -> None:
    h = harness(start_tap=TAP, payment_status=status("paid", total_minor=2500),
                send_receipt=ok({"sent_to": "ada@example.org"}))
    h.flow.tap.send_receipt("ada@example.org")
    assert "send_receipt" not in h.services.calls  # no tap gift yet: nothing to send
    h.flow.start(Choice(amount="25", method="tap"))
    h.wait_for("show_thanks")
    h.flow.tap.send_receipt("ada@example.org")
    assert h.wait_for("show_receipt_answer") == ("Receipt on its way to ada@example.org", True)
    h.flow.forget()  # home: the next donor cannot send this one's receipt
    assert h.flow.tap.receipt_intent is None


def test_a_reader_nobody_uses_gives_up_and_try_again_is_this_donors_payment(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_tap=TAP, payment_status=status("requires_payment_method"),
                cancel_payment=ok({}))
    h.flow.tap.timeout.setInterval(100)
    h.flow.start(Choice(amount="40", method="tap", display_name="Bo"))
    (notice,) = h.wait_for("show_notice")
    assert notice.kind == "expired" and notice.can_retry
    h.wait_calls("cancel_payment")
    assert h.flow.retry_choice == Choice(amount="40", method="tap", display_name="Bo")


def test_monthly_is_a_card_gift_and_the_fee_only_where_the_method_has_one(
        harness: Callable[..., Harness]) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class Recording(FakeServices):
        def start_card(self, amount: str, name: str | None, **kw: Any) -> Result:
            calls.append(("card", kw))
            return CARD

        def start_crypto(self, amount: str, coin: str, name: str | None, **kw: Any) -> Result:
            calls.append(("crypto", kw))
            return CRYPTO

    campaign = make_campaign(fees={"card": {"percent": "2.9", "fixed": "0.30"}}, monthly=True)
    h = harness(campaign, Recording(payment_status=status("open")))
    h.flow.start(Choice(amount="25", method="crypto", coin="btc", monthly=True,
                        cover_fee=True))
    h.wait_for("show_code")
    h.flow.start(Choice(amount="25", method="card", monthly=True, cover_fee=True))
    assert h.view.last("show_preparing") == ("card", "$26.03", "card")  # 25 + 2.9% + 0.30
    h.qtbot.waitUntil(lambda: len(calls) == 2, timeout=5_000)
    # A coin has no fee set here: paid without one, not refused; and never monthly.
    assert calls[0] == ("crypto", {"cover_fee": False})
    assert calls[1] == ("card", {"monthly": True, "cover_fee": True, "language": "en",
                                 "amount_text": "$26.03"})


def test_the_fee_on_screen_is_the_providers(harness: Callable[..., Harness]) -> None:
    campaign = make_campaign(fees={"crypto": {"percent": "1"}})
    h = harness(campaign, start_crypto=CRYPTO, payment_status=status("waiting"))
    h.flow.start(Choice(amount="25", method="crypto", coin="btc", cover_fee=True))
    _start, amount_text, fee_text = h.wait_for("show_code")
    assert (amount_text, fee_text) == ("$25.25", "$25.00 + $0.25 fee")


def test_shutdown_cancels_the_open_payment_and_nothing_else(
        harness: Callable[..., Harness]) -> None:
    h = harness(start_card=CARD, payment_status=status("open"), cancel_payment=ok({}))
    assert h.flow.last_job() is None
    h.flow.start(Choice(amount="25", method="card"))
    h.wait_for("show_code")
    job = h.flow.last_job()
    assert job is not None and job()["success"]
    assert h.services.calls[-1] == "cancel_payment"
