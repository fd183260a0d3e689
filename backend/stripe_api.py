"""Card payments through Stripe Checkout, with the official SDK's `StripeClient`.

The donor pays on their own phone: the kiosk shows the Checkout URL as a QR
code. One session per intent, the intent id as idempotency key, so a retried
tap never creates a second charge.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import requests
import stripe

from backend import ledger
from backend.db import database, ensure_database
from backend.http import shared_session
from backend.models import ContributionIntent, StripePayment, new_id
from backend.money import (
    STRIPE_MAXIMUM_MINOR,
    check_range,
    cover_fee_minor,
    format_money,
    shown_amount,
    stripe_minimum,
    to_minor,
)
from backend.result import ProviderBusy, ProviderUnavailable, Result, UserError, ok, public
from backend.secrets import get_secret, require_secret
from backend.settings import Settings, get_settings
from backend.webhooks import ProviderEvent, verify_stripe

log = logging.getLogger("charter.stripe")

API_VERSION = "2026-10-28"
# Stripe allows 30 minutes to 24 hours; a minute of margin covers clock skew.
SESSION_LIFETIME_S = 31 * 60
# A kiosk must not hang on a slow provider: connect within 5 s, answer within 15 s.
TIMEOUT = (5.0, 15.0)
# Status reads are retried by their callers (the poller every few seconds, the
# reconciler on its schedule): no SDK retries, so a call in flight ends within
# ~15 s and a worker can always stop in time.
READ_TIMEOUT = (5.0, 10.0)
_SESSION_ID = re.compile(r"^cs_(test|live)_[A-Za-z0-9]{1,200}$")
_PAYMENT_INTENT_ID = re.compile(r"^pi_[A-Za-z0-9_]{1,200}$")


def stripe_key(settings: Settings | None = None) -> str:
    """The secret key for the current mode, refusing a key of the other mode."""
    mode = (settings or get_settings()).mode
    name = f"STRIPE_SECRET_KEY_{mode.upper()}"
    key = require_secret(name)
    if not key.startswith((f"sk_{mode}_", f"rk_{mode}_")):
        other = "live" if mode == "test" else "test"
        if key.startswith((f"sk_{other}_", f"rk_{other}_")):
            raise UserError(f"{name} holds a {other} key while the kiosk is in {mode} mode; "
                            "test and live keys are never mixed.")
        raise UserError(f"{name} does not look like a Stripe secret key (sk_ or rk_).")
    return key


def stripe_client(settings: Settings | None = None, *, for_reads: bool = False,
                  session: requests.Session | None = None) -> stripe.StripeClient:
    settings = settings or get_settings()
    return client_for_key(stripe_key(settings), settings, for_reads=for_reads, session=session)


def client_for_key(key: str, settings: Settings | None = None, *, for_reads: bool = False,
                   session: requests.Session | None = None) -> stripe.StripeClient:
    """A client on `session`, by default the one Stripe session every call shares, which
    the kiosk's shutdown closes to end a call in flight at once (backend.http)."""
    settings = settings or get_settings()
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        key,
        base_addresses=base,  # type: ignore[arg-type]
        stripe_version=API_VERSION,
        # Creation retries safely (the intent id is the idempotency key).
        max_network_retries=0 if for_reads else 2,
        http_client=stripe.RequestsClient(timeout=READ_TIMEOUT if for_reads else TIMEOUT,
                                          session=session or shared_session("stripe")),
    )


def explain(exc: stripe.StripeError) -> UserError:
    """A message a person can act on; never the provider's text for auth errors
    (it can echo part of the key)."""
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return UserError("Stripe refused the kiosk's key. Check STRIPE_SECRET_KEY_* with "
                         "`charter-kiosk check`.")
    if isinstance(exc, stripe.RateLimitError):
        return ProviderBusy("Stripe is busy right now. Please try again in a moment.")
    if isinstance(exc, stripe.APIConnectionError):
        return ProviderUnavailable("Card payments are unavailable: Stripe cannot be reached. "
                                   "Check the kiosk's network.")
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.http_status == 404:
            return UserError("Stripe does not know that checkout session.")
        detail = exc.user_message or "the request was not accepted"
        return UserError(f"Stripe refused the payment: {detail}")
    return ProviderUnavailable("Stripe had a problem taking the payment. Please try again.")


