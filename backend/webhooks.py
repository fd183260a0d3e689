"""Verify and sign provider webhooks, without applying them.

Verification is kept apart from application (`backend.ledger.apply_event`) so
that the relay can verify and store without touching a ledger, and a kiosk can
apply events the relay vouched for without holding the webhook secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from backend.result import UserError

Provider = Literal["stripe", "nowpayments", "cash", "kiosk"]
Mode = Literal["test", "live"]
MODES: tuple[Mode, ...] = ("test", "live")

STRIPE_TOLERANCE_SECONDS = 300
MAX_WEBHOOK_BYTES = 1024 * 1024


class WebhookError(UserError):
    """The webhook is not one we can trust or read; nothing was stored or applied."""


@dataclass(frozen=True)
class ProviderEvent:
    """A provider event we have read (and, on ingest, verified)."""

    provider: Provider
    dedup_key: str
    event_type: str
    payload: dict[str, Any]
    # Who vouches for the event's mode: the secret that verified it (NOWPayments),
    # the kiosk token that sent it (kiosk events), stamped by the relay or by the
    # kiosk that verified it. None: not established by anyone but the body.
    mode: Mode | None = None
    # The kiosk that sent a kiosk-originated event, as authenticated by the relay.
    origin: str | None = None


# --- Stripe -----------------------------------------------------------------


def stripe_signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header Stripe would send for this body."""
    digest = _stripe_digest(payload, secret, timestamp)
    return f"t={timestamp},v1={digest}"


