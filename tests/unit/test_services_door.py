"""kiosk/services.py reads each backend answer once into kiosk/model.py's dataclasses:
here with the answers a broken or hostile backend could give."""

from __future__ import annotations

from typing import Any

import pytest

from backend.result import err, ok
from kiosk.answers import (
    carried,
    payment_start,
    payment_update,
    recent_gifts,
    standing,
    unpacked,
)
from kiosk.model import GiftPoint, PaymentStart, PaymentUpdate, RecentGift, Refusal, Standing


def test_a_card_answer_is_read_whole() -> None:
    start = payment_start("card", ok({
        "intent_id": "int_1", "session_id": "cs_test_1", "amount_minor": 2603,
        "gift_minor": 2500, "fee_minor": 103, "expires_at": 1_800_000_000,
        "checkout_url": "https://checkout.example/long", "qr_payload": "https://s.example/x",
        "recurring": "month"}))
    assert start == PaymentStart("card", "int_1", "cs_test_1", amount_minor=2603,
                                 gift_minor=2500, fee_minor=103,
                                 payload="https://s.example/x",  # the short link, if any
                                 recurring=True, expires_at=1_800_000_000.0)


def test_a_crypto_answer_keeps_the_providers_exact_amount_and_memo() -> None:
    start = payment_start("crypto", ok({
        "intent_id": "int_2", "payment_id": "5077125051", "pay_amount": "12.345678",
        "pay_currency": "xrp", "pay_address": "rEXAMPLE", "payin_extra_id": "123456",
        "memo_label": "Destination tag", "network": "xrp", "qr_payload": "xrp:rEXAMPLE?dt=1"}))
    assert isinstance(start, PaymentStart)
    assert (start.ref, start.pay_amount, start.memo, start.memo_label) == (
        "5077125051", "12.345678", "123456", "Destination tag")
    assert start.amount_minor is None and start.expires_at is None


@pytest.mark.parametrize("answer, error", [
    (err("Stripe is unreachable."), "Stripe is unreachable."),
    ({"success": False}, "did not understand"),
    ({"success": True, "data": "cs_test_1"}, "did not understand"),
    ({"success": True}, "did not understand"),
    (ok({"intent_id": "int_1"}), "no payment reference"),
    (ok({"intent_id": "int_1", "session_id": ""}), "no payment reference"),
    (ok({"intent_id": "int_1", "payment_id": "5077125051"}), "no payment reference"),  # a card
])
def test_a_start_that_is_not_a_payment_is_a_refusal(answer: Any, error: str) -> None:
    refused = payment_start("card", answer)
    assert isinstance(refused, Refusal) and error in refused.error


@pytest.mark.parametrize("field, value", [("amount_minor", True), ("amount_minor", "2500"),
                                          ("amount_minor", 25.0), ("expires_at", "soon"),
                                          ("expires_at", False)])
def test_a_number_of_the_wrong_kind_is_not_taken(field: str, value: object) -> None:
    start = payment_start("tap", ok({"intent_id": "i", "payment_intent_id": "pi_1",
                                     field: value}))
    assert isinstance(start, PaymentStart) and getattr(start, field) is None


def test_a_status_is_read_once() -> None:
    assert payment_update(ok({"status": "requires_payment_method", "reader_action": "failed",
                              "failure_code": "card_declined",
                              "failure_message": "Your card was declined.",
                              "total_minor": 9900})) == PaymentUpdate(
        "requires_payment_method", 9900, "failed", "Your card was declined.", "card_declined")


@pytest.mark.parametrize("answer", [None, "paid", [], err("timed out"), {"success": True},
                                    {"success": True, "data": ["paid"]}])
def test_a_status_that_is_not_one_is_a_refusal(answer: object) -> None:
    assert isinstance(payment_update(answer), Refusal)


def test_a_value_crosses_the_workers_and_a_failed_job_arrives_as_a_refusal() -> None:
    start = PaymentStart("tap", "i", "pi_1")
    assert unpacked(carried(start)) is start
    assert unpacked(err("Something went wrong on our side.")) == Refusal(
        "Something went wrong on our side.")
    assert isinstance(unpacked(ok({"start": start})), Refusal)  # not packed by the door


def test_recent_gifts_are_read_once_and_a_broken_row_is_left_out() -> None:
    good = {"donation_id": 7, "amount_minor": 2500, "currency": "usd", "method": "crypto",
            "coin": "btc", "display_name": "", "created_at": "2026-11-30T15:00:00+00:00",
            "status": "refunded", "kiosk_id": "k1", "voidable": "yes"}
    broken = [{"donation_id": 8, "currency": "usd"},  # no amount: never "$0 from nobody"
              {"donation_id": "9", "amount_minor": 100, "currency": "usd"},
              {"donation_id": 10, "amount_minor": 100, "currency": ""}, "a gift", None]
    gifts = recent_gifts(ok({"donations": [good, *broken]}))
    assert gifts == (RecentGift(7, 2500, "usd", "crypto", "2026-11-30T15:00:00+00:00",
                                coin="btc", display_name=None, status="refunded",
                                kiosk_id="k1", voidable=False),)  # only True voids


@pytest.mark.parametrize("answer", [err("locked"), ok({}), ok({"donations": "none"}),
                                    {"success": True, "data": None}])
def test_recent_gifts_that_did_not_come_are_none_not_an_empty_ticker(answer: Any) -> None:
    assert recent_gifts(answer) is None


def test_standing_keeps_the_totals_when_the_gifts_fail() -> None:
    from tests.support.fake_services import FakeServices

    services = FakeServices(totals=ok({"total_minor": 9900, "count": 3}),
                            recent_donations=err("locked"),
                            gifts_over_time=ok({"points": [{"t": "2026-11-30T15:00:00Z",
                                                            "total_minor": 9900},
                                                           {"t": "", "total_minor": 1},
                                                           {"t": "x", "total_minor": "1"}]}))
    answer = standing(services, recent=10, points_minutes=1)  # type: ignore[arg-type]
    assert isinstance(answer, Standing)
    assert (answer.totals.total_minor, answer.totals.count, answer.recent) == (9900, 3, None)
    assert answer.points == (GiftPoint("2026-11-30T15:00:00Z", 9900),)
    refused = standing(FakeServices(totals=err("The database is locked.")))  # type: ignore[arg-type]
    assert refused == Refusal("The database is locked.")


def test_a_fee_of_nothing_is_not_offered_to_cover() -> None:
    from kiosk.model import Campaign

    campaign = Campaign.from_ready({"currency": "usd", "fees": {
        "card": {"percent": "0", "fixed": "0"}, "crypto": {"percent": "1"},
        "cash": "none", "tap": {"percent": "x"}}})
    assert not campaign.has_fee("card") and campaign.fee_quote("card", 2500) is None
    quote = campaign.fee_quote("crypto", 2500)
    assert quote is not None and quote.total_minor == 2525
    assert not campaign.has_fee("cash") and not campaign.has_fee("tap")
