"""The two pages a donor's phone lands on after Stripe Checkout.

They name the charity and the amount and say what happens next, laid out for a
phone first (a 390 px wide screen, thumb-sized type, nothing to zoom). The
query string is untrusted: the kiosk puts `charity` and `amount` there, and
Checkout adds `session_id`; each is shown only when it is short plain text (or
a well-formed session id), always escaped. The pages promise nothing about the
payment: the webhook, not this redirect, is what confirms a gift.
"""

from __future__ import annotations

import html
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse

_SESSION_ID = re.compile(r"^cs_(test|live)_[A-Za-z0-9]{1,200}$")
# Letters of any script, digits, spaces and the punctuation of names and amounts.
_PLAIN = re.compile(r"^[\w .,'’&()\-–—:!/+#$€£¥₹%]{1,80}$")

_HEADERS = {
    # Nothing external, no scripts; the session id must not leak via Referer.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{title}</title>
<style>
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       padding: 24px 20px 40px; background: #f7f5f0; color: #1b1b1b; line-height: 1.5;
       font-size: 18px; overflow-wrap: anywhere; }}
main {{ max-width: 34rem; margin: 0 auto; }}
.mark {{ width: 72px; height: 72px; border-radius: 50%; margin: 8px auto 16px;
        display: flex; align-items: center; justify-content: center; font-size: 40px;
        font-weight: 800; color: #fff; background: {accent}; }}
.charity {{ text-align: center; font-size: 17px; font-weight: 700; color: #4a5852;
           letter-spacing: .04em; text-transform: uppercase; margin: 0 0 4px; }}
h1 {{ text-align: center; font-size: 28px; line-height: 1.25; margin: 0 0 12px; }}
.amount {{ text-align: center; font-size: 44px; font-weight: 800; color: #0b5d43;
          margin: 0 0 20px; }}
section {{ background: #fff; border: 1px solid #ddd8cf; border-radius: 16px;
          padding: 16px 20px; margin: 0 0 16px; }}
h2 {{ font-size: 18px; margin: 0 0 8px; }}
ol {{ margin: 0; padding-left: 1.4em; }}
li {{ margin: 0 0 8px; }}
.amount.muted {{ color: #6b6f6c; font-size: 32px; }}
.amount small {{ display: block; font-size: 16px; font-weight: 600; }}
.ref {{ font-size: 14px; color: #555; text-align: center; }}
</style>
</head>
<body>
<main>
<div class="mark" aria-hidden="true">{mark}</div>
{charity}
<h1>{heading}</h1>
{amount}
<section>
<h2>What happens next</h2>
<ol>
{steps}
</ol>
</section>
{footer}
</main>
</body>
</html>
"""


def _plain(request: Request, name: str) -> str | None:
    value = " ".join(request.query_params.get(name, "").split())
    return value if _PLAIN.match(value) else None


def _render(request: Request, *, title: str, heading: str, mark: str, accent: str,
            amount_line: str, steps: list[str], footer: str = "", muted: bool = False
            ) -> HTMLResponse:
    charity = _plain(request, "charity")
    amount = _plain(request, "amount")
    muted_class = " muted" if muted else ""
    body = _PAGE.format(
        title=html.escape(title), mark=mark, accent=accent, heading=html.escape(heading),
        charity=f'<p class="charity">{html.escape(charity)}</p>' if charity else "",
        amount=(f'<p class="amount{muted_class}">{html.escape(amount)}'
                f"<small>{html.escape(amount_line)}</small></p>") if amount else "",
        steps="\n".join(f"<li>{html.escape(step)}</li>" for step in steps),
        footer=footer,
    )
    return HTMLResponse(body, headers=_HEADERS)


async def thanks(request: Request) -> HTMLResponse:
    charity = _plain(request, "charity") or "the campaign"
    session_id = request.query_params.get("session_id", "")
    footer = ""
    if _SESSION_ID.match(session_id):
        footer = f'<p class="ref">Reference: {html.escape(session_id)}</p>'
    return _render(
        request, title="Thank you", heading="Thank you — your gift is being confirmed",
        mark="♥", accent="#0b6e4f", amount_line="your gift",
        steps=[
            "Stripe confirms your payment, usually within a few seconds.",
            f"Your gift is then counted in the total for {charity}: look up at the "
            "kiosk to see it go up.",
            "If you gave your email, your receipt is on its way to your inbox.",
            "You can close this page; there is nothing more to do.",
        ],
        footer=footer)


async def cancelled(request: Request) -> HTMLResponse:
    return _render(
        request, title="Payment cancelled", heading="No worries — nothing was charged",
        mark="✓", accent="#2e5aac", amount_line="not charged", muted=True,
        steps=[
            "Your payment was cancelled before anything was taken.",
            "To give after all, go back to the kiosk and scan a new code: this one no "
            "longer works.",
            "You can close this page.",
        ])
