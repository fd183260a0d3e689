"""Kiosk side of the relay: pull verified provider events and apply them to the ledger.

A kiosk worker thread runs `RelaySync.run(stop)`. Each round long-polls
`GET /v1/events?after=<cursor>&wait=25`; each batch is applied through
`ledger.apply_event(..., via="relay")` in ONE transaction together with the
new cursor, so a crash at any point either keeps the whole batch and its
cursor or neither: nothing is lost, and a replay is harmless because the
ledger counts each payment once.

The kiosk holds no webhook secret: it trusts the relay (over HTTPS, with its
own token) to have verified the signatures, and only parses the payloads.

Failures (network, relay 5xx, a revoked token, a database error) are kept in
`state()` for the staff screen and retried with exponential backoff and
jitter, 1 s doubling to 60 s. A connection that dies silently is noticed by
the read timeout, a little above the poll's wait (40 s with the default 25 s).

`gap: true` from the relay means events after our cursor are gone from it (it
pruned them, or our cursor came from another relay database). The relay then
answers from the oldest event it still holds, which is what resetting our
cursor to 0 would fetch; we apply that batch as usual (the ledger is
idempotent) and report the gap, since payments in the lost range reach this
kiosk only through its own poller or the reconciler.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee
import requests

from backend import ledger
from backend.db import ensure_database
from backend.http import SocketRegistry, abortable_adapter
from backend.models import Meta, SyncCursor, utcnow
from backend.result import UserError
from backend.webhooks import (
    ProviderEvent,
    parse_cash_event,
    parse_kiosk_event,
    parse_nowpayments_event,
    parse_stripe_event,
)

log = logging.getLogger("charter.sync")

POLL_WAIT_SECONDS = 25.0
# Read timeout = wait + this: a connection that silently died is given up
# after 40 s, inside the 45 s the staff screen promises.
READ_MARGIN_SECONDS = 15.0
CONNECT_TIMEOUT_SECONDS = 5.0
BATCH_LIMIT = 500
BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


class SyncError(Exception):
    """One round failed; the message is for the staff screen (never holds the token)."""


@dataclass(frozen=True)
class SyncState:
    connected: bool  # the last round reached the relay and was accepted
    cursor: int  # the last relay seq applied here
    last_event_age_s: float | None  # now minus when the relay received the newest applied event
    lag_s: float | None  # relay receipt to local apply, for the newest event; 0 when caught up
    last_error: str | None
    since: float | None  # `clock()` reading when `connected` last changed
    applied: int = 0  # events applied since start
    gaps: int = 0  # times the relay reported events lost before our cursor


# --- abortable HTTP -----------------------------------------------------------------
# A long-poll holds a request open for up to 25 s. To stop promptly we shut the
# socket down from the stopping thread, which wakes the blocked read at once;
# closing a requests.Session does not touch a connection that is in use
# (backend.http's socket registry, as the provider sessions use).


# --- the loop -------------------------------------------------------------------------


RELAY_IDENTITY_KEY = "relay_identity"


def relay_identity() -> dict[str, Any] | None:
    """The kiosk name and mode the relay last said this kiosk's token belongs to."""
    ensure_database()
    row = Meta.get_or_none(Meta.key == RELAY_IDENTITY_KEY)
    return json.loads(row.value) if row is not None else None


def _parse(provider: str, payload: str, event_type: str | None = None) -> ProviderEvent:
    raw = payload.encode("utf-8")
    if provider == "stripe":
        return parse_stripe_event(raw)
    if provider == "nowpayments":
        return parse_nowpayments_event(raw)
    if provider == "kiosk":
        # A body sent to /v1/cash may leave out its type; the relay stored it.
        return parse_kiosk_event(raw, default_type=event_type)
    if provider == "cash":
        return parse_cash_event(raw)
    raise UserError(f"unknown provider {provider!r}")


