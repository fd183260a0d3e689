"""The Stripe sandbox's money after a payment: charges, refunds, disputes, and the
invoices of monthly gifts with their InvoicePayments.

Every paid card payment gets a PaymentIntent and a charge, as at Stripe: a Checkout
Session in payment mode, each paid invoice of a monthly gift (the first and every
renewal) and a tap on a reader. Tests and the demo refund and dispute them through the
sandbox's controls, by Checkout Session, invoice or PaymentIntent; what that emits
(`charge.refunded`, `charge.dispute.*`) names the PaymentIntent and the charge only, as
Stripe's events do. Since API 2025-03-31 an invoice no longer names its PaymentIntent
either: the link is an InvoicePayment, served at `GET /v1/invoice_payments` (by invoice,
or by `payment[type]=payment_intent` and `payment[payment_intent]`) and on an invoice
retrieved with `expand[]=payments`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import SandboxError
from backend.sandbox.state import random_token

if TYPE_CHECKING:
    from backend.sandbox.stripe_app import StripeSandbox

# A dispute's evidence is due a week after it opens (Stripe gives 7 to 21 days).
EVIDENCE_DAYS = 7
INVOICE_PAYMENT_STATUSES = ("canceled", "open", "paid")
PAYMENT_TYPES = ("payment_intent", "payment_record")
# Disputes whose funds Stripe holds: the charge cannot be refunded meanwhile, nor after
# it was lost. An inquiry (warning_*) leaves the charge refundable.
CHARGED_BACK = ("needs_response", "under_review", "lost")


def stripe_id(prefix: str) -> str:
    """An object id as Stripe writes them (`pi_3Mtw…`: the prefix, then 24 characters)."""
    return f"{prefix}_{random_token(24)}"


@dataclass
class Charge:
    """A succeeded PaymentIntent's charge: what refunds and disputes act on."""

    payment_intent: str
    charge_id: str
    amount: int
    currency: str
    created: int
    metadata: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    amount_refunded: int = 0
    disputes: list[str] = field(default_factory=list)


