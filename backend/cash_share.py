"""Staff actions shared with every kiosk through the relay: cash gifts, their
voids, decisions on partly paid crypto gifts.

An action is applied here first (the staff member sees it at once) and queued
in `Outbox` in the same transaction (`ledger.queue_for_relay`). It is then
sent to the relay's `/v1/kiosk-events`, which stamps the sending kiosk and its
mode and hands it to every kiosk's feed like a provider event. The queue entry
goes only when the relay has acknowledged it, so a relay that is down (or a
kiosk that stops) when the action is taken still gets it later, on a
reconciler pass, exactly once: the relay and every ledger dedup on its id.
Actions are sent oldest first, so a void never reaches the relay before its gift.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from backend.db import database, ensure_database
from backend.models import Outbox
from backend.result import UserError
from backend.secrets import get_secret
from backend.settings import get_settings

log = logging.getLogger("charter.cash")

TIMEOUT = (3.0, 5.0)  # connect, read: the staff member is waiting for the first try

Relay = tuple[str, str]  # base URL, kiosk token
# sent: the relay has it; retry: try again later (relay away, busy, token refused);
# refused: the relay will not take this body (it stays queued and is tried again on
# each pass, but no longer holds back the actions queued after it).
SendResult = Literal["sent", "retry", "refused"]
_PERMANENT = {400, 403, 413, 422}


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


def send_unsent(event_id: str, relay: Relay | None = None) -> bool:
    """Try to send one queued action now; True once the relay has it."""
    relay = relay or relay_config()
    if relay is None:
        return False
    ensure_database()
    row = Outbox.get_or_none(Outbox.event_id == event_id)
    if row is None:
        return True  # already sent (by a reconciler pass in the meantime)
    earlier = Outbox.select().where(Outbox.id < row.id).exists()
    if earlier:
        # Keep the order (a void after its gift): send the whole queue instead.
        share_pending(relay)
        return not Outbox.select().where(Outbox.event_id == event_id).exists()
    return _send(relay, event_id, json.loads(row.body)) == "sent"


def share_pending(relay: Relay | None = None) -> int:
    """Send every queued action, oldest first; the number the relay now has."""
    relay = relay or relay_config()
    if relay is None:
        return 0
    ensure_database()
    sent = 0
    for row in list(Outbox.select().order_by(Outbox.id)):
        result = _send(relay, row.event_id, json.loads(row.body))
        if result == "sent":
            sent += 1
        elif result == "retry":
            break  # the relay is away or refuses this kiosk: try again on the next pass
        # "refused": this one action is malformed; it must not hold back the ones after it.
    return sent


def unsent_count() -> int:
    ensure_database()
    return int(Outbox.select().count())


def _send(relay: Relay, event_id: str, body: dict[str, Any]) -> SendResult:
    import requests  # on first use: a kiosk with nothing to share starts without it

    url, token = relay
    try:
        answer = requests.post(f"{url}/v1/kiosk-events", json=body, timeout=TIMEOUT,
                               headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        log.info("staff action %s not shared yet: %s", event_id, type(exc).__name__)
        return "retry"
    if answer.status_code != 200:
        permanent = answer.status_code in _PERMANENT
        # A refused body will not get better by retrying, but it stays queued (and
        # applied here) and logged on every pass rather than silently dropped.
        log.warning("the relay refused staff action %s: HTTP %d%s", event_id,
                    answer.status_code, "" if permanent else "; will retry")
        return "refused" if permanent else "retry"
    with database.atomic():
        Outbox.delete().where(Outbox.event_id == event_id).execute()
    return "sent"