def _stripe_digest(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_stripe(
    payload: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    now: float | None = None,
    tolerance: int = STRIPE_TOLERANCE_SECONDS,
) -> ProviderEvent:
    """Check a Stripe webhook against any of `secrets` (current and previous).

    Rejects timestamps more than `tolerance` seconds away in either direction:
    the SDK only rejects old ones, and a future timestamp is as suspect.
    """
    if not header:
        raise WebhookError("The Stripe-Signature header is missing.")
    usable = [s for s in secrets if s]
    if not usable:
        raise WebhookError("No Stripe webhook secret is configured (STRIPE_WEBHOOK_SECRET).")
    timestamp, signatures = _parse_stripe_header(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookError("The Stripe signature timestamp is outside the 5-minute tolerance.")
    expected = [_stripe_digest(payload, secret, timestamp) for secret in usable]
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str (a forged header).
    if not any(hmac.compare_digest(e.encode(), s.encode("utf-8", "replace"))
               for e in expected for s in signatures):
        raise WebhookError("The Stripe signature does not match the payload.")
    return parse_stripe_event(payload)


def _parse_stripe_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise WebhookError("The Stripe-Signature timestamp is not a number.") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookError("The Stripe-Signature header has no timestamp or no v1 signature.")
    return timestamp, signatures


def parse_stripe_event(payload: bytes) -> ProviderEvent:
    body = _load_object(payload, "Stripe")
    event_id = body.get("id")
    event_type = body.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise WebhookError("The Stripe event has no id or type.")
    return ProviderEvent("stripe", event_id, event_type, body)


def stripe_event_mode(body: Mapping[str, Any]) -> Mode | None:
    """The mode of a Stripe event, when everything in it agrees; else None.

    The event's `livemode`, its object's `livemode` and a mode-bearing id prefix
    (`cs_test_`, `cs_live_`) must all say the same thing, and the event's own
    flag must be there: a mode guessed from a missing field is no mode at all.
    """
    flag = body.get("livemode")
    if not isinstance(flag, bool):
        return None
    data = body.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if isinstance(obj, Mapping) and object_mode(obj) not in (None, _mode(flag)):
        return None
    if isinstance(obj, Mapping) and "livemode" in obj and not isinstance(obj["livemode"], bool):
        return None
    return _mode(flag)


def object_mode(obj: Mapping[str, Any]) -> Mode | Literal["conflict"] | None:
    """What a Stripe object says of its mode: its `livemode` and its id prefix."""
    said: set[Mode] = set()
    if isinstance(obj.get("livemode"), bool):
        said.add(_mode(obj["livemode"]))
    ident = obj.get("id")
    if isinstance(ident, str):
        if "_test_" in ident[:12]:
            said.add("test")
        elif "_live_" in ident[:12]:
            said.add("live")
    if len(said) > 1:
        return "conflict"
    return next(iter(said)) if said else None


def _mode(livemode: bool) -> Mode:
    return "live" if livemode else "test"


# --- NOWPayments ------------------------------------------------------------


def nowpayments_signature(payload: bytes, secret: str) -> str:
    """The `x-nowpayments-sig` NOWPayments would send: HMAC-SHA512 over the JS form."""
    canonical = canonical_js(json.loads(payload))
    return hmac.new(secret.strip().encode(), canonical.encode(), hashlib.sha512).hexdigest()


def verify_nowpayments(
    payload: bytes, signature: str | None, secrets: Sequence[str], *, mode: Mode | None = None
) -> ProviderEvent:
    """Check an IPN against any of `secrets` (one mode's current and previous).

    The official Node SDK signs keys sorted recursively and serialised like
    JavaScript's JSON.stringify; the documented Python example uses
    `json.dumps(sort_keys=True, separators=(",", ":"))`. Both are accepted,
    each compared in constant time. The event carries `mode`, the mode of the
    secrets that verified it.
    """
    return verify_nowpayments_modes(payload, signature, {mode or "test": secrets},
                                    stamp=mode is not None)


def verify_nowpayments_modes(
    payload: bytes, signature: str | None, secrets: Mapping[Mode, Sequence[str]], *,
    stamp: bool = True, exact_limit: int | None = None,
) -> ProviderEvent:
    """Check an IPN against each mode's secrets; the event carries the mode that matched.

    An IPN carries no mode of its own: the only witness is which account's
    secret signed it. A body that verifies under both modes (the same secret
    configured twice) has no established mode and is refused.
    """
    if not signature:
        raise WebhookError("The x-nowpayments-sig header is missing.")
    usable = {m: [s.strip() for s in values if s and s.strip()] for m, values in secrets.items()}
    if not any(usable.values()):
        raise WebhookError("No NOWPayments IPN secret is configured "
                           "(NOWPAYMENTS_IPN_SECRET_TEST or NOWPAYMENTS_IPN_SECRET_LIVE).")
    given = signature.strip().lower()
    if not _SHA512_HEX.fullmatch(given):
        # Checked before any parsing: a forgery that cannot even look like a
        # signature costs nothing.
        raise WebhookError("The NOWPayments signature does not match the payload (it is not a "
                           "SHA-512 hex digest).")
    if not payload:
        raise WebhookError("The NOWPayments webhook body is empty.")
    if len(payload) > MAX_WEBHOOK_BYTES:
        raise WebhookError("The NOWPayments webhook body is larger than 1 MiB.")
    try:
        forms = signed_forms(payload, exact_limit=exact_limit)
    except RecursionError:
        raise WebhookError("The NOWPayments webhook body's JSON is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise WebhookError("The NOWPayments webhook body is not valid JSON.") from None
    given_bytes = given.encode("ascii")
    matched: list[Mode] = []
    for mode, values in usable.items():
        hit = False
        for secret in values:
            for form in forms:
                digest = hmac.new(secret.encode(), form.encode(), hashlib.sha512).hexdigest()
                # Evaluate every candidate: no early exit that would time the match.
                hit |= hmac.compare_digest(digest.encode(), given_bytes)
        if hit:
            matched.append(mode)
    if not matched:
        raise WebhookError("The NOWPayments signature does not match the payload.")
    if len(matched) > 1:
        raise WebhookError("The NOWPayments IPN verifies with both the test and the live secret; "
                           "its mode cannot be established. Give each mode its own secret.")
    # Read for its content only once it is known to be authentic.
    event = parse_nowpayments_event(payload)
    if not stamp:
        return event
    return ProviderEvent(event.provider, event.dedup_key, event.event_type, event.payload,
                         mode=matched[0])


_SHA512_HEX = re.compile(r"[0-9a-f]{128}")
# What can make JSON.stringify's output differ from json.dumps(ensure_ascii=False):
# array-index keys (ordered first by JavaScript), integers beyond 2^53 (read as
# doubles), non-BMP characters (sorted by UTF-16 code units) and lone surrogates.
# A false alarm only sends the body down the slow, exact path.
_JS_RISKY = re.compile(rb'"[0-9]+"\s*:|[0-9]{16,}|\\[uU][dD][89a-fA-F]|[\xf0-\xf4]')


def signed_forms(payload: bytes, *, exact_limit: int | None = None) -> set[str]:
    """The forms an IPN's HMAC may be computed over: JSON.stringify of the key-sorted
    body (the Node SDK) and Python's `json.dumps(sort_keys=True)` (the docs' example).

    Both come from the C encoder unless the body holds something JavaScript would
    print differently; only then is the pure-Python `canonical_js` used. A forged
    IPN therefore costs the relay one C parse and one C serialisation.

    `exact_limit`: the largest body for which the pure-Python form is computed
    (the relay's bound on what a forgery can cost); a larger body that needs it is
    checked against the Python form only.
    """
    exact = True

    def read_float(text: str) -> float:
        nonlocal exact
        value = float(text)
        shown = repr(value)
        # Where Python's repr has no exponent JavaScript has none either and both
        # print the shortest round-trip digits; they differ on "1.0"/"1", on
        # exponents and on infinities.
        if "e" in shown or shown.endswith(".0") or "n" in shown:
            exact = False
        return value

    body = json.loads(payload, parse_float=read_float, parse_constant=_reject_constant)
    python_form = json.dumps(body, sort_keys=True, separators=(",", ":"))
    if exact and not _JS_RISKY.search(payload):
        js_form = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    elif exact_limit is not None and len(payload) > exact_limit:
        return {python_form}
    else:
        js_form = canonical_js(body)
    return {js_form, python_form}


def precheck_signature(provider: str, header: str | None, *, now: float | None = None) -> str | None:
    """Why a webhook cannot be authentic, judged from its signature header alone
    (before its body is read), or None. Costs microseconds, whatever the body."""
    if not header:
        return ("The Stripe-Signature header is missing." if provider == "stripe"
                else "The x-nowpayments-sig header is missing.")
    if provider == "stripe":
        try:
            timestamp, _ = _parse_stripe_header(header)
        except WebhookError as exc:
            return str(exc)
        current = time.time() if now is None else now
        if abs(current - timestamp) > STRIPE_TOLERANCE_SECONDS:
            return "The Stripe signature timestamp is outside the 5-minute tolerance."
        return None
    if not _SHA512_HEX.fullmatch(header.strip().lower()):
        return "The NOWPayments signature does not match the payload (not a SHA-512 hex digest)."
    return None


def parse_nowpayments_event(payload: bytes) -> ProviderEvent:
    body = _load_object(payload, "NOWPayments")
    payment_id = body.get("payment_id")
    status = body.get("payment_status")
    if payment_id in (None, "") or not isinstance(status, str) or not status:
        raise WebhookError("The NOWPayments IPN has no payment_id or payment_status.")
    # No event id and no timestamp in an IPN: the payment, its status and its
    # update time together identify one delivery, repeats included.
    dedup = f"{payment_id}:{status}:{body.get('updated_at') or ''}"
    return ProviderEvent("nowpayments", dedup, f"payment.{status}", body)


# --- events a kiosk's staff make, shared through the relay ----------------------

KIOSK_EVENT_TYPES = ("cash.recorded", "cash.voided", "partial.accepted", "partial.refused")
MAX_KIOSK_AMOUNT_MINOR = 99_999_999  # the most any provider takes; the campaign's cap is lower


def parse_cash_event(payload: bytes) -> ProviderEvent:
    """A cash gift as the first relays stored it (provider "cash"): still readable."""
    event = parse_kiosk_event(payload, default_type="cash.recorded")
    if event.event_type != "cash.recorded":
        raise WebhookError("A cash gift must have the type cash.recorded.")
    return ProviderEvent("cash", event.dedup_key, event.event_type, event.payload)


def parse_kiosk_event(payload: bytes, *, default_type: str | None = None) -> ProviderEvent:
    """A staff action at one kiosk that every kiosk applies: a cash gift, its void,
    a decision on a partly paid crypto gift. Checked field by field; the relay
    then vouches for who sent it and in which mode."""
    body = _load_object(payload, "kiosk event")
    event_type = body.get("type", default_type)
    if event_type not in KIOSK_EVENT_TYPES:
        raise WebhookError("The kiosk event's type must be one of " + ", ".join(KIOSK_EVENT_TYPES)
                           + ".")
    ref = body.get("id")
    if not isinstance(ref, str) or not 0 < len(ref) <= 100 or not ref.isprintable():
        raise WebhookError("The kiosk event has no id (1 to 100 characters).")
    for key in ("campaign_id", "kiosk_id"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise WebhookError(f"The kiosk event has no {key}.")
    if not _is_iso_time(body.get("created_at")):
        raise WebhookError("The kiosk event's created_at must be an ISO 8601 date and time.")
    if "livemode" in body and not isinstance(body["livemode"], bool):
        raise WebhookError("The kiosk event's livemode must be true or false.")
    if event_type in ("cash.recorded", "partial.accepted"):
        amount = body.get("amount_minor")
        if isinstance(amount, bool) or not isinstance(amount, int) or \
                not 0 < amount <= MAX_KIOSK_AMOUNT_MINOR:
            raise WebhookError("The amount_minor must be a whole number from 1 to 99,999,999.")
    if event_type == "cash.recorded":
        currency = body.get("currency")
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
            raise WebhookError("The cash gift's currency must be a 3-letter code.")
        name = body.get("display_name")
        if name is not None and (not isinstance(name, str) or len(name) > 40):
            raise WebhookError("The cash gift's display_name must be text of at most 40 "
                               "characters.")
    elif event_type == "cash.voided":
        gift, reason = body.get("gift_id"), body.get("reason")
        if not isinstance(gift, str) or not 0 < len(gift) <= 100:
            raise WebhookError("The void names no gift_id.")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
            raise WebhookError("A void needs a reason of 1 to 200 characters.")
    else:
        payment = body.get("payment_id")
        if not isinstance(payment, str) or not payment.isdigit() or len(payment) > 40:
            raise WebhookError("The decision names no NOWPayments payment_id.")
    return ProviderEvent("kiosk", ref, str(event_type), body)


def _is_iso_time(value: object) -> bool:
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (JavaScript's JSON.parse refuses them), and
    # never a sensible amount of money.
    raise ValueError(f"{name} is not valid JSON")


def _load_object(payload: bytes, provider: str) -> dict[str, Any]:
    if not payload:
        raise WebhookError(f"The {provider} webhook body is empty.")
    if len(payload) > MAX_WEBHOOK_BYTES:
        raise WebhookError(f"The {provider} webhook body is larger than 1 MiB.")
    try:
        # Decimal, not float: these bodies carry amounts of money.
        body = json.loads(payload, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookError(f"The {provider} webhook body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise WebhookError(f"The {provider} webhook body is not a JSON object.")
    return body


# --- JavaScript's JSON.stringify, keys sorted recursively -------------------


def canonical_js(value: Any) -> str:
    """Serialise like `JSON.stringify` of a recursively key-sorted object.

    JSON.parse reads every number as a double, so integers and floats are
    formatted the way JavaScript prints a Number.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return js_number(float(value)) if isinstance(value, float) else js_number(value)
    if isinstance(value, str):
        return _js_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical_js(v) for v in value) + "]"
    if isinstance(value, dict):
        # JavaScript sorts keys by UTF-16 code units; for the BMP that is Python's order.
        # An object then lists array-index keys ("0", "7", "10") first, in numeric order,
        # whatever order they were added in; JSON.stringify follows that order.
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be", "surrogatepass"))
        items.sort(key=lambda kv: (0, int(kv[0])) if _is_array_index(kv[0]) else (1, 0))
        return "{" + ",".join(_js_string(k) + ":" + canonical_js(v) for k, v in items) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _js_string(text: str) -> str:
    """JSON.stringify of a string: raw UTF-8, lone surrogates escaped (ES2019)."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and (
        int(key) < 2**32 - 1)


def js_number(number: int | float) -> str:
    """ECMAScript Number::toString for the double nearest `number`."""
    try:
        x = float(number)
    except OverflowError:
        x = math.inf  # JSON.parse reads an integer this long as Infinity
    if math.isnan(x) or math.isinf(x):
        return "null"  # what JSON.stringify prints for them
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest round-trip digits, as ECMAScript requires.
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = int(exp_text or 0) + len(whole) - (len(whole + frac) - len((whole + frac).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    # n: the position of the decimal point relative to the digits (ECMAScript's n).
    k, n = len(digits), exponent
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp_part = f"e{'+' if e >= 0 else '-'}{abs(e)}"
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + exp_part
    return sign + text
