"""The Stripe half of the sandbox: Checkout Sessions, events and signed webhooks.

Only what the kiosk uses, validated as strictly as Stripe at API version
2026-10-28: form-encoded bodies with nested keys, Bearer auth with the
sandbox's secret key, idempotency keys, Stripe's error body and status codes
(so the official SDK raises the matching `stripe.*Error`).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import SandboxError, json_response, with_fault
from backend.sandbox.delivery import Deliverer
from backend.sandbox.state import SandboxState, random_token
from backend.sandbox.stripe_payments import stripe_id
from backend.webhooks import stripe_signature_header

API_VERSION = "2026-10-28.endive"
MAX_AMOUNT = 99_999_999
MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 60 * 60

# Stripe's minimum charge per currency, in minor units (docs: "Minimum and
# maximum charge amounts"). Only these currencies are accepted.
CURRENCY_MINIMUMS: dict[str, int] = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}
ZERO_DECIMAL = frozenset({"jpy"})
SUBMIT_TYPES = ("auto", "book", "donate", "pay", "subscribe")
LOCALES = frozenset({
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil",
    "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl",
    "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
})
EVENT_TYPES = ("checkout.session.completed", "checkout.session.expired", "charge.refunded")


# --- errors -----------------------------------------------------------------


def _checkout_fragment() -> str:
    """Real Checkout URLs carry a ~300-character fragment after the session id
    (~350-450 characters in all); the demo's QR codes must be as dense as real ones."""
    return "fid" + random_token(300)