def _received_ts(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def retry_delay(backoff: float, jitter: float) -> float:
    """The wait before the next attempt: `backoff` (1 s doubling to 60 s) plus up to
    half again, `jitter` in [0, 1), so a fleet of kiosks that lost the relay
    together does not come back in lockstep."""
    return min(BACKOFF_MAX_SECONDS, backoff * (1.0 + 0.5 * jitter))


class RelaySync:
    """Pull events from one relay into this kiosk's ledger."""

    def __init__(
        self,
        relay_url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        on_applied: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        wait: float = POLL_WAIT_SECONDS,
        read_timeout: float | None = None,
        rng: Callable[[], float] = random.random,
        batch_limit: int = BATCH_LIMIT,
    ) -> None:
        if not token:
            raise UserError("The relay token (RELAY_TOKEN) is not configured.")
        self.relay_url = relay_url.rstrip("/")
        self._token = token
        self._registry = SocketRegistry()
        self._session = session or requests.Session()
        # Mounted for the relay's address only, so a shared session's other
        # traffic is untouched.
        self._session.mount(self.relay_url + "/", abortable_adapter(self._registry))
        self._on_applied = on_applied
        self._clock = clock
        self._wall = wall_clock
        self._wait = wait
        self._read_timeout = read_timeout
        self._rng = rng
        if batch_limit < 1:
            raise ValueError(f"a batch holds at least one event, not {batch_limit}")
        self._batch_limit = batch_limit
        self._lock = threading.Lock()
        self._connected = False
        self._since: float | None = None
        self._last_error: str | None = None
        self._cursor: int | None = None
        self._newest_received: float | None = None
        self._lag: float | None = None
        self._applied = 0
        self._gaps = 0
        self._stopping = False
        self._identity: dict[str, Any] | None = None

    # --- public -------------------------------------------------------------------

    def state(self) -> SyncState:
        with self._lock:
            # Never touches the database: the staff screen calls this on the GUI thread.
            cursor = self._cursor or 0
            age = (max(0.0, self._wall() - self._newest_received)
                   if self._newest_received is not None else None)
            return SyncState(
                connected=self._connected, cursor=cursor, last_event_age_s=age,
                lag_s=self._lag, last_error=self._last_error, since=self._since,
                applied=self._applied, gaps=self._gaps,
            )

    def run(self, stop: threading.Event) -> None:
        """Sync until `stop` is set; returns within about a second of it."""
        watcher = threading.Thread(target=self._abort_on, args=(stop,),
                                   name="relay-sync-stop", daemon=True)
        watcher.start()
        backoff = BACKOFF_START_SECONDS
        try:
            while not stop.is_set():
                try:
                    self.poll_once(self._wait)
                    backoff = BACKOFF_START_SECONDS
                except Exception as exc:
                    if stop.is_set():
                        break  # the abort we caused ourselves
                    self._failed(exc)
                    delay = retry_delay(backoff, self._rng())
                    log.info("relay sync retrying in %.1f s", delay)
                    stop.wait(delay)
                    backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
        finally:
            stop.set()  # release the watcher
            watcher.join(2)
            self._set_connected(False)

    def poll_once(self, wait: float) -> int:
        """One request to the relay and one transaction; the number of events applied.

        Raises `SyncError` (or a database error) when the round failed; the
        cursor is then unchanged.
        """
        cursor = self._load_cursor()
        page = self._fetch(cursor, wait)
        events = page["events"]
        applied = self._apply(cursor, page)
        self._set_connected(True)
        with self._lock:
            self._last_error = None
        if events:
            log.info("applied %d relay events up to seq %d", applied, page["next"])
            if self._on_applied is not None:
                try:
                    self._on_applied(applied)
                except Exception:
                    log.exception("on_applied callback failed")
        return applied

    def abort(self) -> None:
        """Cut any request in flight (used by `run` when stop is set)."""
        self._registry.abort_all()

    # --- steps --------------------------------------------------------------------

    def _abort_on(self, stop: threading.Event) -> None:
        stop.wait()
        self.abort()

    def _load_cursor(self) -> int:
        ensure_database()
        row = SyncCursor.get_or_none(SyncCursor.relay_url == self.relay_url)
        value = int(row.last_seq) if row is not None else 0
        self._cursor = value
        return value

    def _fetch(self, cursor: int, wait: float) -> dict[str, Any]:
        url = f"{self.relay_url}/v1/events"
        params: dict[str, str | int | float] = {"after": cursor, "limit": self._batch_limit,
                                                "wait": max(0.0, wait)}
        try:
            answer = self._session.get(
                url, params=params, headers={"Authorization": f"Bearer {self._token}"},
                timeout=(CONNECT_TIMEOUT_SECONDS,
                         self._read_timeout or wait + READ_MARGIN_SECONDS),
            )
        except requests.Timeout:
            raise SyncError("The relay did not answer in time; reconnecting.") from None
        except requests.RequestException as exc:
            raise SyncError(f"Cannot reach the relay ({type(exc).__name__}).") from None
        if answer.status_code == 401:
            raise SyncError("The relay refused this kiosk's token (RELAY_TOKEN is wrong or "
                            "was revoked). Ask for a new one: charter-kiosk relay add-kiosk.")
        if answer.status_code != 200:
            detail = ""
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(answer.json().get("error", ""))[:200]
            raise SyncError(f"The relay answered {answer.status_code}. {detail}".strip())
        try:
            page = answer.json()
            events = page["events"]
            int(page["next"])
            if not isinstance(events, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise SyncError("The relay's answer was not understood.") from None
        return dict(page)

    def _apply(self, cursor: int, page: dict[str, Any]) -> int:
        db = ensure_database()
        events: list[dict[str, Any]] = page["events"]
        gap = bool(page.get("gap"))
        next_seq = int(page["next"])
        if gap:
            log.warning("relay reports events lost after seq %d (pruned, or a different relay "
                        "database); continuing from its oldest event", cursor)
        elif next_seq < cursor:
            raise SyncError("The relay's cursor went backwards; not applying.")
        applied = 0
        newest_received: float | None = None
        with db.atomic():
            for event in events:
                try:
                    provider = str(event["provider"])
                    parsed = _parse(provider, str(event["payload"]), event.get("type"))
                    # What the relay vouches for: the mode it established (the
                    # secret that verified, the sender's token) and the sender.
                    mode, origin = event.get("mode"), event.get("kiosk")
                    parsed = dataclasses.replace(
                        parsed, mode=mode if mode in ("test", "live") else None,
                        origin=origin if isinstance(origin, str) and origin else None)
                except (KeyError, TypeError, UserError) as exc:
                    # Unreadable on arrival means unreadable forever: skip it, or
                    # it would block every later payment.
                    log.error("skipping unreadable relay event seq %s: %s", event.get("seq"), exc)
                    continue
                try:
                    with db.atomic():  # a savepoint: one refused event leaves the rest
                        outcome = ledger.apply_event(parsed, via="relay")
                except UserError as exc:
                    log.warning("relay event %s refused by the ledger: %s", parsed.dedup_key, exc)
                    continue
                applied += 1
                if outcome.ignored_reason:
                    log.debug("relay event %s ignored: %s", parsed.dedup_key,
                              outcome.ignored_reason)
                received = _received_ts(event.get("received_at"))
                if received is not None:
                    newest_received = received
            self._store_cursor(next_seq)
            you = page.get("you")
            if isinstance(you, dict) and you != self._identity:
                # Who the relay takes this kiosk for (name and mode): `check` and the
                # staff screen compare it with kiosk.toml.
                Meta.insert(key=RELAY_IDENTITY_KEY, value=json.dumps(you)).on_conflict_replace(
                ).execute()
                self._identity = dict(you)
        now = self._wall()
        with self._lock:
            self._cursor = next_seq
            self._applied += applied
            if gap:
                self._gaps += 1
                self._last_error = None
            if newest_received is not None:
                self._newest_received = newest_received
                self._lag = max(0.0, now - newest_received)
            elif not events:
                self._lag = 0.0  # caught up
        return applied

    def _store_cursor(self, seq: int) -> None:
        SyncCursor.insert(relay_url=self.relay_url, last_seq=seq, updated_at=utcnow()).on_conflict(
            conflict_target=[SyncCursor.relay_url],
            preserve=[SyncCursor.last_seq, SyncCursor.updated_at],
        ).execute()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, SyncError):
            message = str(exc)
            log.warning("relay sync: %s", message)
        elif isinstance(exc, peewee.DatabaseError):
            message = "The kiosk database was busy or unavailable; retrying."
            log.warning("relay sync: database error: %s", exc)
        elif isinstance(exc, UserError):
            message = str(exc)
            log.warning("relay sync: %s", message)
        else:
            message = "Relay sync hit an unexpected error; see the kiosk log."
            log.exception("relay sync failed")
        with self._lock:
            self._last_error = message
        self._set_connected(False)

    def _set_connected(self, connected: bool) -> None:
        with self._lock:
            if connected != self._connected or self._since is None:
                self._since = self._clock()
            self._connected = connected