def landing_base() -> str | None:
    base = get_secret("BASE_URL") or get_settings().relay_url
    return base.rstrip("/") if base else None


@public
def get_publishable_key() -> Result:
    mode = get_settings().mode
    key = require_secret(f"STRIPE_PUBLISHABLE_KEY_{mode.upper()}")
    if not key.startswith(f"pk_{mode}_"):
        raise UserError(f"STRIPE_PUBLISHABLE_KEY_{mode.upper()} is not a pk_{mode}_ key.")
    return ok({"publishable_key": key, "mode": mode})


def card_amounts(request_data: Mapping[str, Any], settings: Settings) -> tuple[int, int, int]:
    """A card gift's amount, the fee the donor covers (if asked) and what is charged, each
    checked against the card minimum and the campaign's maximum. For Checkout and tap."""
    currency = settings.currency
    gift_minor = to_minor(request_data.get("amount"), currency)
    maximum = min(to_minor(settings.max_amount, currency), STRIPE_MAXIMUM_MINOR)
    check_range(gift_minor, currency, minimum=stripe_minimum(currency), maximum=maximum)
    fee_minor = cover_fee_minor(gift_minor, currency, settings.fee_card_percent,
                                settings.fee_card_fixed) if request_data.get("cover_fee") else 0
    check_range(gift_minor + fee_minor, currency, minimum=stripe_minimum(currency),
                maximum=maximum, what="The gift with the fee")
    return gift_minor, fee_minor, gift_minor + fee_minor


@public
def create_checkout_session(request_data: Mapping[str, Any]) -> Result:
    """Create a Checkout Session for a donor-chosen amount.

    `request_data`: `amount` (major units: int, Decimal or decimal string),
    optional `display_name`, `recurring`, `cover_fee`, `language` and `amount_text` (what the
    kiosk showed as the amount charged, for the landing pages).
    """
    if not isinstance(request_data, Mapping):
        raise UserError("The payment request is not readable.")
    settings = get_settings()
    currency = settings.currency
    gift_minor, fee_minor, amount_minor = card_amounts(request_data, settings)
    recurring = request_data.get("recurring")
    if recurring is not None and (recurring != "month" or not settings.monthly):
        raise UserError("Monthly gifts are not offered here." if recurring == "month"
                        else "A gift repeats monthly (recurring='month') or not at all.")
    display_name = display_name_of(request_data.get("display_name"))
    language = donor_language(request_data.get("language"), settings)
    client = stripe_client(settings)  # before any row: a missing key writes nothing
    base = landing_base()
    if not base:
        raise UserError("BASE_URL is not configured: Checkout needs the relay's public address "
                        "for its thank-you page.")
    ensure_database()
    intent_id = new_id()
    # The amount as the kiosk showed it in the donor's language, when it is this amount.
    amount_text = shown_amount(request_data.get("amount_text"), amount_minor, currency)
    landing_query = {"charity": settings.campaign_name,
                     "amount": amount_text or format_money(amount_minor, currency)}
    if recurring:
        landing_query["every"] = "month"
    # The landing pages' language, English too: the phone's own language must not win
    # over the one the donor chose at the kiosk.
    landing_query["lang"] = language.split("_")[0]
    landing = urlencode(landing_query, quote_via=quote)
    metadata = {"campaign_id": settings.campaign_id, "kiosk_id": settings.kiosk_id,
                "intent_id": intent_id}
    if display_name:
        metadata["display_name"] = display_name
    if fee_minor:
        metadata["fee_minor"] = str(fee_minor)  # every kiosk shows the fee part
    every_month = {"recurring": {"interval": "month"}} if recurring else {}
    lines = [(f"Gift to {settings.campaign_name}", gift_minor)]
    if fee_minor:
        lines.append(("Processing fee, covered by you", fee_minor))
    params: dict[str, Any] = {
        "mode": "subscription" if recurring else "payment",
        "line_items": [{
            "price_data": {
                "currency": currency,
                "unit_amount": unit,
                "product_data": {"name": name},
                **every_month,
            },
            "quantity": 1,
        } for name, unit in lines],
        "metadata": metadata,
        "client_reference_id": intent_id,
        # The landing pages name the charity and the amount (shown escaped, as text).
        "success_url": f"{base}/thanks?{landing}&session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base}/cancelled?{landing}",
        "expires_at": int(time.time()) + SESSION_LIFETIME_S,
        # The donor's language on the kiosk, where Checkout has it (it has no Arabic:
        # "auto" follows the phone's language then).
        "locale": checkout_locale(language),
    }
    if recurring:
        params["subscription_data"] = {"metadata": metadata}  # each invoice names the campaign
    else:
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": metadata}
    try:
        session = client.v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": intent_id},
        )
    except stripe.StripeError as exc:
        log.warning("checkout session create failed: %s", type(exc).__name__)
        raise explain(exc) from None
    # Provider first, then one transaction for the intent and its payment: a
    # failed call leaves no row, and a crash here is recovered by the webhook.
    with database.atomic():
        ContributionIntent.create(
            id=intent_id, campaign_id=settings.campaign_id, kiosk_id=settings.kiosk_id,
            method="card", amount_minor=amount_minor, currency=currency,
            display_name=display_name, status="awaiting_payment", status_rank=1,
            provider_ref=session.id, expires_at=session.expires_at, fee_minor=fee_minor,
            recurring=recurring, livemode=settings.mode == "live",
        )
        StripePayment.create(
            session_id=session.id, intent=intent_id, campaign_id=settings.campaign_id,
            kiosk_id=settings.kiosk_id, amount_minor=amount_minor, currency=currency,
            checkout_url=session.url, expires_at=session.expires_at,
            livemode=bool(session.livemode), provider_status=session.status,
            payment_status=session.payment_status,
        )
    log.info("checkout session %s created for intent %s (%s)", session.id, intent_id,
             format_money(amount_minor, currency))
    return ok({
        "intent_id": intent_id,
        "session_id": session.id,
        "checkout_url": session.url,
        "qr_payload": session.url,
        "expires_at": int(session.expires_at),
        "amount_minor": amount_minor,
        "gift_minor": gift_minor,
        "fee_minor": fee_minor,
        "recurring": recurring,
        "currency": currency,
        "mode": settings.mode,
    })


