"""Tap to give: card-present payments on a Stripe Terminal smart reader.

Server-driven, through the same official SDK as Checkout: the kiosk creates a
PaymentIntent (`payment_method_types=["card_present"]`, automatic capture, the
intent id as idempotency key), hands it to the reader (`process_payment_intent`)
and follows the reader's action and the PaymentIntent. The ledger counts a
succeeded PaymentIntent once, whoever reports it (this poller, the webhooks
through the relay, the reconciler, the sweep).

Setup: a Terminal Location, a reader registered there by its registration code
(in test mode `simulated-wpe` or `simulated-s700`), and its id in `kiosk.toml`
(`[terminal] reader_id`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import stripe

from backend import ledger
from backend.db import database, ensure_database
from backend.models import ContributionIntent, StripePayment, new_id
from backend.money import (
    format_money,
)
from backend.result import Result, UserError, ok, public
from backend.settings import get_settings, set_setting
from backend.stripe_api import card_amounts, display_name_of, explain, stripe_client

log = logging.getLogger("charter.terminal")

_READER_ID = re.compile(r"^tmr_[A-Za-z0-9]{1,100}$")
_LOCATION_ID = re.compile(r"^tml_[A-Za-z0-9]{1,100}$")
_PAYMENT_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9]{1,200}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}$")

# What a donor reads when the reader says no (Stripe's decline and failure codes).
PLAIN_WORDS = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card was declined: not enough funds.",
    "expired_card": "Your card has expired.",
    "incorrect_pin": "The PIN was not right.",
    "pin_try_exceeded": "Too many PIN attempts on this card.",
    "customer_timeout": "The reader did not see a card in time.",
    "canceled": "The payment was cancelled.",
}
TEST_CARDS = {"approved": "4242424242424242", "declined": "4000000000000002",
              "insufficient_funds": "4000000000009995"}


def _reader_error(exc: stripe.StripeError) -> UserError:
    code = getattr(exc, "code", None)
    if code == "terminal_reader_offline":
        return UserError("The card reader is offline. Please pay by phone or crypto, or ask "
                         "staff to check the reader.")
    if code == "terminal_reader_busy":
        return UserError("The card reader is busy with another payment. Please try again in "
                         "a moment, or pay by phone.")
    if isinstance(exc, stripe.InvalidRequestError) and exc.http_status == 404:
        return UserError("The card reader is not known to Stripe; ask staff to set it up "
                         "again (charter-kiosk terminal register).")
    return explain(exc)


def check_reader_id(reader_id: object) -> str:
    if not isinstance(reader_id, str) or not _READER_ID.match(reader_id):
        raise UserError("That is not a Stripe Terminal reader id (tmr_...).")
    return reader_id


def check_payment_intent_id(value: object) -> str:
    if not isinstance(value, str) or not _PAYMENT_INTENT_ID.match(value):
        raise UserError("That is not a Stripe PaymentIntent id (pi_...).")
    return value


def configured_reader() -> str:
    reader_id = get_settings().terminal_reader_id
    if not reader_id:
        raise UserError("No card reader is set up on this kiosk ([terminal] reader_id in "
                        "kiosk.toml; charter-kiosk terminal register).")
    return check_reader_id(reader_id)


# --- setup (staff, CLI) --------------------------------------------------------------


@public
def list_locations() -> Result:
    try:
        page = stripe_client(for_reads=True).v1.terminal.locations.list({"limit": 100})
    except stripe.StripeError as exc:
        raise explain(exc) from None
    return ok({"locations": [{"id": x.id, "display_name": x.display_name} for x in page.data]})


@public
def create_location(display_name: str, address: Mapping[str, str]) -> Result:
    if not isinstance(display_name, str) or not display_name.strip():
        raise UserError("Give the location a name (where the kiosk stands).")
    if not isinstance(address, Mapping) or not all(
            isinstance(address.get(k), str) and address[k].strip()
            for k in ("line1", "city", "country", "postal_code")):
        raise UserError("A location needs an address: line1, city, country (two letters) and "
                        "postal code.")
    try:
        location = stripe_client().v1.terminal.locations.create({  # type: ignore[arg-type]
            "display_name": display_name.strip()[:100],
            "address": {k: str(v).strip() for k, v in address.items() if v},
        })
    except stripe.StripeError as exc:
        raise explain(exc) from None
    return ok({"id": location.id, "display_name": location.display_name})


@public
def register_reader(registration_code: str, location_id: str, label: str | None = None) -> Result:
    """Register a reader at a location and remember it in kiosk.toml for this kiosk."""
    if not isinstance(registration_code, str) or not registration_code.strip():
        raise UserError("Type the registration code the reader shows (in test mode: "
                        "simulated-wpe or simulated-s700).")
    if not isinstance(location_id, str) or not _LOCATION_ID.match(location_id):
        raise UserError("That is not a Terminal location id (tml_...); list them with "
                        "charter-kiosk terminal locations.")
    params: dict[str, Any] = {"registration_code": registration_code.strip(),
                              "location": location_id}
    if label:
        params["label"] = str(label)[:60]
    try:
        reader = stripe_client().v1.terminal.readers.create(params)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise _reader_error(exc) from None
    set_setting("terminal", "reader_id", reader.id)
    log.info("registered Terminal reader %s (%s)", reader.id, reader.device_type)
    return ok(_reader_view(reader.to_dict()))


@public
def list_readers() -> Result:
    try:
        page = stripe_client(for_reads=True).v1.terminal.readers.list({"limit": 100})
    except stripe.StripeError as exc:
        raise explain(exc) from None
    mine = get_settings().terminal_reader_id
    return ok({"readers": [{**_reader_view(r.to_dict()), "this_kiosk": r.id == mine}
                           for r in page.data]})


@public
def reader_status(reader_id: str | None = None) -> Result:
    """The configured reader as Stripe sees it: online or not, its type, label and mode."""
    reader = _retrieve_reader(check_reader_id(reader_id) if reader_id else configured_reader())
    return ok(_reader_view(reader))


@public
def forget_reader() -> Result:
    """Stop using the reader on this kiosk (it stays registered in Stripe)."""
    previous = get_settings().terminal_reader_id
    set_setting("terminal", "reader_id", None)
    return ok({"forgotten": previous})


def _retrieve_reader(reader_id: str) -> dict[str, Any]:
    try:
        return dict(stripe_client(for_reads=True).v1.terminal.readers.retrieve(reader_id)
                    .to_dict())
    except stripe.StripeError as exc:
        raise _reader_error(exc) from None


def _reader_view(reader: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": reader.get("id"), "label": reader.get("label"),
            "device_type": reader.get("device_type"), "status": reader.get("status"),
            "location": reader.get("location"),
            "mode": "live" if reader.get("livemode") else "test"}


# --- the gift ----------------------------------------------------------------------------


@public
def create_tap_payment(request_data: Mapping[str, Any]) -> Result:
    """Create a card-present PaymentIntent and hand it to this kiosk's reader.

    Nothing is written unless the reader took the payment: if it is offline or
    busy, the PaymentIntent is cancelled and the donor offered the other methods.
    """
    if not isinstance(request_data, Mapping):
        raise UserError("The payment request is not readable.")
    settings = get_settings()
    currency = settings.currency
    gift_minor, fee_minor, amount_minor = card_amounts(request_data, settings)
    display_name = display_name_of(request_data.get("display_name"))
    reader_id = configured_reader()
    client = stripe_client(settings)  # before anything: a missing key writes nothing
    ensure_database()
    intent_id = new_id()
    metadata = {"campaign_id": settings.campaign_id, "kiosk_id": settings.kiosk_id,
                "intent_id": intent_id}
    if display_name:
        metadata["display_name"] = display_name
    if fee_minor:
        metadata["fee_minor"] = str(fee_minor)
    try:
        payment = client.v1.payment_intents.create(
            params={"amount": amount_minor, "currency": currency,
                    "payment_method_types": ["card_present"], "capture_method": "automatic",
                    "description": f"Gift to {settings.campaign_name}",
                    "metadata": metadata},  # type: ignore[typeddict-unknown-key]
            options={"idempotency_key": intent_id})
    except stripe.StripeError as exc:
        raise explain(exc) from None
    try:
        client.v1.terminal.readers.process_payment_intent(
            reader_id, {"payment_intent": payment.id})
    except stripe.StripeError as exc:
        _cancel_quietly(payment.id)
        raise _reader_error(exc) from None
    with database.atomic():
        ContributionIntent.create(
            id=intent_id, campaign_id=settings.campaign_id, kiosk_id=settings.kiosk_id,
            method="tap", amount_minor=amount_minor, currency=currency,
            display_name=display_name, status="awaiting_payment", status_rank=1,
            provider_ref=payment.id, livemode=settings.mode == "live", fee_minor=fee_minor)
        StripePayment.create(
            session_id=payment.id, intent=intent_id, campaign_id=settings.campaign_id,
            kiosk_id=settings.kiosk_id, amount_minor=amount_minor, currency=currency,
            payment_intent=payment.id, livemode=bool(payment.livemode),
            provider_status=payment.status)
    log.info("tap payment %s on reader %s for intent %s (%s)", payment.id, reader_id, intent_id,
             format_money(amount_minor, currency))
    return ok({"intent_id": intent_id, "payment_intent_id": payment.id, "reader_id": reader_id,
               "amount_minor": amount_minor, "gift_minor": gift_minor, "fee_minor": fee_minor,
               "currency": currency, "mode": settings.mode})


def _cancel_quietly(payment_intent_id: str) -> None:
    try:
        stripe_client(for_reads=True).v1.payment_intents.cancel(payment_intent_id)
    except stripe.StripeError as exc:
        log.info("could not cancel PaymentIntent %s: %s", payment_intent_id, type(exc).__name__)


def refresh_payment_intent(payment_intent_id: str, *, via: str
                           ) -> tuple[ledger.LedgerOutcome, dict[str, Any]]:
    """Retrieve a PaymentIntent and apply it through the ledger; raises `UserError`."""
    check_payment_intent_id(payment_intent_id)
    try:
        payment = stripe_client(for_reads=True).v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as exc:
        raise explain(exc) from None
    data = dict(payment.to_dict())
    return ledger.apply_payment_intent(data, via=via), data


@public
def tap_status(payment_intent_id: str) -> Result:
    """Where a tap payment stands: the PaymentIntent (counted once when it succeeds) and
    what the reader says (waiting for a card, or why it failed, in plain words)."""
    outcome, payment = refresh_payment_intent(payment_intent_id, via="poller")
    if outcome.ignored_reason:
        raise UserError(f"That payment does not belong to this campaign "
                        f"({outcome.ignored_reason}).")
    reader: dict[str, Any] = {}
    if outcome.status not in ("paid", "cancelled"):
        reader_id = get_settings().terminal_reader_id
        if reader_id:
            try:
                reader = _retrieve_reader(reader_id)
            except UserError as exc:
                log.info("reader status unavailable: %s", exc)
    action = reader.get("action") or {}
    for_this = (action.get("process_payment_intent") or {}).get("payment_intent") == \
        payment_intent_id
    failure = action.get("failure_code") if for_this and action.get("status") == "failed" \
        else None
    return ok({
        "payment_intent_id": payment_intent_id,
        "status": outcome.status,
        "provider_status": payment.get("status"),
        "reader_action": action.get("status") if for_this else None,
        "reader_status": reader.get("status"),
        "failure_code": failure,
        "failure_message": PLAIN_WORDS.get(str(failure), action.get("failure_message") or
                                           "The payment did not go through.")
        if failure else None,
        "counted": outcome.counted,
        "total_minor": ledger.totals()["total_minor"],
    })


def _tap_intent(intent_id: str) -> tuple[ContributionIntent, str]:
    """The tap gift's intent and its PaymentIntent id."""
    ensure_database()
    intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
    if intent is None or intent.method != "tap" or not intent.provider_ref:
        raise UserError("That tap payment is not known on this kiosk.")
    return intent, str(intent.provider_ref)


