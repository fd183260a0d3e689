"""Share cash gifts with the other kiosks through the relay.

A cash gift is counted here first (the staff member sees it at once); then it
is sent to the relay's `/v1/cash`, which hands it to every kiosk's feed like a
provider event. Until the relay acknowledges it, the gift is marked unsent in
`Meta`, and every reconciler pass tries again, so a relay that is down when the
gift is recorded still gets it later, exactly once (the relay and every
ledger dedup on the gift's reference).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from backend.db import database, ensure_database
from backend.models import Donation, Meta
from backend.result import UserError
from backend.secrets import get_secret
from backend.settings import get_settings

log = logging.getLogger("charter.cash")

UNSENT_PREFIX = "cash_unsent:"
TIMEOUT = (3.0, 5.0)


def _relay() -> tuple[str, str] | None:
    url = get_settings().relay_url
    try:
        token = get_secret("RELAY_TOKEN")
    except UserError:
        token = None
    return (url.rstrip("/"), token) if url and token else None


def gift_body(donation: Donation) -> dict[str, Any]:
    return {"id": donation.provider_ref, "campaign_id": donation.campaign_id,
            "kiosk_id": donation.kiosk_id, "amount_minor": donation.amount_minor,
            "currency": donation.currency, "display_name": donation.display_name,
            "created_at": donation.created_at.isoformat() + "Z"}


def share_cash_gift(donation_id: int) -> bool:
    """Mark the gift unsent, then try to send it now; True once the relay has it."""
    relay = _relay()
    if relay is None:
        return False  # no relay: this kiosk's total is the only one
    ensure_database()
    donation = Donation.get_by_id(donation_id)
    body = gift_body(donation)
    with database.atomic():
        Meta.insert(key=UNSENT_PREFIX + donation.provider_ref, value=json.dumps(body)
                    ).on_conflict_replace().execute()
    return _send(relay, donation.provider_ref, body)


def share_pending() -> int:
    """Send every gift still marked unsent; the number the relay now has."""
    relay = _relay()
    if relay is None:
        return 0
    ensure_database()
    sent = 0
    for row in Meta.select().where(Meta.key.startswith(UNSENT_PREFIX)):
        if _send(relay, row.key.removeprefix(UNSENT_PREFIX), json.loads(row.value)):
            sent += 1
        else:
            break  # the relay is still away: try again on the next pass
    return sent


def unsent_count() -> int:
    ensure_database()
    return int(Meta.select().where(Meta.key.startswith(UNSENT_PREFIX)).count())


def _send(relay: tuple[str, str], ref: str, body: dict[str, Any]) -> bool:
    url, token = relay
    try:
        answer = requests.post(f"{url}/v1/cash", json=body, timeout=TIMEOUT,
                               headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        log.info("cash gift %s not shared yet: %s", ref, type(exc).__name__)
        return False
    if answer.status_code != 200:
        # 400 will not get better by retrying; keep it visible rather than lose it.
        log.warning("the relay refused cash gift %s: HTTP %d", ref, answer.status_code)
        return False
    with database.atomic():
        Meta.delete().where(Meta.key == UNSENT_PREFIX + ref).execute()
    return True
