"""Share cash gifts with the other kiosks through the relay.

A cash gift is counted here first (the staff member sees it at once); then it
is sent to the relay's `/v1/cash`, which hands it to every kiosk's feed like a
provider event. The gift is marked unsent in `Meta` (`cash_unsent:<ref>`) in the
same transaction that counts it, and the mark goes only when the relay has
acknowledged it, so a relay that is down (or a kiosk that stops) when the gift
is recorded still gets it later, on a reconciler pass, exactly once: the relay
and every ledger dedup on the gift's reference.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from backend.db import database, ensure_database
from backend.models import Donation, Meta
from backend.result import UserError
from backend.secrets import get_secret
from backend.settings import get_settings

log = logging.getLogger("charter.cash")

UNSENT_PREFIX = "cash_unsent:"
TIMEOUT = (3.0, 5.0)  # connect, read: the staff member is waiting for the first try

Relay = tuple[str, str]  # base URL, kiosk token
# sent: the relay has it; retry: try again later (relay away, busy, token refused);
# refused: the relay will not take this body (it stays marked and is tried again on
# each pass, but no longer holds back the gifts queued after it).
SendResult = Literal["sent", "retry", "refused"]
_PERMANENT = {400, 413, 422}


def relay_config() -> Relay | None:
    """The relay to share with, or None when this kiosk has no relay or no token."""
    url = get_settings().relay_url
    if not url:
        return None
    try:
        token = get_secret("RELAY_TOKEN")
    except UserError:  # the keyring is unavailable: as good as no token here
        token = None
    return (url.rstrip("/"), token) if token else None


def gift_body(donation: Donation) -> dict[str, Any]:
    return {"id": donation.provider_ref, "campaign_id": donation.campaign_id,
            "kiosk_id": donation.kiosk_id, "amount_minor": donation.amount_minor,
            "currency": donation.currency, "display_name": donation.display_name,
            "created_at": donation.created_at.isoformat() + "Z",
            # A rehearsal gift on a test-mode kiosk must never reach a live total.
            "livemode": get_settings().mode == "live"}


def mark_unsent(donation_id: int) -> str:
    """Remember that this gift still has to reach the relay; its reference.

    Call it inside the transaction that counts the gift, so that no gift is
    counted here without also being queued for the others.
    """
    donation = Donation.get_by_id(donation_id)
    body = gift_body(donation)
    Meta.insert(key=UNSENT_PREFIX + donation.provider_ref, value=json.dumps(body)
                ).on_conflict_replace().execute()
    return str(donation.provider_ref)


def send_unsent(ref: str, relay: Relay | None = None) -> bool:
    """Try to send one gift marked unsent now; True once the relay has it."""
    relay = relay or relay_config()
    if relay is None:
        return False
    ensure_database()
    row = Meta.get_or_none(Meta.key == UNSENT_PREFIX + ref)
    if row is None:
        return True  # already sent (by a reconciler pass in the meantime)
    return _send(relay, ref, json.loads(row.value)) == "sent"


def share_pending() -> int:
    """Send every gift still marked unsent, oldest first; the number the relay now has."""
    relay = relay_config()
    if relay is None:
        return 0
    ensure_database()
    sent = 0
    rows = list(Meta.select().where(Meta.key.startswith(UNSENT_PREFIX)).order_by(Meta.key))
    for row in rows:
        result = _send(relay, row.key.removeprefix(UNSENT_PREFIX), json.loads(row.value))
        if result == "sent":
            sent += 1
        elif result == "retry":
            break  # the relay is away or refuses this kiosk: try again on the next pass
        # "refused": this one gift is malformed; it must not hold back the ones after it.
    return sent


def unsent_count() -> int:
    ensure_database()
    return int(Meta.select().where(Meta.key.startswith(UNSENT_PREFIX)).count())


def _send(relay: Relay, ref: str, body: dict[str, Any]) -> SendResult:
    import requests  # on first use: a kiosk with no cash to share starts without it

    url, token = relay
    try:
        answer = requests.post(f"{url}/v1/cash", json=body, timeout=TIMEOUT,
                               headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        log.info("cash gift %s not shared yet: %s", ref, type(exc).__name__)
        return "retry"
    if answer.status_code != 200:
        permanent = answer.status_code in _PERMANENT
        # A refused body will not get better by retrying, but it stays marked (and
        # counted here) and logged on every pass rather than silently dropped.
        log.warning("the relay refused cash gift %s: HTTP %d%s", ref, answer.status_code,
                    "" if permanent else "; will retry")
        return "refused" if permanent else "retry"
    with database.atomic():
        Meta.delete().where(Meta.key == UNSENT_PREFIX + ref).execute()
    return "sent"
