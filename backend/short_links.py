"""A kiosk's side of the relay's short pay links (see backend/relay/paylinks.py).

With a relay configured, the card QR code carries `<relay>/p/<code>` (~45
characters) instead of the 350-450 character Checkout URL: half as many modules
a side, so each is twice as big and a phone reads it at arm's length. Without a
relay, or if the relay does not answer within a couple of seconds, the QR code
carries the Checkout URL itself: the donor can always pay.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from backend.result import Result

log = logging.getLogger("charter.paylinks")

TIMEOUT = (2.0, 3.0)  # connect, read: a donor is waiting for the code


def shorten(relay_url: str, token: str, url: str, expires_at: float) -> str | None:
    """The short link for `url`, or None when the relay cannot make one now."""
    try:
        answer = requests.post(f"{relay_url.rstrip('/')}/v1/paylinks",
                               json={"url": url, "expires_at": expires_at},
                               headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        log.info("no short pay link (relay unreachable: %s); the QR carries the full URL",
                 type(exc).__name__)
        return None
    if answer.status_code != 201:
        log.warning("no short pay link: the relay answered %s", answer.status_code)
        return None
    try:
        code = answer.json().get("code")
    except ValueError:
        return None
    if not isinstance(code, str) or not code.replace("-", "").replace("_", "").isalnum():
        return None
    # Built from the address this kiosk was given, not the relay's idea of itself: behind
    # a TLS proxy the relay may see itself as http://127.0.0.1:8080.
    return f"{relay_url.rstrip('/')}/p/{code}"


def with_short_link(result: Result) -> Result:
    """A successful card payment's result with `qr_payload` the short link, when there is
    a relay to make one; `checkout_url` is kept either way."""
    from backend.cash_share import relay_config

    if not result.get("success"):
        return result
    data: dict[str, Any] = dict(result["data"])
    relay = relay_config()
    url, expires = data.get("checkout_url"), data.get("expires_at")
    if relay is None or not isinstance(url, str) or not isinstance(expires, int | float):
        return result
    short = shorten(relay[0], relay[1], url, float(expires))
    if short:
        data["qr_payload"] = short
        data["short_url"] = short
    return {"success": True, "data": data}
