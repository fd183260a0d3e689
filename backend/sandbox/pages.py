"""The hosted pages a person (or a demo phone) uses: Stripe Checkout and NOWPayments invoices.

Plain HTML with POST forms; nothing to load from the internet.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from backend.sandbox.common import SandboxError
from backend.sandbox.nowpayments_app import COINS, NowPaymentsSandbox
from backend.sandbox.stripe_app import StripeSandbox, format_amount

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;color:#1a1f36}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem;
width:min(24rem,90vw);text-align:center}
.badge{display:inline-block;background:#ffde92;color:#5c3c00;border-radius:4px;
font-size:.75rem;padding:.1rem .5rem;letter-spacing:.05em}
.amount{font-size:2.5rem;font-weight:600;margin:.5rem 0}
.name{color:#697386;margin-bottom:1.5rem}
form{display:inline}
button{font-size:1.1rem;border:0;border-radius:6px;padding:.8rem 1.6rem;margin:.3rem;cursor:pointer}
.pay{background:#635bff;color:#fff}.cancel{background:#e3e8ee;color:#1a1f36}
select{font-size:1rem;padding:.4rem;margin-bottom:1rem}
.msg{font-size:1.2rem;margin:1rem 0}
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><span class=badge>TEST MODE · SANDBOX</span>{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status)


def _message(title: str, text: str, status: int = 200) -> HTMLResponse:
    return _page(title, f"<h1>{escape(title)}</h1><p class=msg>{escape(text)}</p>", status)


class Pages:
    def __init__(self, stripe: StripeSandbox, nowpayments: NowPaymentsSandbox) -> None:
        self._stripe = stripe
        self._np = nowpayments

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/checkout/{id}", self.checkout, methods=["GET"]),
            Route("/checkout/{id}/pay", self.checkout_pay, methods=["POST"]),
            Route("/checkout/{id}/cancel", self.checkout_cancel, methods=["POST"]),
            Route("/invoice/{id}", self.invoice, methods=["GET"]),
            Route("/invoice/{id}/pay", self.invoice_pay, methods=["POST"]),
            Route("/invoice/{id}/cancel", self.invoice_cancel, methods=["POST"]),
        ]

    # -- Stripe Checkout ---------------------------------------------------------

    async def checkout(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            session = self._stripe.session(session_id)
        except SandboxError:
            return _message("Checkout not found", "This checkout link is not valid.", 404)
        if session["status"] == "complete":
            return _message("Already paid", "This payment is complete. Thank you!")
        if session["status"] == "expired":
            return _message("Checkout expired",
                            "This checkout session has expired. Please start again.", 410)
        items = self._stripe.line_items(session_id)
        name = items[0]["name"] if items else "Payment"
        label = "Donate" if session.get("submit_type") == "donate" else "Pay"
        sid = escape(session_id)
        body = (
            f"<h1>{escape(label)}</h1>"
            f"<div class=amount>{escape(format_amount(session['amount_total'], session['currency']))}"
            f"</div><div class=name>{escape(name)}</div>"
            f'<form method=post action="/checkout/{sid}/pay">'
            f'<button class=pay type=submit>{escape(label)}</button></form>'
            f'<form method=post action="/checkout/{sid}/cancel">'
            '<button class=cancel type=submit>Cancel</button></form>'
        )
        return _page(f"{label} – sandbox checkout", body)

    async def checkout_pay(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            session = self._stripe.pay(session_id, webhook=True)
        except SandboxError as exc:
            if exc.status == 404:
                return _message("Checkout not found", "This checkout link is not valid.", 404)
            return _message("Cannot pay", str(exc), 409)
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return RedirectResponse(target, status_code=303)

    async def checkout_cancel(self, request: Request) -> Response:
        try:
            session = self._stripe.session(request.path_params["id"])
        except SandboxError:
            return _message("Checkout not found", "This checkout link is not valid.", 404)
        # Like Stripe's back link: the session stays open until it expires.
        return RedirectResponse(session["cancel_url"], status_code=303)

    # -- NOWPayments invoices -------------------------------------------------

    async def invoice(self, request: Request) -> Response:
        invoice_id = request.path_params["id"]
        try:
            invoice = self._np.invoice(invoice_id)
        except SandboxError:
            return _message("Invoice not found", "This invoice link is not valid.", 404)
        if invoice["payment_ids"]:
            return _message("Already paid", "This invoice is paid. Thank you!")
        iid = escape(invoice["id"])
        price = f"{invoice['price_amount']} {invoice['price_currency'].upper()}"
        if invoice["pay_currency"]:
            chooser = f"<p>Pay with {escape(invoice['pay_currency'].upper())}</p>"
        else:
            options = "".join(f'<option value="{c}">{c.upper()}</option>' for c in COINS)
            chooser = f'<select name=pay_currency aria-label="Coin">{options}</select><br>'
        body = (
            "<h1>Crypto payment</h1>"
            f"<div class=amount>{escape(price)}</div>"
            f"<div class=name>{escape(invoice['order_description'] or 'Payment')}</div>"
            f'<form method=post action="/invoice/{iid}/pay">{chooser}'
            '<button class=pay type=submit>Pay</button></form>'
            f'<form method=post action="/invoice/{iid}/cancel">'
            '<button class=cancel type=submit>Cancel</button></form>'
        )
        return _page("Sandbox crypto invoice", body)

    async def invoice_pay(self, request: Request) -> Response:
        invoice_id = request.path_params["id"]
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        try:
            invoice = self._np.invoice(invoice_id)
            if invoice["payment_ids"]:
                return _message("Already paid", "This invoice is paid. Thank you!", 409)
            self._np.pay_invoice(invoice_id, form.get("pay_currency") or None)
        except SandboxError as exc:
            if exc.status == 404:
                return _message("Invoice not found", "This invoice link is not valid.", 404)
            return _message("Cannot pay", str(exc), 400)
        if invoice["success_url"]:
            return RedirectResponse(invoice["success_url"], status_code=303)
        return _message("Paid", "Payment finished. Thank you!")

    async def invoice_cancel(self, request: Request) -> Response:
        try:
            invoice = self._np.invoice(request.path_params["id"])
        except SandboxError:
            return _message("Invoice not found", "This invoice link is not valid.", 404)
        if invoice["cancel_url"]:
            return RedirectResponse(invoice["cancel_url"], status_code=303)
        return _message("Cancelled", "The payment was cancelled.")
