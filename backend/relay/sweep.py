"""The missed-webhook sweep: ask Stripe for events the relay may not have.

A relay that was down longer than Stripe retries (three days), or a secret that
was wrong for a while, loses webhooks. The sweep lists the events Stripe did
not deliver successfully, and the Checkout and refund events by type, created
since the last sweep (with an hour of overlap), and stores any the relay lacks
exactly as if it had arrived by webhook: same raw event JSON, same dedup key
(the event id), so kiosks apply it through the same feed and a duplicate is
stored nothing.

Needs a Stripe key on the relay host with read access to Events
(`STRIPE_SECRET_KEY_TEST`/`_LIVE` for the relay's mode; a restricted key is enough).
NOWPayments has no event list; the kiosk's reconciler covers crypto payments.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import stripe

from backend.relay.store import IngestItem, RelayStore
from backend.result import UserError
from backend.webhooks import stripe_event_mode

log = logging.getLogger("charter.relay.sweep")

SWEPT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "invoice.paid",
    "invoice_payment.paid",
    "customer.subscription.deleted",
)
STRIPE_RETRY_WINDOW_S = 3 * 24 * 3600  # Stripe retries for up to three days
OVERLAP_S = 3600  # events can be listed a little after their `created`
SWEEP_SIGNATURE = "swept"  # marks events fetched over the API, not pushed and signed
META_LAST_SWEEP = "last_sweep"


@dataclass(frozen=True)
class SweepReport:
    listed: int
    stored: int
    duplicates: int
    since: int
    finished_at: float


def _events(client: stripe.StripeClient, params: dict[str, Any]) -> Iterable[Any]:
    page = client.v1.events.list(params=params)  # type: ignore[arg-type]
    return page.auto_paging_iter()


def sweep_stripe(store: RelayStore, client: stripe.StripeClient, *,
                 clock: Callable[[], float] = time.time) -> SweepReport:
    """One sweep; raises `stripe.StripeError` or `DatabaseUnavailable` on failure."""
    now = clock()
    previous = store.get_meta(META_LAST_SWEEP)
    if previous:
        since = int(json.loads(previous)["since_created"]) - OVERLAP_S
    else:
        since = int(now) - STRIPE_RETRY_WINDOW_S
    since = max(since, int(now) - STRIPE_RETRY_WINDOW_S - OVERLAP_S)
    seen: dict[str, Any] = {}
    queries = [
        {"delivery_success": False, "created": {"gt": since}, "limit": 100},
        {"types": list(SWEPT_TYPES), "created": {"gt": since}, "limit": 100},
    ]
    for params in queries:
        for event in _events(client, params):
            seen[event.id] = event
    items = []
    for event in sorted(seen.values(), key=lambda e: (e.created, e.id)):
        body = event.to_dict()
        # Stored with the mode the event itself establishes, like a webhook; one
        # whose mode is unclear is left out, as the webhook path would refuse it.
        mode = stripe_event_mode(body)
        if mode is None:
            log.warning("sweep skipped Stripe event %s: its mode cannot be established",
                        event.id)
            continue
        items.append(IngestItem(provider="stripe", dedup_key=event.id, event_type=event.type,
                                payload=json.dumps(body, separators=(",", ":")),
                                signature=SWEEP_SIGNATURE, mode=mode))
    outcomes = store.insert_batch(items) if items else []
    stored = sum(1 for o in outcomes if not o.duplicate)
    finished = clock()
    # The next sweep looks again from this one's start (less the overlap): an
    # event created since then may still be in Stripe's retries, or fail them.
    store.set_meta(META_LAST_SWEEP, json.dumps({
        "at": finished, "since_created": int(now), "listed": len(items), "stored": stored}))
    if stored:
        log.warning("sweep stored %d Stripe events that had not arrived by webhook", stored)
    return SweepReport(listed=len(items), stored=stored, duplicates=len(items) - stored,
                       since=since, finished_at=finished)


def last_sweep(store: RelayStore) -> dict[str, Any] | None:
    raw = store.get_meta(META_LAST_SWEEP)
    return json.loads(raw) if raw else None


def sweep_client() -> stripe.StripeClient | None:
    """The Stripe client for sweeping, or None when this relay holds no Stripe key.

    A relay has no kiosk mode: it sweeps with the live key when it holds one, else
    the test key (the kiosks' ledgers ignore events of the other mode anyway).
    """
    from backend.secrets import get_secret
    from backend.stripe_api import client_for_key

    for name in ("STRIPE_SECRET_KEY_LIVE", "STRIPE_SECRET_KEY_TEST"):
        try:
            key = get_secret(name)
        except UserError:
            key = None
        if key:
            return client_for_key(key)
    log.warning("no missed-webhook sweep: this relay holds no STRIPE_SECRET_KEY_LIVE or _TEST")
    return None
