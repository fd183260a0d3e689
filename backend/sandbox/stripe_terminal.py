"""Stripe Terminal in the sandbox: locations, smart readers, PaymentIntents for card-present
payments and the test helper that taps a card.

Server-driven, as Stripe does it: the kiosk creates a PaymentIntent with
`payment_method_types[]=card_present`, asks the reader to process it, and follows
the reader's `action` (`in_progress` → `succeeded` or `failed`) and the PaymentIntent.
Readers register with the codes Stripe gives simulated readers in test mode
(`simulated-wpe`, `simulated-s700`); a card is presented with
`POST /v1/test_helpers/terminal/readers/{id}/present_payment_method`, whose test
numbers approve (4242…), decline (4000000000000002) or fail for insufficient funds
(4000000000009995). Errors carry Stripe's codes (`terminal_reader_offline`,
`terminal_reader_busy`, `payment_intent_unexpected_state`), so the official SDK
raises what it would against Stripe.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import SandboxError
from backend.sandbox.state import new_reader_id, random_token

if TYPE_CHECKING:
    from backend.sandbox.stripe_app import StripeSandbox

SIMULATED_CODES = {"simulated-wpe": "simulated_wisepos_e", "simulated-s700": "simulated_stripe_s700"}
# Stripe's test card numbers for card-present payments, and what each does.
TEST_CARDS: dict[str, tuple[str | None, str]] = {
    "4242424242424242": (None, "visa"),
    "4000000000000002": ("card_declined", "visa"),
    "4000000000009995": ("insufficient_funds", "visa"),
}
DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}
_ADDRESS = {"line1": "S", "line2": "S", "city": "S", "state": "S", "country": "S",
            "postal_code": "S"}
LOCATION_SPEC: dict[str, Any] = {"display_name": "S", "address": _ADDRESS, "metadata": "MAP"}
READER_SPEC: dict[str, Any] = {"registration_code": "S", "location": "S", "label": "S",
                               "metadata": "MAP"}
PROCESS_SPEC: dict[str, Any] = {"payment_intent": "S", "expand": None}
PRESENT_SPEC: dict[str, Any] = {"type": "S", "card_present": {"number": "S"}}
PI_UPDATE_SPEC: dict[str, Any] = {"receipt_email": "S", "metadata": "MAP"}
LIST_SPEC: dict[str, Any] = {"limit": "S", "location": "S", "status": "S",
                             "starting_after": "S", "ending_before": "S"}


class TerminalSandbox:
    """Readers, locations and PaymentIntents, held under the sandbox's lock."""

    def __init__(self, stripe: StripeSandbox) -> None:
        self._stripe = stripe
        self._state = stripe._state
        self.reset()

    def reset(self) -> None:
        self.locations: dict[str, dict[str, Any]] = {}
        self.readers: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}

    # -- control (Python API, tests and the demo) --------------------------------

    def add_simulated_reader(self, label: str = "Kiosk reader", reader_id: str | None = None
                             ) -> dict[str, Any]:
        """A location and a simulated WisePOS E registered there (what the demo uses).
        `reader_id`: one from new_reader_id(), for a kiosk told it before the sandbox ran."""
        with self._state.lock:
            if reader_id is not None and reader_id in self.readers:
                raise SandboxError(f"A reader {reader_id!r} is already registered.")
            location = self._new_location({"display_name": "Sandbox venue", "address": {
                "line1": "1 Harbour Street", "city": "Portland", "state": "OR",
                "country": "US", "postal_code": "97201"}})
            return copy.deepcopy(self._new_reader({"registration_code": "simulated-wpe",
                                                   "location": location["id"],
                                                   "label": label}, reader_id))

    def set_reader_online(self, reader_id: str, online: bool) -> None:
        with self._state.lock:
            self._reader(reader_id)["status"] = "online" if online else "offline"

    def present_card(self, reader_id: str, number: str = "4242424242424242",
                     webhook: bool = True) -> dict[str, Any]:
        """What a donor tapping a card on the reader does."""
        with self._state.lock:
            return copy.deepcopy(self._present(reader_id, number, webhook))

    def time_out(self, reader_id: str, webhook: bool = True) -> dict[str, Any]:
        """The reader waited for a card that never came."""
        with self._state.lock:
            reader = self._reader(reader_id)
            action = reader.get("action")
            if not action or action["status"] != "in_progress":
                raise SandboxError(f"Reader {reader_id} is not waiting for a card.", 409)
            action.update(status="failed", failure_code="customer_timeout",
                          failure_message="The reader timed out waiting for a card.")
            self._stripe._emit("terminal.reader.action_failed", reader, webhook)
            return copy.deepcopy(reader)

    def payment_intent(self, intent_id: str) -> dict[str, Any]:
        with self._state.lock:
            return copy.deepcopy(self._intent(intent_id))

    # -- HTTP ----------------------------------------------------------------------

    def routes(self, api: Any) -> list[BaseRoute]:
        return [
            Route("/v1/terminal/locations", api(self._create_location), methods=["POST"]),
            Route("/v1/terminal/locations", api(self._list_locations), methods=["GET"]),
            Route("/v1/terminal/readers", api(self._create_reader), methods=["POST"]),
            Route("/v1/terminal/readers", api(self._list_readers), methods=["GET"]),
            Route("/v1/terminal/readers/{id}", api(self._retrieve_reader), methods=["GET"]),
            Route("/v1/terminal/readers/{id}", api(self._delete_reader), methods=["DELETE"]),
            Route("/v1/terminal/readers/{id}/process_payment_intent",
                  api(self._process_payment_intent), methods=["POST"]),
            Route("/v1/terminal/readers/{id}/cancel_action", api(self._cancel_action),
                  methods=["POST"]),
            Route("/v1/test_helpers/terminal/readers/{id}/present_payment_method",
                  api(self._present_payment_method), methods=["POST"]),
            Route("/v1/payment_intents", api(self._create_intent), methods=["POST"]),
            Route("/v1/payment_intents/{id}", api(self._retrieve_intent), methods=["GET"]),
            Route("/v1/payment_intents/{id}", api(self._update_intent), methods=["POST"]),
            Route("/v1/payment_intents/{id}/cancel", api(self._cancel_intent), methods=["POST"]),
        ]

    # -- locations and readers ------------------------------------------------------

    def _form(self, body: bytes, spec: dict[str, Any]) -> dict[str, Any]:
        from backend.sandbox.stripe_app import parse_form

        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return parse_form([(k, v) for k, v in pairs if not k.startswith("expand")],
                          {k: v for k, v in spec.items() if v is not None})

    def _create_location(self, request: Request, body: bytes) -> tuple[Any, ...]:
        params = self._form(body, LOCATION_SPEC)
        with self._state.lock:
            return 200, copy.deepcopy(self._new_location(params))

    def _new_location(self, params: dict[str, Any]) -> dict[str, Any]:
        from backend.sandbox.stripe_app import StripeApiError, _missing

        if not params.get("display_name"):
            raise _missing("display_name")
        address = params.get("address") or {}
        for key in ("line1", "city", "country", "postal_code"):
            if not address.get(key):
                raise _missing(f"address[{key}]")
        if len(address["country"]) != 2:
            raise StripeApiError("Invalid country: use a two-letter ISO code.",
                                 param="address[country]")
        location = {"id": "tml_" + random_token(24), "object": "terminal.location",
                    "display_name": params["display_name"], "address": address,
                    "livemode": False, "metadata": params.get("metadata") or {}}
        self.locations[location["id"]] = location
        return location

    def _list_locations(self, request: Request, body: bytes) -> tuple[Any, ...]:
        with self._state.lock:
            data = [copy.deepcopy(x) for x in self.locations.values()]
        return 200, {"object": "list", "url": "/v1/terminal/locations", "has_more": False,
                     "data": data}

    def _create_reader(self, request: Request, body: bytes) -> tuple[Any, ...]:
        params = self._form(body, READER_SPEC)
        with self._state.lock:
            return 200, copy.deepcopy(self._new_reader(params))

    def _new_reader(self, params: dict[str, Any], reader_id: str | None = None
                    ) -> dict[str, Any]:
        from backend.sandbox.stripe_app import StripeApiError, _missing, resource_missing

        code = params.get("registration_code")
        if not code:
            raise _missing("registration_code")
        location = params.get("location")
        if not location:
            raise _missing("location")
        if location not in self.locations:
            raise resource_missing("location", location, "location")
        device = SIMULATED_CODES.get(code)
        if device is None:
            raise StripeApiError(
                "The registration code is invalid or expired. In test mode, use "
                "simulated-wpe or simulated-s700 for a simulated reader.",
                param="registration_code", code="resource_missing")
        reader = {
            "id": reader_id or new_reader_id(), "object": "terminal.reader", "action": None,
            "device_sw_version": "2.42.0", "device_type": device,
            "ip_address": "192.0.2.10", "label": params.get("label") or code,
            "livemode": False, "location": location, "metadata": params.get("metadata") or {},
            "serial_number": "SIM-" + random_token(10).upper(), "status": "online",
        }
        self.readers[reader["id"]] = reader
        return reader

    def _reader(self, reader_id: str) -> dict[str, Any]:
        from backend.sandbox.stripe_app import resource_missing

        reader = self.readers.get(reader_id)
        if reader is None:
            raise resource_missing("terminal.reader", reader_id, "reader")
        return reader

    def _list_readers(self, request: Request, body: bytes) -> tuple[Any, ...]:
        with self._state.lock:
            data = [copy.deepcopy(x) for x in self.readers.values()]
        return 200, {"object": "list", "url": "/v1/terminal/readers", "has_more": False,
                     "data": data}

    def _retrieve_reader(self, request: Request, body: bytes) -> tuple[Any, ...]:
        with self._state.lock:
            return 200, copy.deepcopy(self._reader(request.path_params["id"]))

    def _delete_reader(self, request: Request, body: bytes) -> tuple[Any, ...]:
        with self._state.lock:
            reader = self._reader(request.path_params["id"])
            del self.readers[reader["id"]]
            return 200, {"id": reader["id"], "object": "terminal.reader", "deleted": True}

    # -- the payment on the reader --------------------------------------------------

    def _process_payment_intent(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import StripeApiError, _missing

        params = self._form(body, {"payment_intent": "S", "process_config": "MAP"})
        intent_id = params.get("payment_intent")
        if not intent_id:
            raise _missing("payment_intent")
        with self._state.lock:
            reader = self._reader(request.path_params["id"])
            intent = self._intent(intent_id)
            if reader["status"] != "online":
                raise StripeApiError("Reader is currently offline, please ensure the reader is "
                                     "powered on and connected to the internet before retrying "
                                     "your request.", code="terminal_reader_offline")
            action = reader.get("action")
            if action and action["status"] == "in_progress":
                raise StripeApiError("Reader is currently busy processing another request. "
                                     "Please reference the integration guide for more details.",
                                     code="terminal_reader_busy")
            if intent["status"] not in ("requires_payment_method",):
                raise StripeApiError(
                    f"This PaymentIntent's status is {intent['status']}; it cannot be "
                    "processed.", code="payment_intent_unexpected_state")
            reader["action"] = {"type": "process_payment_intent", "status": "in_progress",
                                "failure_code": None, "failure_message": None,
                                "process_payment_intent": {"payment_intent": intent_id}}
            return 200, copy.deepcopy(reader)

    def _cancel_action(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import StripeApiError

        with self._state.lock:
            reader = self._reader(request.path_params["id"])
            action = reader.get("action")
            if not action or action["status"] != "in_progress":
                raise StripeApiError("This reader has no action in progress to cancel.",
                                     code="terminal_reader_action_unexpected_state"
                                     if action else "terminal_reader_not_busy")
            action.update(status="failed", failure_code="canceled",
                          failure_message="The action was canceled.")
            return 200, copy.deepcopy(reader)

    def _present_payment_method(self, request: Request, body: bytes) -> tuple[Any, ...]:
        params = self._form(body, PRESENT_SPEC)
        number = (params.get("card_present") or {}).get("number") or "4242424242424242"
        with self._state.lock:
            return 200, copy.deepcopy(self._present(request.path_params["id"], number, True))

    def _present(self, reader_id: str, number: str, webhook: bool) -> dict[str, Any]:
        from backend.sandbox.stripe_app import StripeApiError

        reader = self._reader(reader_id)
        action = reader.get("action")
        if not action or action["status"] != "in_progress":
            raise StripeApiError("This reader is not waiting for a payment method.",
                                 code="terminal_reader_not_busy")
        if number not in TEST_CARDS:
            raise StripeApiError("Use one of Stripe's test card numbers for card_present.",
                                 param="card_present[number]")
        decline, brand = TEST_CARDS[number]
        intent = self._intent(action["process_payment_intent"]["payment_intent"])
        emit = self._stripe._emit
        if decline:
            message = DECLINE_MESSAGES[decline]
            action.update(status="failed", failure_code=decline, failure_message=message)
            intent["last_payment_error"] = {"type": "card_error", "code": decline,
                                            "decline_code": decline, "message": message}
            emit("payment_intent.payment_failed", intent, webhook)
            emit("terminal.reader.action_failed", reader, webhook)
            return reader
        charge = "ch_" + random_token(24)
        intent.update(status="succeeded", amount_received=intent["amount"],
                      latest_charge=charge, last_payment_error=None,
                      payment_method="pm_" + random_token(24))
        intent["payment_method_details"] = {"type": "card_present", "card_present": {
            "brand": brand, "last4": number[-4:]}}
        action.update(status="succeeded")
        # Refundable and disputable through the sandbox's controls, as a Checkout payment.
        self._stripe.payments.record(intent["id"], intent["amount"], intent["currency"],
                                     metadata=intent["metadata"],
                                     description=intent["description"], charge_id=charge)
        emit("payment_intent.succeeded", intent, webhook)
        emit("terminal.reader.action_succeeded", reader, webhook)
        return reader

    # -- PaymentIntents (created here card-present only; a paid invoice adds its own) ---

    def _intent(self, intent_id: str) -> dict[str, Any]:
        from backend.sandbox.stripe_app import resource_missing

        intent = self.intents.get(intent_id)
        if intent is None:
            raise resource_missing("payment_intent", intent_id, "intent")
        return intent

    def _create_intent(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import (
            CURRENCY_MINIMUMS,
            MAX_AMOUNT,
            StripeApiError,
            _as_int,
            _check_metadata,
            _missing,
        )

        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        spec = {"amount": "S", "currency": "S", "capture_method": "S", "description": "S",
                "receipt_email": "S", "metadata": "MAP", "statement_descriptor": "S",
                "payment_method_types": _list_of_strings()}
        idem_key = request.headers.get("idempotency-key")
        auth = request.headers.get("authorization", "")
        fingerprint = "POST /v1/payment_intents?" + json.dumps(sorted(pairs))
        saved_store = self._stripe._idempotency
        with self._state.lock:
            if idem_key and (auth, idem_key) in saved_store:
                saved = saved_store[(auth, idem_key)]
                if saved[0] != fingerprint:
                    raise StripeApiError(
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.", type_="idempotency_error")
                return saved[1], copy.deepcopy(saved[2]), {"Idempotent-Replayed": "true"}
            params = self._form(body, spec)
            for key in ("amount", "currency"):
                if not params.get(key):
                    raise _missing(key)
            currency = params["currency"].lower()
            if currency not in CURRENCY_MINIMUMS:
                raise StripeApiError(f"Invalid currency: {currency}.", param="currency")
            amount = _as_int(params["amount"], "amount", minimum=1)
            if amount < CURRENCY_MINIMUMS[currency]:
                raise StripeApiError("Amount must be at least the minimum charge.",
                                     param="amount", code="amount_too_small")
            if amount > MAX_AMOUNT:
                raise StripeApiError("Amount must be no more than 99,999,999.", param="amount",
                                     code="amount_too_large")
            types = params.get("payment_method_types") or []
            if "card_present" not in types:
                raise StripeApiError("A Terminal payment needs payment_method_types to include "
                                     "card_present.", param="payment_method_types")
            metadata = params.get("metadata") or {}
            _check_metadata(metadata, "metadata")
            intent = {
                "id": "pi_" + random_token(24), "object": "payment_intent", "amount": amount,
                "amount_received": 0, "currency": currency,
                "capture_method": params.get("capture_method") or "automatic",
                "client_secret": None, "created": int(self._state.now()),
                "description": params.get("description"), "last_payment_error": None,
                "latest_charge": None, "livemode": False, "metadata": metadata,
                "payment_method": None, "payment_method_types": types,
                "receipt_email": params.get("receipt_email"),
                "status": "requires_payment_method",
            }
            self.intents[intent["id"]] = intent
            if idem_key:
                saved_store[(auth, idem_key)] = (fingerprint, 200, copy.deepcopy(intent))
            return 200, copy.deepcopy(intent)

    def _retrieve_intent(self, request: Request, body: bytes) -> tuple[Any, ...]:
        with self._state.lock:
            return 200, copy.deepcopy(self._intent(request.path_params["id"]))

    def _update_intent(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import StripeApiError

        params = self._form(body, PI_UPDATE_SPEC)
        with self._state.lock:
            intent = self._intent(request.path_params["id"])
            email = params.get("receipt_email")
            if email is not None and "@" not in email:
                raise StripeApiError("Invalid email address: " + email, param="receipt_email",
                                     code="email_invalid")
            if email is not None:
                intent["receipt_email"] = email or None
            intent["metadata"].update(params.get("metadata") or {})
            return 200, copy.deepcopy(intent)

    def _cancel_intent(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import StripeApiError

        with self._state.lock:
            intent = self._intent(request.path_params["id"])
            if intent["status"] in ("succeeded", "canceled"):
                raise StripeApiError(
                    "You cannot cancel this PaymentIntent because it has a status of "
                    f"{intent['status']}.", code="payment_intent_unexpected_state")
            for reader in self.readers.values():
                action = reader.get("action")
                if action and action["status"] == "in_progress" and \
                        action["process_payment_intent"]["payment_intent"] == intent["id"]:
                    action.update(status="failed", failure_code="canceled",
                                  failure_message="The payment was canceled.")
            intent.update(status="canceled", cancellation_reason="requested_by_customer")
            self._stripe._emit("payment_intent.canceled", intent, True)
            return 200, copy.deepcopy(intent)


def _list_of_strings() -> Any:
    from backend.sandbox.stripe_app import _List

    return _List("S")