@public
def retry_tap(intent_id: str) -> Result:
    """After a decline or a timeout: the same PaymentIntent, offered on the reader again."""
    _, payment_intent = _tap_intent(intent_id)
    outcome, payment = refresh_payment_intent(payment_intent, via="poller")
    if outcome.status == "paid":
        return ok({"status": "paid", "payment_intent_id": payment_intent})
    if payment.get("status") != "requires_payment_method":
        raise UserError("This payment can no longer be retried; start a new gift.")
    try:
        stripe_client().v1.terminal.readers.process_payment_intent(
            configured_reader(), {"payment_intent": payment_intent})
    except stripe.StripeError as exc:
        raise _reader_error(exc) from None
    return ok({"status": "awaiting_payment", "payment_intent_id": payment_intent})


def cancel_tap(intent_id: str) -> str:
    """The donor pressed Cancel: stop the reader and cancel the PaymentIntent. A payment
    that went through a moment before is kept and counted; it is never cancelled."""
    _, payment_intent = _tap_intent(intent_id)
    client = stripe_client(for_reads=True)
    reader_id = get_settings().terminal_reader_id
    if reader_id:
        try:
            client.v1.terminal.readers.cancel_action(reader_id)
        except stripe.StripeError as exc:
            log.info("cancel_action on %s: %s", reader_id, type(exc).__name__)
    try:
        client.v1.payment_intents.cancel(payment_intent)
    except stripe.StripeError as exc:
        log.info("could not cancel PaymentIntent %s: %s", payment_intent, type(exc).__name__)
    try:
        outcome, _ = refresh_payment_intent(payment_intent, via="poller")
    except UserError:
        return ledger.cancel_intent(intent_id)  # offline: the reconciler learns the rest
    if outcome.status == "paid":
        return "paid"
    return ledger.cancel_intent(intent_id)


@public
def send_receipt(intent_id: str, email: str) -> Result:
    """Ask Stripe to email a receipt for a tap gift (never required)."""
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        raise UserError("That does not look like an email address.")
    _, payment_intent = _tap_intent(intent_id)
    try:
        stripe_client().v1.payment_intents.update(payment_intent,
                                                  {"receipt_email": email.strip()})
    except stripe.StripeError as exc:
        raise explain(exc) from None
    return ok({"sent_to": email.strip()})


@public
def present_test_card(outcome: str = "approved", reader_id: str | None = None) -> Result:
    """Test mode: tap one of Stripe's test cards on a simulated reader (the demo)."""
    if get_settings().mode != "test":
        raise UserError("Test cards exist only in test mode.")
    number = TEST_CARDS.get(outcome)
    if number is None:
        raise UserError(f"Unknown test card {outcome!r}; use one of {', '.join(TEST_CARDS)}.")
    reader = check_reader_id(reader_id) if reader_id else configured_reader()
    try:
        stripe_client().v1.test_helpers.terminal.readers.present_payment_method(
            reader, {"type": "card_present", "card_present": {"number": number}})
    except stripe.StripeError as exc:
        raise _reader_error(exc) from None
    return ok({"reader_id": reader, "card": outcome})
