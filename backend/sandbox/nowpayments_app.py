"""The NOWPayments half of the sandbox: payments, invoices, estimates and IPNs.

Exchange rates are fixed and documented (`USD_RATES`) so tests can compute the
expected crypto amounts; all arithmetic is `Decimal`. Field types differ by
endpoint on purpose, as they do in the real API: `payment_id` is a JSON number
when a payment is created and in IPNs, a string from `GET /v1/payment/{id}`.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import (
    SandboxError,
    decimal_text,
    dumps,
    json_response,
    with_fault,
)
from backend.sandbox.delivery import Deliverer
from backend.sandbox.state import SandboxState, iso_millis, random_token
from backend.webhooks import nowpayments_signature


@dataclass(frozen=True)
class Coin:
    code: str
    usd: Decimal  # price of one coin in USD
    precision: int  # decimal places of pay_amount
    network: str


# The sandbox's fixed exchange rates. 1 BTC = 50,000 USD, and so on.
COINS: dict[str, Coin] = {c.code: c for c in (
    Coin("btc", Decimal("50000"), 8, "btc"),
    Coin("eth", Decimal("2500"), 8, "eth"),
    Coin("ltc", Decimal("80"), 8, "ltc"),
    Coin("xrp", Decimal("0.5"), 6, "xrp"),
    Coin("xlm", Decimal("0.1"), 7, "xlm"),
    Coin("usdttrc20", Decimal("1"), 6, "trx"),
)}
# Price currencies: the USD value of one unit.
FIAT_USD: dict[str, Decimal] = {
    "usd": Decimal("1"), "eur": Decimal("1.10"), "gbp": Decimal("1.25"),
    "cad": Decimal("0.75"), "aud": Decimal("0.65"), "chf": Decimal("1.10"),
}
# The smallest payment accepted, in USD, for every coin.
MIN_USD = Decimal("1")
# The service fee taken from what was paid (0.5 %), shown in IPNs as `fee`.
SERVICE_FEE = Decimal("0.005")
EXPIRATION_SECONDS = 20 * 60
STATUSES = ("waiting", "confirming", "confirmed", "sending", "partially_paid", "finished",
            "failed", "refunded", "expired")
PAID_STATUSES = ("confirming", "confirmed", "sending", "finished")

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_RIPPLE = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def quantize(value: Decimal, places: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def usd_value(currency: str) -> Decimal | None:
    if currency in COINS:
        return COINS[currency].usd
    return FIAT_USD.get(currency)


def min_amount(coin: Coin) -> Decimal:
    return quantize(MIN_USD / coin.usd, coin.precision, ROUND_UP)


def pay_amount_for(price: Decimal, price_currency: str, coin: Coin, fee_by_user: bool) -> Decimal:
    usd = price * FIAT_USD[price_currency]
    amount = usd / coin.usd
    if fee_by_user:
        amount = amount * (1 + SERVICE_FEE)
    return quantize(amount, coin.precision, ROUND_UP)


def address_for(coin: str) -> tuple[str, str | None]:
    """A plausible deposit address for `coin`, and its memo/tag when the coin needs one."""
    if coin == "btc":
        return "bc1q" + random_token(38, _BECH32), None
    if coin == "eth":
        return "0x" + secrets.token_hex(20), None
    if coin == "ltc":
        return "L" + random_token(33, _BASE58), None
    if coin == "xrp":
        return "r" + random_token(33, _RIPPLE), str(secrets.randbelow(4_000_000_000) + 1)
    if coin == "xlm":
        return "G" + random_token(55, _BASE32), str(secrets.randbelow(9 * 10**9) + 10**9)
    return "T" + random_token(33, _BASE58), None


class NowPaymentsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code

    def body(self) -> dict[str, Any]:
        return {"status": False, "statusCode": self.status, "code": self.code,
                "message": str(self)}


def _bad(message: str) -> NowPaymentsError:
    return NowPaymentsError(400, "INVALID_REQUEST_PARAMS", message)


def fault_response(status: int, kind: str) -> Response:
    code, message = {
        "rate_limit": ("TOO_MANY_REQUESTS", "Too many requests, please try again later"),
        "down": ("SERVICE_UNAVAILABLE", "Service temporarily unavailable (sandbox fault: down)"),
    }.get(kind, ("INTERNAL_ERROR", "Internal server error (sandbox fault: error500)"))
    return json_response(NowPaymentsError(status, code, message).body(), status)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise _bad(f'"{name}" must be a number')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _bad(f'"{name}" must be a number') from None
    if not number.is_finite() or number <= 0:
        raise _bad(f'"{name}" must be a positive number')
    return number


def _flag(value: Any, name: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise _bad(f'"{name}" must be a boolean')


def _text(body: dict[str, Any], name: str, limit: int = 500) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(f'"{name}" must be a string')
    if len(value) > limit:
        raise _bad(f'"{name}" length must be less than or equal to {limit} characters long')
    return value


def _url(body: dict[str, Any], name: str) -> str | None:
    value = _text(body, name, 2048)
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise _bad(f'"{name}" must be a valid uri')
    return value


class NowPaymentsSandbox:
    """Payments and invoices in memory, plus the routes that serve them."""

    def __init__(self, state: SandboxState, deliverer: Deliverer) -> None:
        self._state = state
        self._deliverer = deliverer
        self.reset()

    def reset(self) -> None:
        """Forget every payment and invoice."""
        self._payments: dict[int, dict[str, Any]] = {}
        self._invoices: dict[int, dict[str, Any]] = {}

    # -- control -----------------------------------------------------------------

    def payment(self, payment_id: int | str) -> dict[str, Any]:
        with self._state.lock:
            return self._public(self._get(payment_id), id_as_string=True)

    def invoice(self, invoice_id: int | str) -> dict[str, Any]:
        with self._state.lock:
            invoice = self._invoices.get(_int_id(invoice_id))
            if invoice is None:
                raise SandboxError(f"No such invoice: {invoice_id}", 404)
            return copy.deepcopy(invoice)

    def set_status(
        self, payment_id: int | str, status: str, actually_paid: Decimal | str | None = None,
        webhook: bool = True,
    ) -> dict[str, Any]:
        if status not in STATUSES:
            raise SandboxError(f"Unknown NOWPayments status {status!r}; use one of "
                               f"{', '.join(STATUSES)}.", 400)
        paid: Decimal | None = None
        if actually_paid is not None:
            try:
                paid = Decimal(str(actually_paid))
            except InvalidOperation:
                raise SandboxError(f"actually_paid is not a number: {actually_paid!r}") from None
            if not paid.is_finite() or paid < 0:
                raise SandboxError("actually_paid must be zero or more.")
        with self._state.lock:
            payment = self._get(payment_id)
            coin = COINS[payment["pay_currency"]]
            if paid is None:
                if status in PAID_STATUSES:
                    paid = payment["pay_amount"]
                elif status == "partially_paid":
                    paid = quantize(payment["pay_amount"] / 2, coin.precision)
                else:
                    paid = payment["actually_paid"]
            payment["payment_status"] = status
            payment["actually_paid"] = paid
            now = self._state.now()
            # Receivers deduplicate on (id, status, updated_at): every change moves it.
            payment["updated_at"] = max(now, payment["updated_at"] + 0.001)
            if webhook:
                self._send_ipn(payment)
            return self._public(payment, id_as_string=True)

    def pay_invoice(self, invoice_id: int | str, pay_currency: str | None = None,
                    webhook: bool = True) -> dict[str, Any]:
        """What a donor paying the hosted invoice does: a payment that finishes."""
        with self._state.lock:
            invoice = self._invoices.get(_int_id(invoice_id))
            if invoice is None:
                raise SandboxError(f"No such invoice: {invoice_id}", 404)
            coin = pay_currency or invoice["pay_currency"] or "btc"
            if coin not in COINS:
                raise SandboxError(f"Unknown coin {coin!r}.")
            payment = self._new_payment(
                Decimal(invoice["price_amount"]), invoice["price_currency"], COINS[coin],
                order_id=invoice["order_id"], order_description=invoice["order_description"],
                ipn_callback_url=invoice["ipn_callback_url"],
                fee_by_user=bool(invoice["is_fee_paid_by_user"]),
                fixed_rate=bool(invoice["is_fixed_rate"]), invoice_id=invoice["id_int"])
            invoice["payment_ids"].append(payment["payment_id"])
        return self.set_status(payment["payment_id"], "finished", webhook=webhook)

    def _get(self, payment_id: int | str) -> dict[str, Any]:
        payment = self._payments.get(_int_id(payment_id))
        if payment is None:
            raise SandboxError(f"No such payment: {payment_id}", 404)
        return payment

    # -- records -------------------------------------------------------------

    def _new_id(self, taken: dict[int, Any]) -> int:
        while True:
            candidate = 4_000_000_000 + secrets.randbelow(5_999_999_999)
            if candidate not in taken:
                return candidate

    def _new_payment(
        self, price: Decimal, price_currency: str, coin: Coin, *, order_id: str | None,
        order_description: str | None, ipn_callback_url: str | None, fee_by_user: bool,
        fixed_rate: bool, invoice_id: int | None = None,
    ) -> dict[str, Any]:
        now = self._state.now()
        address, extra_id = address_for(coin.code)
        payment: dict[str, Any] = {
            "payment_id": self._new_id(self._payments),
            "invoice_id": invoice_id,
            "parent_payment_id": None,
            "payment_status": "waiting",
            "pay_address": address,
            "payin_extra_id": extra_id,
            "price_amount": price,
            "price_currency": price_currency,
            "pay_amount": pay_amount_for(price, price_currency, coin, fee_by_user),
            "actually_paid": Decimal(0),
            "pay_currency": coin.code,
            "order_id": order_id,
            "order_description": order_description,
            "purchase_id": str(self._new_id({})),
            "ipn_callback_url": ipn_callback_url,
            "created_at": now,
            "updated_at": now,
            "expiration": now + EXPIRATION_SECONDS,
            "network": coin.network,
            "network_precision": coin.precision,
            "is_fixed_rate": fixed_rate,
            "is_fee_paid_by_user": fee_by_user,
        }
        self._payments[payment["payment_id"]] = payment
        return payment

    def _public(self, payment: dict[str, Any], *, id_as_string: bool) -> dict[str, Any]:
        coin = COINS[payment["pay_currency"]]
        paid: Decimal = payment["actually_paid"]
        outcome = quantize(paid * (1 - SERVICE_FEE), coin.precision) if paid else Decimal(0)
        return {
            "payment_id": str(payment["payment_id"]) if id_as_string else payment["payment_id"],
            "invoice_id": payment["invoice_id"],
            "payment_status": payment["payment_status"],
            "pay_address": payment["pay_address"],
            "payin_extra_id": payment["payin_extra_id"],
            "price_amount": payment["price_amount"],
            "price_currency": payment["price_currency"],
            "pay_amount": payment["pay_amount"],
            "actually_paid": paid,
            "pay_currency": payment["pay_currency"],
            "order_id": payment["order_id"],
            "order_description": payment["order_description"],
            "purchase_id": payment["purchase_id"],
            "outcome_amount": outcome,
            "outcome_currency": payment["pay_currency"],
            "created_at": iso_millis(payment["created_at"]),
            "updated_at": iso_millis(payment["updated_at"]),
            "expiration_estimate_date": iso_millis(payment["expiration"]),
            "network": payment["network"],
        }

    def ipn_body(self, payment: dict[str, Any]) -> dict[str, Any]:
        coin = COINS[payment["pay_currency"]]
        paid: Decimal = payment["actually_paid"]
        fiat = (paid * coin.usd / FIAT_USD[payment["price_currency"]]) if paid else Decimal(0)
        fee = quantize(paid * SERVICE_FEE, coin.precision) if paid else Decimal(0)
        return {
            "payment_id": payment["payment_id"],
            "parent_payment_id": payment["parent_payment_id"],
            "invoice_id": payment["invoice_id"],
            "payment_status": payment["payment_status"],
            "pay_address": payment["pay_address"],
            "payin_extra_id": payment["payin_extra_id"],
            "price_amount": payment["price_amount"],
            "price_currency": payment["price_currency"],
            "pay_amount": payment["pay_amount"],
            "actually_paid": paid,
            "actually_paid_at_fiat": quantize(fiat, 2),
            "pay_currency": payment["pay_currency"],
            "order_id": payment["order_id"],
            "order_description": payment["order_description"],
            "purchase_id": payment["purchase_id"],
            "outcome_amount": paid - fee,
            "outcome_currency": payment["pay_currency"],
            "payment_extra_ids": None,
            "fee": {"currency": payment["pay_currency"], "depositFee": Decimal(0),
                    "withdrawalFee": Decimal(0), "serviceFee": fee},
            "created_at": iso_millis(payment["created_at"]),
            "updated_at": iso_millis(payment["updated_at"]),
        }

    def _send_ipn(self, payment: dict[str, Any]) -> None:
        url = payment["ipn_callback_url"] or self._state.config.nowpayments_ipn_url
        if not url:
            return
        body = dumps(self.ipn_body(payment)).encode()
        secret = self._state.config.nowpayments_ipn_secret
        signature = nowpayments_signature(body, secret)
        dedup = f"{payment['payment_id']}:{payment['payment_status']}:" \
                f"{iso_millis(payment['updated_at'])}"
        self._deliverer.enqueue("nowpayments", url, dedup, body,
                                lambda _payload: {"x-nowpayments-sig": signature})

    # -- HTTP ------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        def api(handler: Callable[[Request, bytes], Any], key: bool = True) -> Any:
            return with_fault(self._state, "nowpayments", self._wrap(handler, key),
                              fault_response)

        return [
            Route("/v1/status", api(self._status, key=False), methods=["GET"]),
            Route("/v1/currencies", api(self._currencies), methods=["GET"]),
            Route("/v1/min-amount", api(self._min_amount), methods=["GET"]),
            Route("/v1/estimate", api(self._estimate), methods=["GET"]),
            Route("/v1/payment", api(self._create_payment), methods=["POST"]),
            Route("/v1/payment/", api(self._list_payments), methods=["GET"]),
            Route("/v1/payment/{id}", api(self._get_payment), methods=["GET"]),
            Route("/v1/invoice", api(self._create_invoice), methods=["POST"]),
        ]

    def _wrap(self, handler: Callable[[Request, bytes], Any], key: bool) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                if key and request.headers.get("x-api-key") != \
                        self._state.config.nowpayments_api_key:
                    raise NowPaymentsError(403, "INVALID_API_KEY", "Invalid api key")
                body = await request.body()
                status, payload = handler(request, body)
                return json_response(payload, status)
            except NowPaymentsError as exc:
                return json_response(exc.body(), exc.status)

        return endpoint

    def _status(self, request: Request, body: bytes) -> tuple[int, Any]:
        return 200, {"message": "OK"}

    def _currencies(self, request: Request, body: bytes) -> tuple[int, Any]:
        return 200, {"currencies": list(COINS)}

    def _coin(self, code: str | None, name: str) -> Coin:
        if not code:
            raise _bad(f'"{name}" is required')
        coin = COINS.get(code.lower())
        if coin is None:
            raise _bad(f'"{name}" {code} is not a supported currency (sandbox coins: '
                       f'{", ".join(COINS)})')
        return coin

    def _min_amount(self, request: Request, body: bytes) -> tuple[int, Any]:
        query = request.query_params
        coin = self._coin(query.get("currency_from"), "currency_from")
        to = query.get("currency_to") or coin.code
        if to.lower() not in COINS:
            self._coin(to, "currency_to")
        amount = min_amount(coin)
        result: dict[str, Any] = {"currency_from": coin.code, "currency_to": to.lower(),
                                  "min_amount": amount}
        fiat = (query.get("fiat_equivalent") or "").lower()
        if fiat:
            if fiat not in FIAT_USD:
                raise _bad('"fiat_equivalent" is not a supported fiat currency')
            result["fiat_equivalent"] = quantize(amount * coin.usd / FIAT_USD[fiat], 2)
        return 200, result

    def _estimate(self, request: Request, body: bytes) -> tuple[int, Any]:
        query = request.query_params
        amount = _decimal(query.get("amount"), "amount") if query.get("amount") else None
        if amount is None:
            raise _bad('"amount" is required')
        src = (query.get("currency_from") or "").lower()
        dst = (query.get("currency_to") or "").lower()
        src_usd, dst_usd = usd_value(src), usd_value(dst)
        if src_usd is None:
            raise _bad(f'"currency_from" {src or "(missing)"} is not supported')
        if dst_usd is None:
            raise _bad(f'"currency_to" {dst or "(missing)"} is not supported')
        places = COINS[dst].precision if dst in COINS else 2
        estimated = quantize(amount * src_usd / dst_usd, places)
        return 200, {"currency_from": src, "amount_from": amount, "currency_to": dst,
                     "estimated_amount": estimated}

    def _json(self, body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body or b"null", parse_float=Decimal)
        except ValueError:
            raise _bad("Request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _bad("Request body must be a JSON object")
        return data

    def _price(self, data: dict[str, Any]) -> tuple[Decimal, str]:
        if data.get("price_amount") is None:
            raise _bad('"price_amount" is required')
        price = _decimal(data["price_amount"], "price_amount")
        currency = data.get("price_currency")
        if not currency:
            raise _bad('"price_currency" is required')
        if not isinstance(currency, str) or currency.lower() not in FIAT_USD:
            raise _bad(f'"price_currency" {currency} is not supported (sandbox fiat: '
                       f'{", ".join(FIAT_USD)})')
        return price, currency.lower()

    def _check_minimum(self, price: Decimal, currency: str, coin: Coin) -> None:
        if price * FIAT_USD[currency] < MIN_USD:
            raise NowPaymentsError(
                400, "AMOUNT_MINIMAL_ERROR",
                f"amountTo is too small: the minimum for {coin.code} is "
                f"{decimal_min_text(coin)} {coin.code} (about {MIN_USD} usd)")

    def _create_payment(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json(body)
        known = {"price_amount", "price_currency", "pay_currency", "pay_amount", "order_id",
                 "order_description", "ipn_callback_url", "is_fixed_rate",
                 "is_fee_paid_by_user", "payout_address", "payout_currency",
                 "payout_extra_id", "purchase_id", "case"}
        for name in data:
            if name not in known:
                raise _bad(f'"{name}" is not allowed')
        price, currency = self._price(data)
        pay = data.get("pay_currency")
        coin = self._coin(pay if isinstance(pay, str) else None, "pay_currency")
        self._check_minimum(price, currency, coin)
        with self._state.lock:
            payment = self._new_payment(
                price, currency, coin, order_id=_text(data, "order_id"),
                order_description=_text(data, "order_description"),
                ipn_callback_url=_url(data, "ipn_callback_url"),
                fee_by_user=_flag(data.get("is_fee_paid_by_user"), "is_fee_paid_by_user"),
                fixed_rate=_flag(data.get("is_fixed_rate"), "is_fixed_rate"))
            public = self._public(payment, id_as_string=False)
        public.pop("actually_paid")
        public.update(
            ipn_callback_url=payment["ipn_callback_url"], amount_received=None,
            smart_contract=None, network_precision=coin.precision, time_limit=None,
            burning_percent=None, is_fixed_rate=payment["is_fixed_rate"],
            is_fee_paid_by_user=payment["is_fee_paid_by_user"], type="crypto2crypto")
        return 201, public

    def _get_payment(self, request: Request, body: bytes) -> tuple[int, Any]:
        raw = request.path_params["id"]
        with self._state.lock:
            payment = self._payments.get(_int_id(raw)) if raw.isdigit() else None
            if payment is None:
                raise NowPaymentsError(404, "PAYMENT_NOT_FOUND", f"Payment {raw} not found")
            return 200, self._public(payment, id_as_string=True)

    def _list_payments(self, request: Request, body: bytes) -> tuple[int, Any]:
        query = request.query_params
        invoice = query.get("invoiceId")
        try:
            limit = int(query.get("limit", "10"))
            page = int(query.get("page", "0"))
        except ValueError:
            raise _bad('"limit" and "page" must be integers') from None
        if not 1 <= limit <= 500 or page < 0:
            raise _bad('"limit" must be 1..500 and "page" 0 or more')
        with self._state.lock:
            rows = [p for p in self._payments.values()
                    if invoice is None or str(p["invoice_id"]) == invoice]
            rows.sort(key=lambda p: p["created_at"], reverse=True)
            total = len(rows)
            data = [self._public(p, id_as_string=False) for p in
                    rows[page * limit:(page + 1) * limit]]
        return 200, {"data": data, "limit": limit, "page": page,
                     "pagesCount": (total + limit - 1) // limit, "total": total}

    def _create_invoice(self, request: Request, body: bytes) -> tuple[int, Any]:
        data = self._json(body)
        known = {"price_amount", "price_currency", "pay_currency", "order_id",
                 "order_description", "ipn_callback_url", "success_url", "cancel_url",
                 "partially_paid_url", "is_fixed_rate", "is_fee_paid_by_user"}
        for name in data:
            if name not in known:
                raise _bad(f'"{name}" is not allowed')
        price, currency = self._price(data)
        pay = data.get("pay_currency")
        if pay is not None:
            coin = self._coin(pay if isinstance(pay, str) else None, "pay_currency")
            self._check_minimum(price, currency, coin)
            pay = coin.code
        elif price * FIAT_USD[currency] < MIN_USD:
            self._check_minimum(price, currency, COINS["btc"])
        now = iso_millis(self._state.now())
        with self._state.lock:
            invoice_id = self._new_id(self._invoices)
            invoice: dict[str, Any] = {
                "id": str(invoice_id),
                "token_id": random_token(9),
                "order_id": _text(data, "order_id"),
                "order_description": _text(data, "order_description"),
                "price_amount": str(price),
                "price_currency": currency,
                "pay_currency": pay,
                "ipn_callback_url": _url(data, "ipn_callback_url"),
                "invoice_url": f"{self._state.public_base()}/invoice/{invoice_id}",
                "success_url": _url(data, "success_url"),
                "cancel_url": _url(data, "cancel_url"),
                "partially_paid_url": _url(data, "partially_paid_url"),
                "payout_currency": None,
                "created_at": now,
                "updated_at": now,
                "is_fixed_rate": _flag(data.get("is_fixed_rate"), "is_fixed_rate"),
                "is_fee_paid_by_user": _flag(data.get("is_fee_paid_by_user"),
                                             "is_fee_paid_by_user"),
            }
            self._invoices[invoice_id] = {**invoice, "id_int": invoice_id, "payment_ids": []}
        return 200, invoice


def decimal_min_text(coin: Coin) -> str:
    return decimal_text(min_amount(coin))


def _int_id(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit():
        raise SandboxError(f"Not a NOWPayments id: {value!r}", 404)
    return int(text)
