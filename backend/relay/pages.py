"""The two pages a donor's phone lands on after Stripe Checkout.

They are deliberately static: the query string (Checkout adds `session_id`) is
untrusted, so at most a well-formed session id is shown, escaped, as a
reference for the donor to quote. The pages promise nothing about the payment:
the webhook, not this redirect, is what confirms a gift.
"""

from __future__ import annotations

import html
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse

_SESSION_ID = re.compile(r"^cs_(test|live)_[A-Za-z0-9]{1,200}$")

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
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1.25rem;
       background: #f7f5f0; color: #222; line-height: 1.5; }}
main {{ max-width: 32rem; margin: 10vh auto 0; text-align: center; }}
h1 {{ font-size: 1.8rem; margin-bottom: .5rem; }}
p {{ font-size: 1.1rem; }}
.ref {{ font-size: .85rem; color: #666; word-break: break-all; }}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
{body}
</main>
</body>
</html>
"""


def _render(title: str, heading: str, paragraphs: list[str]) -> HTMLResponse:
    body = "\n".join(paragraphs)
    return HTMLResponse(_PAGE.format(title=title, heading=heading, body=body), headers=_HEADERS)


async def thanks(request: Request) -> HTMLResponse:
    paragraphs = [
        "<p>Your gift is being confirmed. It will appear in the campaign total "
        "in a moment.</p>",
        "<p>You can close this page and return to the kiosk.</p>",
    ]
    session_id = request.query_params.get("session_id", "")
    if _SESSION_ID.match(session_id):
        paragraphs.append(f'<p class="ref">Reference: {html.escape(session_id)}</p>')
    return _render("Thank you", "Thank you — your gift is being confirmed", paragraphs)


async def cancelled(request: Request) -> HTMLResponse:
    paragraphs = [
        "<p>Your payment was cancelled and nothing was charged.</p>",
        "<p>You can return to the kiosk to try again whenever you like.</p>",
    ]
    return _render("Payment cancelled", "No worries — nothing was charged", paragraphs)