class StripeApiError(Exception):
    def __init__(
        self, message: str, *, status: int = 400, param: str | None = None,
        code: str | None = None, type_: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status, self.param, self.code, self.type = status, param, code, type_

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": str(self)}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error["request_log_url"] = None
        return {"error": error}


def resource_missing(kind: str, ident: object, param: str) -> StripeApiError:
    """Stripe's 404 for an id it does not know: "No such invoice: 'in_…'"."""
    return StripeApiError(f"No such {kind}: '{ident}'", status=404, param=param,
                          code="resource_missing")


def _missing(param: str) -> StripeApiError:
    return StripeApiError(f"Missing required param: {param}.", param=param,
                          code="parameter_missing")


def _unknown(param: str, hint: str = "") -> StripeApiError:
    return StripeApiError(f"Received unknown parameter: {param}{hint}", param=param,
                          code="parameter_unknown")


def fault_response(status: int, kind: str) -> Response:
    if kind == "rate_limit":
        err = StripeApiError(
            "Too many requests hit the API too quickly. We recommend an exponential backoff "
            "of your requests.", status=429, code="rate_limit")
    elif kind == "down":
        err = StripeApiError("Stripe is temporarily unavailable (sandbox fault: down).",
                             status=503, type_="api_error")
    else:
        err = StripeApiError("An unknown error occurred (sandbox fault: error500).",
                             status=500, type_="api_error")
    return json_response(err.body(), err.status, {"Request-Id": _request_id()})


def _request_id() -> str:
    return "req_" + random_token(14)


# --- form parsing -----------------------------------------------------------

# The accepted parameter tree. "S": a string leaf; "MAP": a one-level string
# map (metadata); _List(x): an indexed list of x; dict: nested fields.


@dataclass(frozen=True)
class _List:
    item: Any


_PRODUCT_DATA = {"name": "S", "description": "S", "metadata": "MAP"}
_LINE_ITEM = {
    "quantity": "S",
    "price_data": {"currency": "S", "unit_amount": "S", "product_data": _PRODUCT_DATA,
                   "recurring": {"interval": "S", "interval_count": "S"}},
}
CREATE_SPEC: dict[str, Any] = {
    "mode": "S", "success_url": "S", "cancel_url": "S", "submit_type": "S",
    "client_reference_id": "S", "expires_at": "S", "customer_email": "S", "locale": "S",
    "metadata": "MAP",
    "line_items": _List(_LINE_ITEM),
    "allowed_payment_method_types": _List("S"),
    "excluded_payment_method_types": _List("S"),
    "payment_intent_data": {
        "description": "S", "receipt_email": "S", "statement_descriptor": "S",
        "statement_descriptor_suffix": "S", "capture_method": "S",
        "setup_future_usage": "S", "metadata": "MAP",
    },
    "subscription_data": {"metadata": "MAP", "description": "S"},
    "expand": _List("S"),
}
RETRIEVE_SPEC: dict[str, Any] = {"expand": _List("S")}
LIST_INVOICE_PAYMENTS_SPEC: dict[str, Any] = {
    "invoice": "S", "status": "S", "limit": "S", "starting_after": "S", "ending_before": "S",
    "payment": {"type": "S", "payment_intent": "S", "payment_record": "S"},
    "created": {"gt": "S", "gte": "S", "lt": "S", "lte": "S"}, "expand": _List("S"),
}
LIST_EVENTS_SPEC: dict[str, Any] = {
    "limit": "S", "starting_after": "S", "ending_before": "S", "type": "S",
    "types": _List("S"), "delivery_success": "S", "expand": _List("S"),
    "created": {"gt": "S", "gte": "S", "lt": "S", "lte": "S"},
}

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _param_name(path: list[str]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


def parse_form(pairs: list[tuple[str, str]], spec: dict[str, Any]) -> dict[str, Any]:
    """Form pairs with Stripe's nested keys → nested dicts/lists, checked against `spec`."""
    tree: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY_RE.match(key)
        if not match:
            raise StripeApiError(f"Invalid parameter name: {key}", param=key)
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = tree
        for depth, seg in enumerate(path[:-1]):
            if seg == "":
                seg = str(len(node))
            child = node.setdefault(seg, {})
            if not isinstance(child, dict):
                raise StripeApiError(
                    f"Invalid object: {_param_name(path[: depth + 1])} cannot be both a "
                    "value and a hash.", param=_param_name(path[: depth + 1]))
            node = child
        last = path[-1] if path[-1] != "" else str(len(node))
        if isinstance(node.get(last), dict):
            raise StripeApiError(f"Invalid object: {key} cannot be both a value and a hash.",
                                 param=key)
        node[last] = value
    checked: dict[str, Any] = _check(tree, spec, [])
    return checked


def _check(value: Any, spec: Any, path: list[str]) -> Any:
    name = _param_name(path) if path else ""
    if spec == "S":
        if not isinstance(value, str):
            raise StripeApiError(f"Invalid string: {name} must be a string, not a hash.",
                                 param=name, code="parameter_invalid_string")
        return value
    if spec == "MAP":
        if not isinstance(value, dict):
            raise StripeApiError(f"Invalid object: {name} must be a hash of strings.",
                                 param=name)
        for k, v in value.items():
            if not isinstance(v, str):
                raise StripeApiError(f"Invalid string: {name}[{k}] must be a string.",
                                     param=f"{name}[{k}]")
        return {k: v for k, v in value.items() if v != ""}
    if not isinstance(value, dict):
        raise StripeApiError(f"Invalid object: {name} must be a hash or an array.", param=name)
    if isinstance(spec, _List):
        if not all(k.isdigit() for k in value):
            raise StripeApiError(f"Invalid array: {name} must be an array.", param=name)
        return [_check(value[k], spec.item, [*path, k]) for k in sorted(value, key=int)]
    out: dict[str, Any] = {}
    for key, sub in value.items():
        if key not in spec:
            raise _unknown(_param_name([*path, key]))
        out[key] = _check(sub, spec[key], [*path, key])
    return out


def _as_int(value: str, param: str, *, minimum: int | None = None) -> int:
    if not re.fullmatch(r"-?\d+", value.strip()):
        raise StripeApiError(f"Invalid integer: {value}", param=param,
                             code="parameter_invalid_integer")
    number = int(value)
    if minimum is not None and number < minimum:
        raise StripeApiError(f"This value must be greater than or equal to {minimum}.",
                             param=param, code="parameter_invalid_integer")
    return number


def list_limit(params: dict[str, Any]) -> int:
    """A list endpoint's `limit`: 10 unless given, between 1 and 100 as Stripe allows."""
    if "limit" not in params:
        return 10
    limit = _as_int(params["limit"], "limit")
    if not 1 <= limit <= 100:
        raise StripeApiError("This value must be between 1 and 100.", param="limit",
                             code="parameter_invalid_integer")
    return limit


def _optional(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) and value != "" else None


def _check_metadata(metadata: dict[str, str], param: str) -> None:
    if len(metadata) > 50:
        raise StripeApiError("You can specify up to 50 keys in metadata.", param=param)
    for key, value in metadata.items():
        if len(key) > 40:
            raise StripeApiError(
                f"Metadata keys can have up to 40 characters; '{key}' has {len(key)}.",
                param=f"{param}[{key}]")
        if len(value) > 500:
            raise StripeApiError(
                f"Metadata values can have up to 500 characters, but you passed in a value "
                f"that is {len(value)} characters long.", param=f"{param}[{key}]")


def format_amount(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount // 100}.{amount % 100:02d} {currency.upper()}"


# --- the sandbox ------------------------------------------------------------

_Handler = Callable[[Request, bytes], tuple[Any, ...]]


@dataclass
class _SessionExtra:
    line_items: list[dict[str, Any]]
    payment_intent_metadata: dict[str, str] = field(default_factory=dict)


class StripeSandbox:
    """Sessions and events in memory, plus the routes that serve them."""

    def __init__(self, state: SandboxState, deliverer: Deliverer) -> None:
        self._state = state
        self._deliverer = deliverer
        self.reset()

    def reset(self) -> None:
        """Forget every session, event and idempotency key."""
        self._sessions: dict[str, dict[str, Any]] = {}
        self._extras: dict[str, _SessionExtra] = {}
        self._events: list[dict[str, Any]] = []
        self._event_index: dict[str, int] = {}
        # event id → None (not delivered or pending), True (delivered), False (gave up)
        self._delivery: dict[str, bool | None] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, int, dict[str, Any]]] = {}
        self._subscriptions: dict[str, dict[str, Any]] = {}
        if not hasattr(self, "terminal"):
            from backend.sandbox.stripe_payments import PaymentsSandbox
            from backend.sandbox.stripe_terminal import TerminalSandbox

            self.terminal = TerminalSandbox(self)
            self.payments = PaymentsSandbox(self)
        self.terminal.reset()
        self.payments.reset()

    # -- control (Python API and /_sandbox) ----------------------------------

    def session(self, session_id: str) -> dict[str, Any]:
        with self._state.lock:
            self._expire_due()
            session = self._sessions.get(session_id)
            if session is None:
                raise SandboxError(f"No such checkout.session: {session_id}", 404)
            return copy.deepcopy(session)

    def pay(self, session_id: str, webhook: bool = True) -> dict[str, Any]:
        with self._state.lock:
            session = self._open_session(session_id, "pay")
            extra = self._extras[session_id]
            if session["mode"] == "subscription":
                # Real ids: a subscription, an invoice and their PaymentIntent carry no
                # mode in their names (livemode says it), unlike a Checkout Session's.
                subscription, invoice_id = stripe_id("sub"), stripe_id("in")
                session.update(status="complete", payment_status="paid", url=None,
                               subscription=subscription, invoice=invoice_id)
                self._subscriptions[subscription] = {
                    "id": subscription, "object": "subscription", "status": "active",
                    "livemode": False, "metadata": dict(extra.payment_intent_metadata),
                    "amount": session["amount_total"], "currency": session["currency"]}
                session["customer_details"] = {"email": session.get("customer_email")}
                # In subscription mode the session has no PaymentIntent of its own: the
                # first invoice's pays, and only its InvoicePayment says so.
                invoice = self._invoice(subscription, invoice_id, "subscription_create")
                paid_with = self.payments.pay_invoice(invoice)
                self._emit("checkout.session.completed", session, webhook)
                self._emit("invoice.paid", invoice, webhook)
                self._emit("invoice_payment.paid", paid_with, webhook)
                return copy.deepcopy(session)
            session.update(status="complete", payment_status="paid", url=None,
                           payment_intent="pi_test_" + random_token(24))
            self.payments.record(session["payment_intent"], session["amount_total"],
                                 session["currency"], metadata=extra.payment_intent_metadata,
                                 charge_id="ch_test_" + random_token(24))
            session["customer_details"] = {"email": session.get("customer_email")}
            self._emit("checkout.session.completed", session, webhook)
            return copy.deepcopy(session)

    def _invoice(self, subscription: str, invoice_id: str, reason: str) -> dict[str, Any]:
        sub = self._subscriptions[subscription]
        now = int(self._state.now())
        # Since API 2025-03-31 an invoice names its subscription under `parent`, and its
        # payment only through an InvoicePayment (`payments`, when expanded).
        return {"id": invoice_id, "object": "invoice", "amount_due": sub["amount"],
                "amount_paid": sub["amount"], "amount_remaining": 0,
                "billing_reason": reason, "collection_method": "charge_automatically",
                "created": now, "currency": sub["currency"], "livemode": False,
                "status": "paid", "status_transitions": {"finalized_at": now, "paid_at": now},
                "parent": {"type": "subscription_details", "subscription_details": {
                    "subscription": subscription, "metadata": dict(sub["metadata"])}}}

    def renew_subscription(self, subscription: str, webhook: bool = True) -> dict[str, Any]:
        """A month has passed: the next invoice of a monthly gift is paid."""
        with self._state.lock:
            sub = self._subscriptions.get(subscription)
            if sub is None or sub["status"] != "active":
                raise SandboxError(f"No active subscription {subscription}.", 409)
            invoice = self._invoice(subscription, stripe_id("in"), "subscription_cycle")
            paid_with = self.payments.pay_invoice(invoice)
            self._emit("invoice.paid", invoice, webhook)
            self._emit("invoice_payment.paid", paid_with, webhook)
            return copy.deepcopy(invoice)

    def cancel_subscription(self, subscription: str, webhook: bool = True) -> dict[str, Any]:
        with self._state.lock:
            sub = self._subscriptions.get(subscription)
            if sub is None:
                raise SandboxError(f"No subscription {subscription}.", 404)
            sub["status"] = "canceled"
            self._emit("customer.subscription.deleted", sub, webhook)
            return copy.deepcopy(sub)

    def expire(self, session_id: str, webhook: bool = True) -> dict[str, Any]:
        with self._state.lock:
            session = self._open_session(session_id, "expire")
            self._do_expire(session, webhook)
            return copy.deepcopy(session)

    def refund(self, session_id: str, webhook: bool = True, amount: int | None = None
               ) -> dict[str, Any]:
        """Refund a paid session's payment (a monthly gift's: its first month), in full or
        `amount` of it; returns the refunded charge. Invoices and PaymentIntents: `payments`."""
        if not session_id.startswith("cs_"):
            raise SandboxError(f"No such checkout.session: {session_id}", 404)
        return self.payments.refund(session_id, amount, webhook)

    def dispute(self, session_id: str, webhook: bool = True, amount: int | None = None
                ) -> dict[str, Any]:
        """The donor's bank disputes a paid session's payment; returns the dispute."""
        if not session_id.startswith("cs_"):
            raise SandboxError(f"No such checkout.session: {session_id}", 404)
        return self.payments.dispute(session_id, amount, webhook=webhook)

    def events(self) -> list[dict[str, Any]]:
        with self._state.lock:
            self._expire_due()
            return [self._event_view(e) for e in self._events]

    def _open_session(self, session_id: str, action: str) -> dict[str, Any]:
        self._expire_due()
        session = self._sessions.get(session_id)
        if session is None:
            raise SandboxError(f"No such checkout.session: {session_id}", 404)
        if session["status"] != "open":
            raise SandboxError(
                f"Cannot {action} checkout session {session_id}: it is {session['status']}.", 409)
        return session

    def _do_expire(self, session: dict[str, Any], webhook: bool) -> None:
        session.update(status="expired", url=None)
        self._emit("checkout.session.expired", session, webhook)

    def _expire_due(self) -> None:
        now = self._state.now()
        for session in self._sessions.values():
            if session["status"] == "open" and session["expires_at"] <= now:
                self._do_expire(session, webhook=True)

    def _emit(self, type_: str, obj: dict[str, Any], webhook: bool) -> None:
        event_id = "evt_test_" + random_token(24)
        event: dict[str, Any] = {
            "id": event_id,
            "object": "event",
            "api_version": API_VERSION,
            "created": int(self._state.now()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self._event_index[event_id] = len(self._events)
        self._events.append(event)
        self._delivery[event_id] = None
        url = self._state.config.stripe_webhook_url
        if not webhook or not url:
            return
        body = json.dumps(event, indent=2).encode()
        secret = self._state.config.stripe_webhook_secret

        def headers(payload: bytes) -> dict[str, str]:
            return {"Stripe-Signature": stripe_signature_header(payload, secret, int(time.time()))}

        def done(success: bool) -> None:
            with self._state.lock:
                self._delivery[event_id] = success

        self._deliverer.enqueue("stripe", url, event_id, body, headers, done)
        self._delivery[event_id] = None
        event["pending_webhooks"] = 1

    def _event_view(self, event: dict[str, Any]) -> dict[str, Any]:
        view = copy.deepcopy(event)
        if self._delivery.get(event["id"]) is not None:
            view["pending_webhooks"] = 0
        return view

    # -- HTTP ------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        def api(handler: _Handler) -> Any:
            return with_fault(self._state, "stripe", self._wrap(handler), fault_response)

        return [
            Route("/v1/checkout/sessions", api(self._create_session), methods=["POST"]),
            Route("/v1/checkout/sessions/{id}", api(self._retrieve_session), methods=["GET"]),
            Route("/v1/checkout/sessions/{id}/expire", api(self._expire_session),
                  methods=["POST"]),
            Route("/v1/events", api(self._list_events), methods=["GET"]),
            Route("/v1/events/{id}", api(self._retrieve_event), methods=["GET"]),
            *self.payments.routes(api),
            *self.terminal.routes(api),
        ]

    def _wrap(self, handler: _Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            request_id = _request_id()
            headers = {"Request-Id": request_id,
                       "Stripe-Version": request.headers.get("stripe-version", API_VERSION)}
            try:
                self._authenticate(request)
                body = await request.body()
                result = handler(request, body)
                status, payload, extra = result if len(result) == 3 else (*result, {})
                headers.update(extra)
                return json_response(payload, status, headers)
            except StripeApiError as exc:
                return json_response(exc.body(), exc.status, headers)

        return endpoint

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        key = ""
        if scheme.lower() == "bearer":
            key = credentials.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(credentials).decode().partition(":")[0]
            except ValueError:
                key = ""
        if not key:
            raise StripeApiError(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').", status=401)
        if key.startswith(("sk_live_", "rk_live_", "pk_live_")):
            raise StripeApiError(
                "This is a test-mode sandbox: live mode keys (sk_live_, rk_live_) are refused.",
                status=401)
        if key.startswith("pk_"):
            raise StripeApiError(
                "This API call cannot be made with a publishable API key. Please use a secret "
                "API key.", status=401)
        if key != self._state.config.stripe_secret_key:
            raise StripeApiError(f"Invalid API Key provided: {key[:8]}****{key[-4:]}",
                                 status=401)
        return key

    def _create_session(self, request: Request, body: bytes) -> tuple[Any, ...]:
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        for key, _ in pairs:
            if key == "payment_method_types" or key.startswith("payment_method_types["):
                raise _unknown(
                    "payment_method_types",
                    ". payment_method_types is not accepted at API version 2026-10-28: "
                    "configure payment methods in the Dashboard, or use "
                    "allowed_payment_method_types / excluded_payment_method_types.")
        idem_key = request.headers.get("idempotency-key")
        fingerprint = "POST /v1/checkout/sessions?" + json.dumps(sorted(pairs))
        auth = request.headers.get("authorization", "")
        with self._state.lock:
            if idem_key:
                saved = self._idempotency.get((auth, idem_key))
                if saved is not None:
                    if saved[0] != fingerprint:
                        raise StripeApiError(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other "
                            f"than '{idem_key}' if you meant to execute a different request.",
                            type_="idempotency_error")
                    return saved[1], copy.deepcopy(saved[2]), {
                        "Idempotency-Key": idem_key, "Idempotent-Replayed": "true"}
            params = parse_form(pairs, CREATE_SPEC)
            session = self._new_session(params)
            if idem_key:
                self._idempotency[(auth, idem_key)] = (fingerprint, 200, copy.deepcopy(session))
            return 200, session, ({"Idempotency-Key": idem_key} if idem_key else {})

    def _new_session(self, params: dict[str, Any]) -> dict[str, Any]:
        now = int(self._state.now())
        mode = _optional(params, "mode")
        if mode is None:
            raise _missing("mode")
        if mode not in ("payment", "subscription"):
            if mode == "setup":
                raise StripeApiError("The sandbox supports mode=payment and subscription, "
                                     "not setup.", param="mode")
            raise StripeApiError(
                f"Invalid mode: must be one of payment, setup, or subscription ({mode!r}).",
                param="mode")
        line_items: list[dict[str, Any]] = params.get("line_items") or []
        if not line_items:
            raise _missing("line_items")
        currency: str | None = None
        total = 0
        items_out = []
        for i, item in enumerate(line_items):
            prefix = f"line_items[{i}]"
            price_data = item.get("price_data")
            if price_data is None:
                raise _missing(f"{prefix}[price_data]")
            cur = _optional(price_data, "currency")
            if cur is None:
                raise _missing(f"{prefix}[price_data][currency]")
            cur = cur.lower()
            if cur not in CURRENCY_MINIMUMS:
                raise StripeApiError(f"Invalid currency: {cur}.",
                                     param=f"{prefix}[price_data][currency]")
            if currency is not None and cur != currency:
                raise StripeApiError("All line items must use the same currency.",
                                     param=f"{prefix}[price_data][currency]")
            currency = cur
            amount_text = _optional(price_data, "unit_amount")
            if amount_text is None:
                raise _missing(f"{prefix}[price_data][unit_amount]")
            unit_amount = _as_int(amount_text, f"{prefix}[price_data][unit_amount]", minimum=0)
            product = price_data.get("product_data")
            name = _optional(product, "name") if product else None
            if name is None:
                raise _missing(f"{prefix}[price_data][product_data][name]")
            if product and "metadata" in product:
                _check_metadata(product["metadata"],
                                f"{prefix}[price_data][product_data][metadata]")
            recurring = price_data.get("recurring")
            if mode == "subscription":
                interval = _optional(recurring or {}, "interval")
                if interval not in ("day", "week", "month", "year"):
                    raise StripeApiError(
                        "In subscription mode every line item needs a recurring price "
                        "(price_data[recurring][interval]).",
                        param=f"{prefix}[price_data][recurring][interval]")
            elif recurring:
                raise StripeApiError(
                    "You specified `payment` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    param=f"{prefix}[price_data][recurring]")
            qty_text = _optional(item, "quantity")
            if qty_text is None:
                raise _missing(f"{prefix}[quantity]")
            quantity = _as_int(qty_text, f"{prefix}[quantity]", minimum=1)
            if unit_amount > MAX_AMOUNT:
                raise StripeApiError(
                    f"This value must be less than or equal to {MAX_AMOUNT} "
                    f"(at most eight digits of {cur} minor units).",
                    param=f"{prefix}[price_data][unit_amount]", code="amount_too_large")
            total += unit_amount * quantity
            items_out.append({"name": name, "unit_amount": unit_amount, "quantity": quantity,
                              "description": product.get("description") if product else None})
        assert currency is not None
        amount_param = "line_items[0][price_data][unit_amount]"
        if total < CURRENCY_MINIMUMS[currency]:
            raise StripeApiError(
                "The Checkout Session's total amount due must add up to at least "
                f"{format_amount(CURRENCY_MINIMUMS[currency], currency)}.",
                param=amount_param, code="amount_too_small")
        if total > MAX_AMOUNT:
            raise StripeApiError(
                f"The Checkout Session's total amount due must be no more than "
                f"{format_amount(MAX_AMOUNT, currency)}.", param=amount_param,
                code="amount_too_large")
        success_url = _optional(params, "success_url")
        if success_url is None:
            raise _missing("success_url")
        cancel_url = _optional(params, "cancel_url")
        if cancel_url is None:
            raise _missing("cancel_url")
        for param, url in (("success_url", success_url), ("cancel_url", cancel_url)):
            if not re.match(r"^https?://[^\s/]+", url):
                raise StripeApiError(f"Not a valid URL: {param}.", param=param,
                                     code="url_invalid")
        submit_type = _optional(params, "submit_type")
        if submit_type is not None and submit_type not in SUBMIT_TYPES:
            raise StripeApiError(
                f"Invalid submit_type: must be one of {', '.join(SUBMIT_TYPES)}.",
                param="submit_type")
        expires_at = now + MAX_EXPIRY
        expires_text = _optional(params, "expires_at")
        if expires_text is not None:
            expires_at = _as_int(expires_text, "expires_at")
            if expires_at - now < MIN_EXPIRY:
                raise StripeApiError(
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.", param="expires_at")
            if expires_at - now > MAX_EXPIRY:
                raise StripeApiError(
                    "The `expires_at` timestamp must be less than 24 hours from Checkout "
                    "Session creation.", param="expires_at")
        metadata: dict[str, str] = params.get("metadata", {})
        _check_metadata(metadata, "metadata")
        client_reference_id = _optional(params, "client_reference_id")
        if client_reference_id is not None and len(client_reference_id) > 200:
            raise StripeApiError("client_reference_id can have up to 200 characters.",
                                 param="client_reference_id")
        email = _optional(params, "customer_email")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise StripeApiError(f"Invalid email address: {email}", param="customer_email",
                                 code="email_invalid")
        locale = _optional(params, "locale")
        if locale is not None and locale not in LOCALES:
            raise StripeApiError(f"Invalid locale: {locale}", param="locale")
        allowed = params.get("allowed_payment_method_types")
        excluded = params.get("excluded_payment_method_types")
        if allowed and excluded:
            raise StripeApiError(
                "You cannot pass both allowed_payment_method_types and "
                "excluded_payment_method_types.", param="excluded_payment_method_types")
        pi_data: dict[str, Any] = params.get("payment_intent_data", {})
        if mode == "subscription" and pi_data:
            raise StripeApiError("payment_intent_data can only be used in payment mode; use "
                                 "subscription_data.", param="payment_intent_data")
        if mode == "subscription" and submit_type is not None:
            raise StripeApiError("submit_type can only be used in payment mode.",
                                 param="submit_type")
        sub_data: dict[str, Any] = params.get("subscription_data", {})
        if mode == "payment" and sub_data:
            raise StripeApiError("subscription_data can only be used in subscription mode.",
                                 param="subscription_data")
        pi_metadata: dict[str, str] = pi_data.get("metadata", {}) or sub_data.get("metadata", {})
        _check_metadata(pi_metadata, "payment_intent_data[metadata]")
        session_id = "cs_test_" + random_token(58)
        session: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "allowed_payment_method_types": allowed,
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "created": now,
            "currency": currency,
            "customer": None,
            "customer_details": None,
            "customer_email": email,
            "excluded_payment_method_types": excluded,
            "expires_at": expires_at,
            "livemode": False,
            "locale": locale,
            "metadata": dict(metadata),
            "mode": mode,
            "payment_intent": None,
            "invoice": None,
            "subscription": None,
            "payment_status": "unpaid",
            "status": "open",
            "submit_type": submit_type,
            "success_url": success_url,
            "url": f"{self._state.public_base()}/checkout/{session_id}#{_checkout_fragment()}",
        }
        self._sessions[session_id] = session
        self._extras[session_id] = _SessionExtra(items_out, dict(pi_metadata))
        return copy.deepcopy(session)

    def line_items(self, session_id: str) -> list[dict[str, Any]]:
        with self._state.lock:
            extra = self._extras.get(session_id)
            return copy.deepcopy(extra.line_items) if extra else []

    def _retrieve_session(self, request: Request, body: bytes) -> tuple[Any, ...]:
        parse_form(parse_qsl(request.url.query, keep_blank_values=True), RETRIEVE_SPEC)
        session_id = request.path_params["id"]
        with self._state.lock:
            self._expire_due()
            session = self._sessions.get(session_id)
            if session is None:
                raise resource_missing("checkout.session", session_id, "session")
            return 200, copy.deepcopy(session)

    def _expire_session(self, request: Request, body: bytes) -> tuple[Any, ...]:
        session_id = request.path_params["id"]
        with self._state.lock:
            self._expire_due()
            session = self._sessions.get(session_id)
            if session is None:
                raise resource_missing("checkout.session", session_id, "session")
            if session["status"] != "open":
                raise StripeApiError(
                    f"Only Checkout Sessions with a status of 'open' can be expired; this one "
                    f"is '{session['status']}'.")
            self._do_expire(session, webhook=True)
            return 200, copy.deepcopy(session)

    def _retrieve_event(self, request: Request, body: bytes) -> tuple[Any, ...]:
        event_id = request.path_params["id"]
        with self._state.lock:
            self._expire_due()
            index = self._event_index.get(event_id)
            if index is None:
                raise resource_missing("event", event_id, "id")
            return 200, self._event_view(self._events[index])

    def _list_events(self, request: Request, body: bytes) -> tuple[Any, ...]:
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        # `created` is either an integer or a hash of bounds.
        exact = [v for k, v in pairs if k == "created"]
        params = parse_form([(k, v) for k, v in pairs if k != "created"], LIST_EVENTS_SPEC)
        limit = list_limit(params)
        patterns: list[str] = []
        if _optional(params, "type"):
            patterns.append(params["type"])
        if params.get("types"):
            if patterns:
                raise StripeApiError("You may only specify one of these parameters: type, "
                                     "types.", param="types")
            patterns.extend(params["types"])
        delivery: bool | None = None
        if "delivery_success" in params:
            text = params["delivery_success"]
            if text not in ("true", "false"):
                raise StripeApiError(f"Invalid boolean: {text}", param="delivery_success",
                                     code="parameter_invalid_boolean")
            delivery = text == "true"
        bounds = {op: _as_int(v, f"created[{op}]")
                  for op, v in params.get("created", {}).items() if v != ""}
        if exact and exact[-1] != "":
            bounds["eq"] = _as_int(exact[-1], "created")
        starting_after = _optional(params, "starting_after")
        ending_before = _optional(params, "ending_before")
        if starting_after and ending_before:
            raise StripeApiError("You may only specify one of these parameters: "
                                 "ending_before, starting_after.", param="ending_before")

        def matches(event: dict[str, Any]) -> bool:
            if patterns and not any(_type_matches(p, event["type"]) for p in patterns):
                return False
            if delivery is not None and (self._delivery.get(event["id"]) is True) != delivery:
                return False
            c = event["created"]
            return all(_compare(op, c, v) for op, v in bounds.items())

        with self._state.lock:
            self._expire_due()
            for name, cursor in (("starting_after", starting_after),
                                 ("ending_before", ending_before)):
                if cursor and cursor not in self._event_index:
                    raise resource_missing("event", cursor, name)
            # Stripe lists newest first; the cursors page towards older / newer events.
            indexed = list(enumerate(self._events))
            if starting_after:
                pivot = self._event_index[starting_after]
                older = [e for i, e in reversed(indexed) if i < pivot and matches(e)]
                page, has_more = older[:limit], len(older) > limit
            elif ending_before:
                pivot = self._event_index[ending_before]
                newer = [e for i, e in reversed(indexed) if i > pivot and matches(e)]
                page, has_more = newer[-limit:], len(newer) > limit
            else:
                every = [e for _, e in reversed(indexed) if matches(e)]
                page, has_more = every[:limit], len(every) > limit
            data = [self._event_view(e) for e in page]
        return 200, {"object": "list", "data": data, "has_more": has_more, "url": "/v1/events"}


def _type_matches(pattern: str, event_type: str) -> bool:
    if pattern.endswith("*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def _compare(op: str, value: int, bound: int) -> bool:
    return {
        "gt": value > bound, "gte": value >= bound, "lt": value < bound,
        "lte": value <= bound, "eq": value == bound,
    }[op]