# Checkout's languages (Stripe's "supported locales" list), by the kiosk's language code.
_CHECKOUT_LOCALES = {"en": "en", "en_GB": "en-GB", "es": "es", "fr": "fr", "fr_CA": "fr-CA"}
# Territories outside Spain get Checkout's Latin American Spanish.
_SPAIN = {"ES", "GQ"}


def donor_language(value: object, settings: Settings) -> str:
    """The donor's language for a payment: one of the campaign's languages (its code as
    in kiosk.toml), the campaign's default when none is given."""
    if value is None:
        return settings.languages[0]
    if not isinstance(value, str):
        raise UserError("The language must be a language code such as \"es\".")
    for code in settings.languages:
        if value.replace("-", "_") in (code, code.split("_")[0]):
            return code
    raise UserError(f"{value!r} is not one of this campaign's languages "
                    f"({', '.join(settings.languages)}).")


def checkout_locale(language: str) -> str:
    """Stripe Checkout's `locale` for a kiosk language code ("auto" where it has none)."""
    if language in _CHECKOUT_LOCALES:
        return _CHECKOUT_LOCALES[language]
    base, _, territory = language.partition("_")
    if base == "es" and territory and territory not in _SPAIN:
        return "es-419"
    return _CHECKOUT_LOCALES.get(base, "auto")


