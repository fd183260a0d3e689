"""Crypto payments through NOWPayments: a payment priced in the campaign's
currency, shown on screen as a wallet-URI QR code.

There is no official Python SDK, so this is `requests` with one session, the
`x-api-key` header and a timeout on every call. NOWPayments returns ids and
amounts sometimes as strings and sometimes as numbers: everything is read
defensively, crypto amounts as `Decimal`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests

from backend import ledger
from backend.db import database, ensure_database
from backend.http import shared_session
from backend.models import ContributionIntent, CryptoPayment, new_id
from backend.money import CRYPTO_MINIMUM_MAJOR, check_range, cover_fee_minor, major_text, to_minor
from backend.result import ProviderBusy, ProviderUnavailable, Result, UserError, ok, public
from backend.secrets import get_mode_secret, get_secret, require_mode_secret
from backend.settings import Settings, get_settings
from backend.wallet_uri import wallet_request
from backend.webhooks import ProviderEvent, verify_nowpayments

log = logging.getLogger("charter.nowpayments")

DEFAULT_BASE = "https://api.nowpayments.io"
# NOWPayments' sandbox is a separate service with separate accounts: test mode
# talks to it unless NOWPAYMENTS_API_BASE says otherwise, never to production.
SANDBOX_BASE = "https://api-sandbox.nowpayments.io"
TIMEOUT = (5.0, 10.0)  # connect, read: the ceiling
_PAYMENT_ID = re.compile(r"^[0-9]{1,20}$")


def exact_json(value: Any) -> str:
    """JSON with `Decimal` written as an exact number (json.dumps only knows float)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{exact_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(exact_json(v) for v in value) + "]"
    return json.dumps(value)


class NowPaymentsClient:
    """A thin client: the key header, timeouts, clear errors, on one `requests.Session`:
    by default the NOWPayments session every call shares, which the kiosk's shutdown
    closes to end a call in flight at once (backend.http)."""

    def __init__(self, api_key: str | None, base_url: str | None = None,
                 session: requests.Session | None = None) -> None:
        self.base_url = (base_url or DEFAULT_BASE).rstrip("/")
        self.session = session or shared_session("nowpayments")
        # Sent with each request, never set on the session: other clients share it, maybe
        # with the other mode's key.
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["x-api-key"] = api_key

    def request(self, method: str, path: str, *, json_body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = exact_json(json_body).encode() if json_body is not None else None
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(method, f"{self.base_url}/v1/{path}", data=data,
                                            headers=headers, params=params, timeout=TIMEOUT)
        except requests.Timeout:
            raise ProviderUnavailable(
                "NOWPayments is not answering. Please try again, or pay by card.") from None
        except requests.RequestException:
            raise ProviderUnavailable("Crypto payments are unavailable: NOWPayments cannot be "
                                      "reached. Check the kiosk's network.") from None
        try:
            body = json.loads(response.content, parse_float=Decimal) if response.content else {}
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict):
            raise self._explain(response.status_code, body)
        return body

    @staticmethod
    def _explain(status: int, body: object) -> UserError:
        message = body.get("message") if isinstance(body, dict) else None
        if status in (401, 403):
            return UserError("NOWPayments refused the kiosk's API key. Check NOWPAYMENTS_API_KEY_TEST "
                             "or _LIVE with `charter-kiosk check`.")
        if status == 404:
            return UserError("NOWPayments does not know that payment.")
        if status == 429:
            return ProviderBusy("NOWPayments is busy right now. Please try again in a moment.")
        if 400 <= status < 500 and isinstance(message, str):
            return UserError(f"NOWPayments refused the payment: {message}")
        return ProviderUnavailable("NOWPayments had a problem. Please try again, or pay by card.")

    def status(self) -> dict[str, Any]:
        return self.request("GET", "status")

    def currencies(self) -> dict[str, Any]:
        return self.request("GET", "currencies")

    def create_payment(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.request("POST", "payment", json_body=body)

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        return self.request("GET", f"payment/{payment_id}")

    def create_invoice(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.request("POST", "invoice", json_body=body)


def nowpayments_client(settings: Settings | None = None, *,
                       session: requests.Session | None = None) -> NowPaymentsClient:
    settings = settings or get_settings()
    base = settings.nowpayments_api_base or (DEFAULT_BASE if settings.mode == "live"
                                             else SANDBOX_BASE)
    return NowPaymentsClient(require_mode_secret("NOWPAYMENTS_API_KEY", settings.mode), base,
                             session=session)


def check_coin(coin: object, settings: Settings) -> str:
    if not isinstance(coin, str) or not coin.strip():
        raise UserError("Choose a coin to pay with.")
    code = coin.strip().lower()
    if code not in settings.coins:
        accepted = ", ".join(c.upper() for c in settings.coins)
        raise UserError(f"{coin.upper()} is not accepted here. This kiosk takes {accepted}.")
    return code


def _ipn_url() -> str | None:
    base = get_secret("BASE_URL") or get_settings().relay_url
    return f"{base.rstrip('/')}/v1/webhooks/nowpayments" if base else None


def _expiry(value: object) -> int:
    """NOWPayments' `expiration_estimate_date` as unix seconds (20 minutes if absent)."""
    if isinstance(value, str) and value:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return int(when.timestamp())
        except ValueError:
            log.warning("unreadable expiration_estimate_date %r", value)
    return int(dt.datetime.now(dt.UTC).timestamp()) + 20 * 60


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or value in (None, ""):
        raise UserError(f"NOWPayments answered without {what}.")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise UserError(f"NOWPayments answered with an unreadable {what}.") from None
    if not number.is_finite() or number <= 0:
        raise UserError(f"NOWPayments answered with an unusable {what}.")
    return number


def crypto_amounts(request_data: Mapping[str, Any], settings: Settings) -> tuple[int, int, int]:
    """A crypto gift's amount, the fee the donor covers (if asked) and what is priced, each
    checked against the crypto minimum and the campaign's maximum. Writes nothing: `check`
    calls it alone to prove bad input is refused before any provider call."""
    currency = settings.currency
    gift_minor = to_minor(request_data.get("amount"), currency)
    minimum = to_minor(CRYPTO_MINIMUM_MAJOR, currency)
    maximum = to_minor(settings.max_amount, currency)
    check_range(gift_minor, currency, minimum=minimum, maximum=maximum)
    fee_minor = cover_fee_minor(gift_minor, currency, settings.fee_crypto_percent) \
        if request_data.get("cover_fee") else 0
    amount_minor = gift_minor + fee_minor
    check_range(amount_minor, currency, minimum=minimum, maximum=maximum,
                what="The gift with the fee")
    return gift_minor, fee_minor, amount_minor


@public
def create_nowpayments_invoice(request_data: Mapping[str, Any]) -> Result:
    """Create a crypto payment for `amount` (campaign currency, major units) in `coin`."""
    if not isinstance(request_data, Mapping):
        raise UserError("The payment request is not readable.")
    settings = get_settings()
    currency = settings.currency
    coin = check_coin(request_data.get("coin"), settings)
    gift_minor, fee_minor, amount_minor = crypto_amounts(request_data, settings)
    display_name = request_data.get("display_name")
    if display_name is not None and not isinstance(display_name, str):
        raise UserError("The display name must be text.")
    display_name = " ".join((display_name or "").split())[:40] or None
    client = nowpayments_client(settings)
    ensure_database()
    intent_id = new_id()
    body: dict[str, Any] = {
        "price_amount": Decimal(major_text(amount_minor, currency)),
        "price_currency": currency,
        "pay_currency": coin,
        "order_id": ledger.make_order_id(settings.campaign_id, settings.kiosk_id, intent_id,
                                         fee_minor),
        "order_description": f"Gift to {settings.campaign_name}",
        "is_fixed_rate": True,
    }
    ipn = _ipn_url()
    if ipn:
        body["ipn_callback_url"] = ipn
    payment = client.create_payment(body)
    payment_id = str(payment.get("payment_id") or "").strip()
    if not _PAYMENT_ID.match(payment_id):
        raise UserError("NOWPayments answered without a payment id.")
    pay_address = payment.get("pay_address")
    if not isinstance(pay_address, str) or not pay_address:
        raise UserError("NOWPayments answered without an address to pay to.")
    pay_amount = _decimal(payment.get("pay_amount"), "an amount to pay")
    extra = payment.get("payin_extra_id")
    extra_id = str(extra) if extra not in (None, "") else None
    request = wallet_request(coin, pay_address, pay_amount, extra_id)
    expires_at = _expiry(payment.get("expiration_estimate_date"))
    with database.atomic():
        ContributionIntent.create(
            id=intent_id, campaign_id=settings.campaign_id, kiosk_id=settings.kiosk_id,
            method="crypto", coin=coin, amount_minor=amount_minor, currency=currency,
            display_name=display_name, status="awaiting_payment", status_rank=1,
            provider_ref=payment_id, expires_at=expires_at, fee_minor=fee_minor,
            livemode=settings.mode == "live",
        )
        CryptoPayment.create(
            payment_id=payment_id, intent=intent_id, campaign_id=settings.campaign_id,
            kiosk_id=settings.kiosk_id, price_minor=amount_minor, price_currency=currency,
            pay_amount=pay_amount, pay_currency=coin, pay_address=pay_address,
            payin_extra_id=extra_id, provider_status=str(payment.get("payment_status") or ""),
            expires_at=expires_at, livemode=settings.mode == "live",
        )
    log.info("crypto payment %s created for intent %s (%s)", payment_id, intent_id, coin)
    return ok({
        "intent_id": intent_id,
        "payment_id": payment_id,
        "pay_address": pay_address,
        "pay_amount": str(pay_amount),
        "pay_currency": coin,
        "network": request.network,
        "payin_extra_id": extra_id,
        "memo_label": request.memo_label,
        "qr_payload": request.uri,
        "expires_at": expires_at,
        "amount_minor": amount_minor,
        "gift_minor": gift_minor,
        "fee_minor": fee_minor,
        "currency": currency,
    })


def check_payment_id(payment_id: object) -> str:
    text = str(payment_id).strip() if isinstance(payment_id, str | int) and not isinstance(
        payment_id, bool) else ""
    if not _PAYMENT_ID.match(text):
        raise UserError("That is not a NOWPayments payment id.")
    return text


def refresh_payment(payment_id: str, *, via: str) -> tuple[ledger.LedgerOutcome, dict[str, Any]]:
    """Retrieve a payment and apply it through the ledger; raises `UserError`."""
    payment = nowpayments_client().get_payment(check_payment_id(payment_id))
    return ledger.apply_crypto_payment(payment, via=via), payment


@public
def get_invoice_status(invoice_id: str) -> Result:
    """Ask NOWPayments about a payment and record what it says (once, however often asked)."""
    payment_id = check_payment_id(invoice_id)
    outcome, payment = refresh_payment(payment_id, via="poller")
    if outcome.ignored_reason:
        raise UserError(f"That payment does not belong to this campaign ({outcome.ignored_reason}).")
    return ok({
        "payment_id": payment_id,
        "status": outcome.status,
        "provider_status": payment.get("payment_status"),
        "actually_paid": str(payment.get("actually_paid") or "0"),
        "pay_amount": str(payment.get("pay_amount") or ""),
        "counted": outcome.counted,
        "total_minor": ledger.totals()["total_minor"],
    })


def ipn_secrets() -> list[str]:
    mode = get_settings().mode
    secrets = [get_mode_secret("NOWPAYMENTS_IPN_SECRET", mode),
               get_mode_secret("NOWPAYMENTS_IPN_SECRET_PREVIOUS", mode)]
    return [s for s in secrets if s]


def verify_webhook(payload: bytes, signature: str | None) -> ProviderEvent:
    """Verify with this kiosk's mode's IPN secrets: a match establishes that mode."""
    return verify_nowpayments(payload, signature, ipn_secrets(), mode=get_settings().mode)


@public
def handle_webhook(payload: bytes, signature: str) -> Result:
    """Verify a NOWPayments IPN and apply it through the ledger."""
    if not isinstance(payload, bytes | bytearray):
        raise UserError("The IPN body must be the raw bytes as received.")
    event = verify_webhook(bytes(payload), signature)
    outcome = ledger.apply_event(event, via="webhook")
    return ok({
        "event_id": event.dedup_key,
        "type": event.event_type,
        "status": outcome.status,
        "counted": outcome.counted,
        "ignored_reason": outcome.ignored_reason,
    })
