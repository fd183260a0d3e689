"""The sandbox server: one Starlette app for both providers, run by uvicorn in a thread."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import SandboxError, json_response
from backend.sandbox.delivery import Deliverer
from backend.sandbox.nowpayments_app import NowPaymentsError, NowPaymentsSandbox
from backend.sandbox.pages import Pages
from backend.sandbox.state import SandboxConfig, SandboxState
from backend.sandbox.stripe_app import StripeApiError, StripeSandbox
from backend.sockets import listening_socket, reach_url

log = logging.getLogger("charter.sandbox")

_UNSET: Any = object()


class Sandbox:
    """The in-process sandbox without a server: state, providers, delivery, the ASGI app."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self.deliverer = Deliverer(self.state)
        self.stripe = StripeSandbox(self.state, self.deliverer)
        self.nowpayments = NowPaymentsSandbox(self.state, self.deliverer)
        self.app = Starlette(routes=self._routes())
        self._initial_config = copy.copy(self.config)  # what reset() returns to

    def reset(self) -> None:
        """Back to a fresh sandbox on the same port: no records, faults, deliveries or offset."""
        with self.state.lock:
            self.deliverer.clear()
            self.stripe.reset()
            self.nowpayments.reset()
            self.state.deliveries.clear()
            self.state.set_fault("all", "none")
            self.state.clock_offset = 0.0
            # Settings changed since (webhook targets, delays, ...) go back as they were.
            for item in dataclasses.fields(self.config):
                setattr(self.config, item.name, getattr(self._initial_config, item.name))

    # -- controls ------------------------------------------------------------

    def set_webhook_urls(self, stripe: str | None = _UNSET, nowpayments: str | None = _UNSET,
                         ) -> None:
        with self.state.lock:
            if stripe is not _UNSET:
                self.config.stripe_webhook_url = stripe or None
            if nowpayments is not _UNSET:
                self.config.nowpayments_ipn_url = nowpayments or None

    def deliveries(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return copy.deepcopy(self.state.deliveries)

    def advance_time(self, seconds: float) -> None:
        with self.state.lock:
            self.state.clock_offset += seconds

    # -- conveniences mirroring the /_sandbox controls ---------------------------

    def pay_stripe_session(self, session_id: str, webhook: bool = True) -> dict[str, Any]:
        return self.stripe.pay(session_id, webhook=webhook)

    def expire_stripe_session(self, session_id: str, webhook: bool = True) -> dict[str, Any]:
        return self.stripe.expire(session_id, webhook=webhook)

    def refund_stripe_session(self, session_id: str, webhook: bool = True,
                              amount: int | None = None) -> dict[str, Any]:
        return self.stripe.refund(session_id, webhook=webhook, amount=amount)

    def refund_stripe_payment(self, ref: str, amount: int | None = None,
                              webhook: bool = True) -> dict[str, Any]:
        """Refund a payment by Checkout Session, invoice (a month of a monthly gift) or
        PaymentIntent, in full or `amount` minor units of it: `charge.refunded`."""
        return self.stripe.payments.refund(ref, amount, webhook)

    def dispute_stripe_payment(self, ref: str, amount: int | None = None,
                               webhook: bool = True) -> dict[str, Any]:
        """The donor's bank disputes a payment (session, invoice or PaymentIntent):
        `charge.dispute.created` and `charge.dispute.funds_withdrawn`; the dispute."""
        return self.stripe.payments.dispute(ref, amount, webhook=webhook)

    def close_stripe_dispute(self, dispute_id: str, outcome: str, webhook: bool = True
                             ) -> dict[str, Any]:
        """The dispute is `won` (closed, funds reinstated) or `lost` (closed)."""
        return self.stripe.payments.close_dispute(dispute_id, outcome, webhook)

    def set_nowpayments_status(
        self, payment_id: int | str, status: str, actually_paid: Decimal | str | None = None,
        webhook: bool = True,
    ) -> dict[str, Any]:
        return self.nowpayments.set_status(payment_id, status, actually_paid, webhook)

    def renew_subscription(self, subscription: str, webhook: bool = True) -> dict[str, Any]:
        """The next month of a monthly gift is paid (invoice.paid)."""
        return self.stripe.renew_subscription(subscription, webhook)

    def cancel_subscription(self, subscription: str, webhook: bool = True) -> dict[str, Any]:
        return self.stripe.cancel_subscription(subscription, webhook)

    def add_simulated_reader(self, label: str = "Kiosk reader", reader_id: str | None = None
                             ) -> dict[str, Any]:
        """A Terminal location with a simulated WisePOS E registered at it (under
        `reader_id`, from new_reader_id(), when given)."""
        return self.stripe.terminal.add_simulated_reader(label, reader_id)

    def present_card(self, reader_id: str, number: str = "4242424242424242",
                     webhook: bool = True) -> dict[str, Any]:
        """A donor taps a card on the simulated reader (Stripe's test numbers)."""
        return self.stripe.terminal.present_card(reader_id, number, webhook)

    def set_reader_online(self, reader_id: str, online: bool) -> None:
        self.stripe.terminal.set_reader_online(reader_id, online)

    def reader_time_out(self, reader_id: str) -> dict[str, Any]:
        return self.stripe.terminal.time_out(reader_id)

    def set_fault(self, provider: str = "all", mode: str = "none", delay: float = 0.0,
                  count: int | None = None) -> None:
        self.state.set_fault(provider, mode, delay, count)

    # -- HTTP ------------------------------------------------------------------

    def _routes(self) -> list[BaseRoute]:
        control = [
            Route("/_sandbox/health", self._health, methods=["GET"]),
            Route("/_sandbox/stripe/sessions/{id}/{action}", self._stripe_action,
                  methods=["POST"]),
            Route("/_sandbox/stripe/sessions/{id}", self._stripe_session, methods=["GET"]),
            Route("/_sandbox/stripe/invoices/{id}/{action}", self._stripe_payment_action,
                  methods=["POST"]),
            Route("/_sandbox/stripe/payment_intents/{id}/{action}", self._stripe_payment_action,
                  methods=["POST"]),
            Route("/_sandbox/stripe/disputes/{id}/close", self._stripe_dispute_close,
                  methods=["POST"]),
            Route("/_sandbox/stripe/subscriptions/{id}/{action}", self._stripe_subscription,
                  methods=["POST"]),
            Route("/_sandbox/stripe/events", self._stripe_events, methods=["GET"]),
            Route("/_sandbox/nowpayments/payments/{id}/status", self._np_status,
                  methods=["POST"]),
            Route("/_sandbox/nowpayments/payments/{id}", self._np_payment, methods=["GET"]),
            Route("/_sandbox/nowpayments/invoices/{id}/pay", self._np_invoice_pay,
                  methods=["POST"]),
            Route("/_sandbox/faults", self._faults, methods=["GET", "POST"]),
            Route("/_sandbox/deliveries", self._deliveries, methods=["GET"]),
            Route("/_sandbox/config", self._config, methods=["GET", "POST"]),
            Route("/_sandbox/clock", self._clock, methods=["POST"]),
            Route("/_sandbox/reset", self._reset, methods=["POST"]),
        ]
        return [
            *control,
            *self.stripe.routes(),
            *self.nowpayments.routes(),
            *Pages(self.stripe, self.nowpayments).routes(),
            Route("/v1/{rest:path}", self._unknown_api,
                  methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    async def _unknown_api(self, request: Request) -> Response:
        message = f"Unrecognized request URL ({request.method}: {request.url.path})."
        if "authorization" in request.headers and "x-api-key" not in request.headers:
            return json_response(StripeApiError(message, status=404).body(), 404)
        return json_response(NowPaymentsError(404, "NOT_FOUND", message).body(), 404)

    async def _health(self, request: Request) -> Response:
        return json_response({"ok": True})

    async def _body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        data = json.loads(raw, parse_float=Decimal)
        if not isinstance(data, dict):
            raise SandboxError("The body must be a JSON object.")
        return data

    async def _control(self, request: Request, action: Any) -> Response:
        try:
            body = await self._body(request)
            return json_response(action(body))
        except SandboxError as exc:
            return json_response({"error": str(exc)}, exc.status)
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": f"Bad control request: {exc}"}, 400)

    async def _stripe_action(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        name = request.path_params["action"]
        if name in ("refund", "dispute"):
            return await self._stripe_payment_action(request)
        actions = {"pay": self.stripe.pay, "expire": self.stripe.expire}
        action = actions.get(name)
        if action is None:
            return json_response({"error": "Unknown action; use pay, expire, refund or "
                                           "dispute."}, 404)
        return await self._control(
            request, lambda body: action(session_id, webhook=_bool(body.get("webhook", True))))

    async def _stripe_payment_action(self, request: Request) -> Response:
        """Refund or dispute a session's, an invoice's or a PaymentIntent's payment; the body
        may give `amount` (minor units; the rest of the payment when left out)."""
        ref = request.path_params["id"]
        payments = self.stripe.payments
        actions: dict[str, Callable[..., dict[str, Any]]] = {"refund": payments.refund,
                                                             "dispute": payments.dispute}
        action = actions.get(request.path_params["action"])
        if action is None:
            return json_response({"error": "Unknown action; use refund or dispute."}, 404)
        return await self._control(request, lambda body: action(
            ref, _amount(body.get("amount")), webhook=_bool(body.get("webhook", True))))

    async def _stripe_dispute_close(self, request: Request) -> Response:
        return await self._control(request, lambda body: self.stripe.payments.close_dispute(
            request.path_params["id"], str(body.get("outcome") or ""),
            _bool(body.get("webhook", True))))

    async def _stripe_subscription(self, request: Request) -> Response:
        actions = {"renew": self.stripe.renew_subscription,
                   "cancel": self.stripe.cancel_subscription}
        action = actions.get(request.path_params["action"])
        if action is None:
            return json_response({"error": "Unknown action; use renew or cancel."}, 404)
        return await self._control(request, lambda body: action(
            request.path_params["id"], _bool(body.get("webhook", True))))

    async def _stripe_session(self, request: Request) -> Response:
        return await self._control(request,
                                   lambda body: self.stripe.session(request.path_params["id"]))

    async def _stripe_events(self, request: Request) -> Response:
        return await self._control(request, lambda body: {"data": self.stripe.events()})

    async def _np_status(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> Any:
            status = body.get("status")
            if not isinstance(status, str):
                raise SandboxError("Give the new status as \"status\".")
            paid = body.get("actually_paid")
            return self.nowpayments.set_status(
                request.path_params["id"], status,
                actually_paid=None if paid is None else Decimal(str(paid)),
                webhook=_bool(body.get("webhook", True)))

        return await self._control(request, action)

    async def _np_payment(self, request: Request) -> Response:
        return await self._control(
            request, lambda body: self.nowpayments.payment(request.path_params["id"]))

    async def _np_invoice_pay(self, request: Request) -> Response:
        return await self._control(request, lambda body: self.nowpayments.pay_invoice(
            request.path_params["id"], body.get("pay_currency"),
            webhook=_bool(body.get("webhook", True))))

    async def _faults(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> Any:
            if request.method == "POST":
                count = body.get("count")
                self.state.set_fault(
                    str(body.get("provider", "all")), str(body.get("mode", "none")),
                    float(body.get("delay", 0) or 0), None if count is None else int(count))
            with self.state.lock:
                return {name: f.as_dict() for name, f in self.state.faults.items()}

        return await self._control(request, action)

    async def _deliveries(self, request: Request) -> Response:
        return json_response({"data": self.deliveries()})

    async def _config(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> Any:
            if request.method == "POST":
                unknown = set(body) - {"stripe_webhook_url", "nowpayments_ipn_url"}
                if unknown:
                    raise SandboxError(f"Unknown settings: {', '.join(sorted(unknown))}")
                self.set_webhook_urls(stripe=body.get("stripe_webhook_url", _UNSET),
                                      nowpayments=body.get("nowpayments_ipn_url", _UNSET))
            with self.state.lock:
                return {"stripe_webhook_url": self.config.stripe_webhook_url,
                        "nowpayments_ipn_url": self.config.nowpayments_ipn_url}

        return await self._control(request, action)

    async def _clock(self, request: Request) -> Response:
        def action(body: dict[str, Any]) -> Any:
            self.advance_time(float(body.get("advance", 0)))
            return {"now": int(self.state.now())}

        return await self._control(request, action)


    async def _reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"ok": True})


def _amount(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SandboxError(f"Give the amount in minor units as a whole number, not {value!r}.")
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise SandboxError(f"Expected true or false, not {value!r}.")


class SandboxServer(Sandbox):
    """The sandbox served over HTTP from a background thread.

    `with SandboxServer(cfg) as sb:` starts it and waits until it answers;
    leaving the block stops uvicorn and the delivery thread.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        super().__init__(config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        if not self.state.base_url:
            raise RuntimeError("The sandbox is not started.")
        return self.state.base_url

    def start(self, timeout: float = 10.0, *, sock: socket.socket | None = None
              ) -> SandboxServer:
        """Serve on `sock` (already listening, see backend.sockets; the server owns it from
        now on) or on a new socket at the configured host and port."""
        if self._thread is not None:
            return self
        if sock is None:
            sock = listening_socket(self.config.host, self.config.port)
        self._socket = sock
        self.state.base_url = reach_url(sock)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self.deliverer.start()
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="sandbox-uvicorn", daemon=True)
        self._thread.start()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        log.info("provider sandbox listening on %s", self.state.base_url)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self._server is not None and self._thread is not None
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError("The sandbox server stopped while starting.")
            if self._server.started:
                with contextlib.suppress(OSError), urllib.request.urlopen(  # noqa: S310
                        self.state.base_url + "/_sandbox/health", timeout=1) as response:
                    if response.status == 200:
                        return
            time.sleep(0.01)
        raise RuntimeError(f"The sandbox did not answer within {timeout} seconds.")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():
                log.warning("the sandbox server thread did not stop in time")
        self.deliverer.stop()
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def serve_forever(self) -> None:
        """Block until the server thread ends (Ctrl-C arrives as KeyboardInterrupt)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
