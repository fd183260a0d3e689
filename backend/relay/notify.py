"""Wake long-polling kiosks the moment an event is committed.

`Notifier` lives on the relay's event loop: every commit bumps a version and
sets an `asyncio.Event` that all waiting requests share, so a thousand idle
long-polls cost no threads and wake together.

Commits made by another relay process on the same PostgreSQL database arrive
through `PostgresListener`: a thread holding one dedicated connection that
LISTENs on the channel the ingest transaction NOTIFYs. If that connection is
lost, the thread bumps the notifier every 200 ms until it is back, so waiting
kiosks fall back to a short poll of the database instead of missing events.
"""

from __future__ import annotations

import asyncio
import logging
import select
import threading
from collections.abc import Callable
from typing import Any

from backend.relay.store import NOTIFY_CHANNEL

log = logging.getLogger("charter.relay.notify")

FALLBACK_POLL_SECONDS = 0.2
WAKE_BATCH = 200


class Notifier:
    """A version counter with an awaitable 'it changed'. Use from the event loop only.

    Each waiter is one future: `bump` resolves them all (an event for every kiosk),
    `kick(key)` only those waiting under `key` (a kiosk whose token was revoked).
    """

    def __init__(self) -> None:
        self.version = 0
        self.closed = False
        self._waiters: set[asyncio.Future[None]] = set()
        self._by_key: dict[str, set[asyncio.Future[None]]] = {}

    def bump(self) -> None:
        self.version += 1
        waiters, self._waiters = self._waiters, set()
        self._wake(list(waiters))

    def _wake(self, waiters: list[asyncio.Future[None]]) -> None:
        # A few hundred per turn of the event loop: waking 10,000 at once would make
        # one turn of half a second, and a webhook arriving meanwhile would wait
        # for all of it before being read, and again before being answered.
        for future in waiters[:WAKE_BATCH]:
            if not future.done():
                future.set_result(None)
        if len(waiters) > WAKE_BATCH:
            asyncio.get_running_loop().call_soon(self._wake, waiters[WAKE_BATCH:])

    def kick(self, key: str) -> None:
        for future in self._by_key.pop(key, ()):
            if not future.done():
                future.set_result(None)

    def close(self) -> None:
        """Release every waiter now (shutdown): they answer with what they have."""
        self.closed = True
        self.bump()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def wait_past(self, version: int, timeout: float, key: str | None = None) -> bool:
        """Wait until the version differs from `version` (or `key` is kicked); False
        on timeout."""
        if self.version != version or self.closed:
            return True
        if timeout <= 0:
            return False
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(future)
        if key is not None:
            self._by_key.setdefault(key, set()).add(future)
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            return False
        finally:
            self._waiters.discard(future)
            if key is not None:
                keyed = self._by_key.get(key)
                if keyed is not None:
                    keyed.discard(future)
                    if not keyed:
                        del self._by_key[key]
        return True


class PostgresListener:
    """LISTEN for commits by any relay process; bump `notifier` on its loop."""

    def __init__(
        self,
        connect_kwargs: dict[str, Any],
        notifier: Notifier,
        loop: asyncio.AbstractEventLoop,
        *,
        on_commit: Callable[[], None] | None = None,
        own_payload: str | None = None,
    ) -> None:
        self._own = own_payload
        self._connect_kwargs = connect_kwargs
        self._notifier = notifier
        # What to run on the loop when another process committed (default: wake waiters).
        self._on_commit = on_commit or notifier.bump
        self._loop = loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relay-pg-listen", daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _wake(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._on_commit)
        except RuntimeError:  # the loop closed during shutdown
            self._stop.set()

    def _run(self) -> None:
        import psycopg2  # only relays on PostgreSQL need the driver

        backoff = 0.5
        while not self._stop.is_set():
            conn = None
            try:
                conn = psycopg2.connect(**self._connect_kwargs)
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self.connected.set()
                backoff = 0.5
                # Something may have been committed while we were not listening.
                self._wake()
                while not self._stop.is_set():
                    readable, _, _ = select.select([conn], [], [], 0.5)
                    if not readable:
                        continue
                    conn.poll()
                    if conn.notifies:
                        others = [n for n in conn.notifies if n.payload != self._own]
                        conn.notifies.clear()
                        if others:  # this relay's own commits have woken its kiosks already
                            self._wake()
            except Exception as exc:
                self.connected.clear()
                log.warning("relay LISTEN connection lost (%s); polling every %.1f s",
                            type(exc).__name__, FALLBACK_POLL_SECONDS)
                # Fall back to a short poll of the database until LISTEN is back.
                waited = 0.0
                while waited < backoff and not self._stop.is_set():
                    self._wake()
                    self._stop.wait(FALLBACK_POLL_SECONDS)
                    waited += FALLBACK_POLL_SECONDS
                backoff = min(backoff * 2, 10.0)
            finally:
                self.connected.clear()
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        log.debug("closing the LISTEN connection failed", exc_info=True)