class PaymentsSandbox:
    """Charges, refunds, disputes, invoices and InvoicePayments, under the sandbox's lock."""

    def __init__(self, stripe: StripeSandbox) -> None:
        self._stripe = stripe
        self._state = stripe._state
        self.reset()

    def reset(self) -> None:
        self.charges: dict[str, Charge] = {}  # by PaymentIntent
        self.invoices: dict[str, dict[str, Any]] = {}
        self.invoice_payments: dict[str, dict[str, Any]] = {}  # in creation order
        self.disputes: dict[str, dict[str, Any]] = {}

    # -- what paying makes ---------------------------------------------------------

    def record(self, payment_intent: str, amount: int, currency: str, *,
               metadata: dict[str, str] | None = None, description: str | None = None,
               charge_id: str | None = None) -> Charge:
        """A payment succeeded: keep its charge, so it can be refunded and disputed."""
        charge = Charge(payment_intent, charge_id or stripe_id("ch"), amount, currency,
                        int(self._state.now()), dict(metadata or {}), description)
        self.charges[payment_intent] = charge
        return charge

    def pay_invoice(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """A monthly gift's invoice is paid by card: its PaymentIntent (no metadata, as
        Stripe makes it for a subscription), its charge, and the InvoicePayment that is the
        only place the invoice names that PaymentIntent since API 2025-03-31."""
        now = int(self._state.now())
        amount, currency = int(invoice["amount_paid"]), str(invoice["currency"])
        description = ("Subscription creation" if invoice["billing_reason"] ==
                       "subscription_create" else "Subscription update")
        intent_id = stripe_id("pi")
        charge = self.record(intent_id, amount, currency, description=description)
        # Retrievable at GET /v1/payment_intents/{id} beside the readers' PaymentIntents.
        self._stripe.terminal.intents[intent_id] = {
            "id": intent_id, "object": "payment_intent", "amount": amount,
            "amount_received": amount, "capture_method": "automatic", "client_secret": None,
            "created": now, "currency": currency, "description": description,
            "last_payment_error": None, "latest_charge": charge.charge_id, "livemode": False,
            "metadata": {}, "payment_method": stripe_id("pm"),
            "payment_method_types": ["card"], "status": "succeeded"}
        self.invoices[invoice["id"]] = invoice
        payment = {
            "id": stripe_id("inpay"), "object": "invoice_payment", "amount_paid": amount,
            "amount_requested": amount, "created": now, "currency": currency,
            "invoice": invoice["id"], "is_default": True, "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": intent_id},
            "status": "paid", "status_transitions": {"canceled_at": None, "paid_at": now}}
        self.invoice_payments[payment["id"]] = payment
        return payment

    # -- refunds and disputes (the controls) ---------------------------------------------

    def find(self, ref: str) -> Charge:
        """The charge of a Checkout Session (its payment, or a monthly gift's first invoice's),
        of an invoice, or of a PaymentIntent."""
        if ref.startswith("cs_"):
            session = self._stripe._sessions.get(ref)
            if session is None:
                raise SandboxError(f"No such checkout.session: {ref}", 404)
            paid_by = session.get("payment_intent") or self._invoice_intent(session.get("invoice"))
            if session["payment_status"] != "paid" or paid_by not in self.charges:
                raise SandboxError(f"Checkout session {ref} has not been paid.", 409)
            return self.charges[paid_by]
        if ref.startswith("in_"):
            if ref not in self.invoices:
                raise SandboxError(f"No such invoice: {ref}", 404)
            intent = self._invoice_intent(ref)
            if intent not in self.charges:
                raise SandboxError(f"Invoice {ref} has not been paid.", 409)
            return self.charges[intent]
        if ref in self.charges:
            return self.charges[ref]
        raise SandboxError(f"No paid payment_intent {ref}; give a checkout session (cs_), an "
                           "invoice (in_) or a PaymentIntent (pi_) that was paid.", 404)

    def _invoice_intent(self, invoice_id: object) -> str | None:
        for payment in self.invoice_payments.values():
            if payment["invoice"] == invoice_id and payment["status"] == "paid":
                return str(payment["payment"]["payment_intent"])
        return None

    def refund(self, ref: str, amount: int | None = None, webhook: bool = True
               ) -> dict[str, Any]:
        """Refund a payment, in full or `amount` of it (minor units); emits `charge.refunded`
        with the charge's cumulative `amount_refunded`, and returns that charge."""
        with self._state.lock:
            charge = self.find(ref)
            if any(self.disputes[d]["status"] in CHARGED_BACK for d in charge.disputes):
                raise SandboxError(f"Charge {charge.charge_id} has been charged back; cannot "
                                   "issue a refund.", 409)
            left = charge.amount - charge.amount_refunded
            if left <= 0:
                raise SandboxError(f"Charge {charge.charge_id} has already been refunded.", 409)
            amount = left if amount is None else amount
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise SandboxError("A refund's amount must be a positive whole number of "
                                   "minor units.")
            if amount > left:
                raise SandboxError(
                    f"Refund amount ({_money(amount, charge.currency)}) is greater than "
                    f"unrefunded amount on charge ({_money(left, charge.currency)})")
            charge.amount_refunded += amount
            view = self.charge_view(charge)
            self._stripe._emit("charge.refunded", view, webhook)
            return view

    def dispute(self, ref: str, amount: int | None = None, reason: str = "fraudulent",
                webhook: bool = True) -> dict[str, Any]:
        """The donor's bank disputes a payment (of what is not refunded, unless `amount`):
        `charge.dispute.created` and, as the funds leave at once, `funds_withdrawn`."""
        with self._state.lock:
            charge = self.find(ref)
            if any(self.disputes[d]["status"] not in ("won", "lost", "warning_closed")
                   for d in charge.disputes):
                raise SandboxError(f"Charge {charge.charge_id} already has an open dispute.", 409)
            left = charge.amount - charge.amount_refunded
            amount = left if amount is None else amount
            if isinstance(amount, bool) or not isinstance(amount, int) or \
                    not 0 < amount <= charge.amount:
                raise SandboxError("A dispute's amount must be a positive whole number of minor "
                                   "units, at most the charge's.")
            now = int(self._state.now())
            dispute: dict[str, Any] = {
                "id": stripe_id("dp"), "object": "dispute", "amount": amount,
                "balance_transactions": [], "charge": charge.charge_id, "created": now,
                "currency": charge.currency, "evidence_details": {
                    "due_by": now + EVIDENCE_DAYS * 86400, "has_evidence": False,
                    "past_due": False, "submission_count": 0},
                "is_charge_refundable": False, "livemode": False, "metadata": {},
                "payment_intent": charge.payment_intent, "reason": reason,
                "status": "needs_response"}
            self.disputes[dispute["id"]] = dispute
            charge.disputes.append(dispute["id"])
            self._stripe._emit("charge.dispute.created", dispute, webhook)
            self._stripe._emit("charge.dispute.funds_withdrawn", dispute, webhook)
            return copy.deepcopy(dispute)

    def close_dispute(self, dispute_id: str, outcome: str, webhook: bool = True
                      ) -> dict[str, Any]:
        """The bank decides: `won` (`charge.dispute.closed`, then `funds_reinstated`: the
        money comes back) or `lost` (`charge.dispute.closed`: it stays out)."""
        with self._state.lock:
            dispute = self.disputes.get(dispute_id)
            if dispute is None:
                raise SandboxError(f"No such dispute: {dispute_id}", 404)
            if outcome not in ("won", "lost"):
                raise SandboxError("A dispute closes as \"won\" or \"lost\".")
            if dispute["status"] in ("won", "lost", "warning_closed"):
                raise SandboxError(f"Dispute {dispute_id} is already {dispute['status']}.", 409)
            dispute["status"] = outcome
            self._stripe._emit("charge.dispute.closed", dispute, webhook)
            if outcome == "won":
                self._stripe._emit("charge.dispute.funds_reinstated", dispute, webhook)
            return copy.deepcopy(dispute)

    def charge_view(self, charge: Charge) -> dict[str, Any]:
        """The charge as the API shows it. Since API 2022-11-15 its `refunds` list is only
        there when expanded, and since 2025-03-31 it names no invoice: a monthly gift's
        charge says which PaymentIntent it belongs to and nothing more."""
        return {
            "id": charge.charge_id, "object": "charge", "amount": charge.amount,
            "amount_captured": charge.amount, "amount_refunded": charge.amount_refunded,
            "captured": True, "created": charge.created, "currency": charge.currency,
            "description": charge.description, "disputed": bool(charge.disputes),
            "livemode": False, "metadata": dict(charge.metadata), "paid": True,
            "payment_intent": charge.payment_intent,
            "payment_method_details": {"type": "card", "card": {"brand": "visa",
                                                                "last4": "4242"}},
            "refunded": charge.amount_refunded >= charge.amount, "status": "succeeded"}

    # -- HTTP ----------------------------------------------------------------------------

    def routes(self, api: Any) -> list[BaseRoute]:
        return [
            Route("/v1/invoice_payments", api(self._list_invoice_payments), methods=["GET"]),
            Route("/v1/invoice_payments/{id}", api(self._retrieve_invoice_payment),
                  methods=["GET"]),
            Route("/v1/invoices/{id}", api(self._retrieve_invoice), methods=["GET"]),
        ]

    def _list_invoice_payments(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import (
            LIST_INVOICE_PAYMENTS_SPEC,
            StripeApiError,
            _missing,
            _optional,
            list_limit,
            parse_form,
            resource_missing,
        )

        params = parse_form(parse_qsl(request.url.query, keep_blank_values=True),
                            LIST_INVOICE_PAYMENTS_SPEC)
        limit = list_limit(params)
        payment: dict[str, Any] | None = params.get("payment")
        if payment is not None:
            kind = _optional(payment, "type")
            if kind is None:
                raise _missing("payment[type]")
            if kind not in PAYMENT_TYPES:
                raise StripeApiError(
                    f"Invalid payment[type]: must be one of {' or '.join(PAYMENT_TYPES)}",
                    param="payment[type]")
            other = "payment_record" if kind == "payment_intent" else "payment_intent"
            if other in payment:
                raise StripeApiError(
                    f"payment[{other}] cannot be used with payment[type]={kind}.",
                    param=f"payment[{other}]")
        status = _optional(params, "status")
        if "status" in params and status not in INVOICE_PAYMENT_STATUSES:
            raise StripeApiError("Invalid status: must be one of canceled, open, or paid",
                                 param="status")
        expand = params.get("expand") or []
        for index, path in enumerate(expand):
            if path != "data.invoice":
                raise StripeApiError(f"This property cannot be expanded ({path}).",
                                     param=f"expand[{index}]")
        invoice = _optional(params, "invoice")
        with self._state.lock:
            if "invoice" in params and invoice not in self.invoices:
                raise resource_missing("invoice", invoice, "invoice")

            def matches(item: dict[str, Any]) -> bool:
                if invoice is not None and item["invoice"] != invoice:
                    return False
                if status is not None and item["status"] != status:
                    return False
                if payment is not None:
                    said = item["payment"]
                    if said["type"] != payment["type"]:
                        return False
                    wanted = _optional(payment, said["type"])
                    if wanted is not None and said.get(said["type"]) != wanted:
                        return False
                return True

            every = [p for p in reversed(self.invoice_payments.values()) if matches(p)]
            ids = [p["id"] for p in every]
            for name in ("starting_after", "ending_before"):
                cursor = _optional(params, name)
                if cursor is not None and cursor not in self.invoice_payments:
                    raise resource_missing("invoice_payment", cursor, name)
            after, before = _optional(params, "starting_after"), _optional(params, "ending_before")
            if after and before:
                raise StripeApiError("You may only specify one of these parameters: "
                                     "ending_before, starting_after.", param="ending_before")
            # Newest first; the cursors page towards older / newer payments.
            if after is not None:
                older = every[ids.index(after) + 1:] if after in ids else []
                page, more = older[:limit], len(older) > limit
            elif before is not None:
                newer = every[:ids.index(before)] if before in ids else []
                page, more = newer[-limit:], len(newer) > limit
            else:
                page, more = every[:limit], len(every) > limit
            data = []
            for item in page:
                view = copy.deepcopy(item)
                if expand:
                    view["invoice"] = self._invoice_view(item["invoice"], expand_payments=False)
                data.append(view)
        return 200, {"object": "list", "data": data, "has_more": more,
                     "url": "/v1/invoice_payments"}

    def _retrieve_invoice_payment(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import resource_missing

        payment_id = request.path_params["id"]
        with self._state.lock:
            payment = self.invoice_payments.get(payment_id)
            if payment is None:
                raise resource_missing("invoice_payment", payment_id, "id")
            return 200, copy.deepcopy(payment)

    def _retrieve_invoice(self, request: Request, body: bytes) -> tuple[Any, ...]:
        from backend.sandbox.stripe_app import RETRIEVE_SPEC, StripeApiError, parse_form, resource_missing

        params = parse_form(parse_qsl(request.url.query, keep_blank_values=True), RETRIEVE_SPEC)
        expand = params.get("expand") or []
        for index, path in enumerate(expand):
            if path != "payments":
                raise StripeApiError(f"This property cannot be expanded ({path}).",
                                     param=f"expand[{index}]")
        invoice_id = request.path_params["id"]
        with self._state.lock:
            if invoice_id not in self.invoices:
                raise resource_missing("invoice", invoice_id, "invoice")
            return 200, self._invoice_view(invoice_id, expand_payments=bool(expand))

    def _invoice_view(self, invoice_id: str, *, expand_payments: bool) -> dict[str, Any]:
        """The invoice; its `payments` appear only when expanded (API 2025-03-31 on)."""
        view = copy.deepcopy(self.invoices[invoice_id])
        if expand_payments:
            view["payments"] = {
                "object": "list", "has_more": False, "url": "/v1/invoice_payments",
                "data": [copy.deepcopy(p) for p in self.invoice_payments.values()
                         if p["invoice"] == invoice_id]}
        return view


def _money(amount: int, currency: str) -> str:
    """An amount as Stripe's refund errors write it: "$25.00" in dollars, else "25.00 EUR"."""
    from backend.sandbox.stripe_app import ZERO_DECIMAL

    whole = str(amount) if currency in ZERO_DECIMAL else f"{amount // 100}.{amount % 100:02d}"
    return f"${whole}" if currency == "usd" else f"{whole} {currency.upper()}"