def display_name_of(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserError("The display name must be text.")
    name = " ".join(value.split())[:40]
    return name or None


def check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise UserError("That is not a Stripe checkout session id.")
    return session_id


def refresh_session(session_id: str, *, via: str) -> tuple[ledger.LedgerOutcome, Any]:
    """Retrieve a session (or a tap gift's PaymentIntent) and apply it through the
    ledger; raises `UserError`."""
    if isinstance(session_id, str) and session_id.startswith("pi_"):
        from backend.terminal import refresh_payment_intent

        return refresh_payment_intent(session_id, via=via)
    check_session_id(session_id)
    client = stripe_client(for_reads=True)
    try:
        session = client.v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        raise explain(exc) from None
    return ledger.apply_stripe_session(session.to_dict(), via=via), session


def invoice_payments_of(payment_intent: str) -> list[dict[str, Any]]:
    """Stripe's InvoicePayments naming this PaymentIntent: which invoice it paid, if it was
    a monthly gift's payment (none for a one-off). Since API 2025-03-31 nothing else links
    them: refunds and disputes name the PaymentIntent, the invoice no longer does. Raises
    `UserError` (`ProviderUnavailable` when Stripe cannot answer now)."""
    if not isinstance(payment_intent, str) or not _PAYMENT_INTENT_ID.match(payment_intent):
        raise UserError("That is not a Stripe PaymentIntent id.")
    client = stripe_client(for_reads=True)
    try:
        # One PaymentIntent pays one invoice of a monthly gift; a few more would be odd
        # enough for the ledger to refuse (it logs them), so one short page is enough.
        page = client.v1.invoice_payments.list(params={
            "payment": {"type": "payment_intent", "payment_intent": payment_intent},
            "limit": 10})
    except stripe.StripeError as exc:
        log.warning("asking Stripe which invoice payment %s paid failed: %s", payment_intent,
                    type(exc).__name__)
        raise explain_lookup(exc) from None
    return [item.to_dict() for item in page.data]


def explain_lookup(exc: stripe.StripeError) -> UserError:
    """What went wrong asking Stripe about a payment after the fact, for the log and
    `reconcile`; never the provider's text for a refused key (it can echo part of it)."""
    if isinstance(exc, stripe.AuthenticationError):
        return UserError("Stripe refused the kiosk's key. Check STRIPE_SECRET_KEY_* with "
                         "`charter-kiosk check`.")
    if isinstance(exc, stripe.PermissionError):
        return UserError("Stripe refused to say which invoice a monthly gift's payment paid: "
                         "give the kiosk's restricted key Invoices read access, so refunds and "
                         "disputes of monthly gifts reach the total.")
    if isinstance(exc, stripe.RateLimitError):
        return ProviderBusy("Stripe asked the kiosk to slow down.")
    if isinstance(exc, stripe.InvalidRequestError):
        return UserError("Stripe did not accept the question about a payment (HTTP "
                         f"{exc.http_status}, {exc.code or 'no code'}).")
    if isinstance(exc, stripe.APIConnectionError):
        return ProviderUnavailable("Stripe cannot be reached. Check the kiosk's network.")
    return ProviderUnavailable("Stripe could not answer just now.")


@public
def get_payment_status(session_id: str) -> Result:
    """Ask Stripe about a Checkout Session, or a tap gift's PaymentIntent (`pi_...`), and
    record what it says (once, however often asked)."""
    if isinstance(session_id, str) and session_id.startswith("pi_"):
        from backend.terminal import tap_status

        return tap_status(session_id)
    outcome, session = refresh_session(session_id, via="poller")
    if outcome.ignored_reason:
        raise UserError(f"That session does not belong to this campaign ({outcome.ignored_reason}).")
    return ok({
        "session_id": session_id,
        "status": outcome.status,
        "provider_status": session.status,
        "payment_status": session.payment_status,
        "counted": outcome.counted,
        "total_minor": ledger.totals()["total_minor"],
    })


def expire_session(session_id: str) -> None:
    """Close a session the donor cancelled on screen, so the QR stops working.

    Best effort: a payment that still completes is counted (paid always wins).
    """
    try:
        stripe_client(for_reads=True).v1.checkout.sessions.expire(check_session_id(session_id))
    except (stripe.StripeError, UserError) as exc:
        log.info("could not expire session %s: %s", session_id, type(exc).__name__)


def webhook_secrets() -> list[str]:
    secrets = [get_secret("STRIPE_WEBHOOK_SECRET"), get_secret("STRIPE_WEBHOOK_SECRET_PREVIOUS")]
    return [s for s in secrets if s]


def verify_webhook(payload: bytes, signature: str | None) -> ProviderEvent:
    """Verify only (the relay stores what this accepts)."""
    return verify_stripe(payload, signature, webhook_secrets())


@public
def handle_webhook(payload: bytes, signature: str) -> Result:
    """Verify a Stripe webhook and apply it through the ledger."""
    if not isinstance(payload, bytes | bytearray):
        raise UserError("The webhook body must be the raw bytes as received.")
    event = verify_webhook(bytes(payload), signature)
    outcome = ledger.apply_event(event, via="webhook")
    return ok({
        "event_id": event.dedup_key,
        "type": event.event_type,
        "status": outcome.status,
        "counted": outcome.counted,
        "ignored_reason": outcome.ignored_reason,
    })
