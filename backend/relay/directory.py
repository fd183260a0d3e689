"""The kiosk tokens a relay accepts, held in memory, and when each kiosk was last seen.

A kiosk's long-poll arrives every few seconds, and after a relay restart every
kiosk's arrives at once: a database lookup (and a "last seen" write) per poll
would put thousands of queries on the threads that store webhooks. Instead the
relay keeps the active tokens' hashes in memory and checks, every
`REFRESH_SECONDS`, whether the kiosk table changed (a cheap aggregate); only then
does it reload it. A revocation by another process (`relay revoke`) is thus seen
within `REFRESH_SECONDS`; one through a store in this process at once. Open
long-polls of a revoked kiosk are then ended (see `Notifier.kick`).

"Last seen" is for the operator: it is kept in memory and written for all kiosks
in one transaction every `SEEN_FLUSH_SECONDS`, and at shutdown.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from backend.relay.store import RelayStore, subscribe_kiosk_changes, unsubscribe_kiosk_changes

log = logging.getLogger("charter.relay.directory")

REFRESH_SECONDS = 0.25
SEEN_FLUSH_SECONDS = 30.0

Identity = tuple[str, str | None]

class KioskDirectory:
    """Active tokens by hash. `lookup` is for the event loop; `refresh` and
    `flush_seen` block (run them in a thread)."""

    def __init__(self, store: RelayStore) -> None:
        self._store = store
        self._by_hash: dict[str, Identity] = {}
        self._fingerprint: tuple[Any, ...] | None = None
        self._dirty = True
        self.loaded = False
        self._seen: dict[str, float] = {}
        self._seen_lock = threading.Lock()

    def attach(self) -> None:
        subscribe_kiosk_changes(self._store.url, self.invalidate)

    def detach(self) -> None:
        unsubscribe_kiosk_changes(self._store.url, self.invalidate)

    def invalidate(self) -> None:
        self._dirty = True

    @property
    def trusted(self) -> bool:
        """The in-memory table may answer (it was loaded and nothing changed since)."""
        return self.loaded and not self._dirty

    def lookup(self, token_hash: str) -> Identity | None:
        return self._by_hash.get(token_hash)

    def is_active(self, token_hash: str) -> bool:
        return token_hash in self._by_hash

    def refresh(self) -> set[str]:
        """Reload the table if it changed; return the names no longer active."""
        self._dirty = False  # cleared first: a change during the reload marks it again
        try:
            fingerprint = self._store.kiosk_fingerprint()
            if fingerprint == self._fingerprint and self.loaded:
                return set()
            table = self._store.active_kiosks()
        except Exception:
            self._dirty = True
            raise
        before = {name for name, _ in self._by_hash.values()}
        self._by_hash = table
        self._fingerprint = fingerprint
        self.loaded = True
        return before - {name for name, _ in table.values()}

    def saw(self, name: str, when: float) -> None:
        self._seen[name] = when  # one dict store per poll; written in batches

    def flush_seen(self) -> int:
        with self._seen_lock:
            seen, self._seen = self._seen, {}
            if not seen:
                return 0
            try:
                self._store.touch_kiosks_at(seen)
            except Exception:
                for name, when in seen.items():  # keep them for the next flush
                    self._seen.setdefault(name, when)
                raise
            return len(seen)

    def pending_seen(self) -> int:
        return len(self._seen)
