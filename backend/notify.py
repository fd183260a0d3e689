"""Tell whoever shows totals about every committed donation change.

In this process the ledger calls `local_commit()` from peewee's after-commit
hook, which wakes waiters at once. Commits by other processes on the same file
are seen by `TotalsWatcher`, which watches SQLite's `PRAGMA data_version` on a
connection of its own (it changes whenever another connection commits).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("charter.notify")

_changed = threading.Condition()
_local_generation = 0


def local_commit() -> None:
    global _local_generation
    with _changed:
        _local_generation += 1
        _changed.notify_all()


def local_generation() -> int:
    with _changed:
        return _local_generation


def wait_local(since: int, timeout: float) -> int:
    """Block until a local commit newer than `since` or the timeout; the new generation."""
    with _changed:
        _changed.wait_for(lambda: _local_generation != since, timeout=timeout)
        return _local_generation


@dataclass(frozen=True)
class TotalsSnapshot:
    campaign_id: str
    total_minor: int
    count: int
    revision: int


Listener = Callable[[TotalsSnapshot], None]


class TotalsWatcher:
    """Watch a kiosk database file for total changes from any process.

    Runs its own thread and its own read-only connection; listeners are called
    on that thread (the Qt side forwards them to the GUI thread with a signal).
    """

    def __init__(self, path: Path, campaign_id: str, *, interval: float = 0.1) -> None:
        self._path = path
        self._campaign_id = campaign_id
        self._interval = interval
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_revision: int | None = None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="totals-watcher", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        local_commit()  # wake the wait at once
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        # as_uri percent-encodes the path: a raw "#", "?" or "%" in it would end or
        # garble the URI and open some other file (or none).
        uri = f"{Path(self._path).absolute().as_uri()}?mode=ro"
        conn = self._connect(uri)
        if conn is None:
            return  # stopped before the database ever appeared
        try:
            conn.execute("PRAGMA busy_timeout = 2000")
            data_version = None
            failing = False
            generation = local_generation()
            while not self._stop.is_set():
                try:
                    current = conn.execute("PRAGMA data_version").fetchone()[0]
                    if current != data_version:
                        data_version = current
                        self._check(conn)
                except sqlite3.Error:
                    # Once per trouble, not every interval: the file may be mid-migration.
                    if not failing:
                        log.warning("could not read totals from %s", self._path, exc_info=True)
                    failing = True
                else:
                    failing = False
                # Local commits wake us immediately; other processes within `interval`.
                new_generation = wait_local(generation, self._interval)
                if new_generation != generation:
                    generation = new_generation
                    data_version = None
        finally:
            conn.close()

    def _connect(self, uri: str) -> sqlite3.Connection | None:
        """Open read-only, waiting for the file to exist (the kiosk may create it later)."""
        warned = False
        while not self._stop.is_set():
            try:
                return sqlite3.connect(uri, uri=True, check_same_thread=False)
            except sqlite3.Error:
                if not warned:
                    log.info("waiting for %s to exist before watching totals", self._path)
                    warned = True
                self._stop.wait(self._interval)
        return None

    def _check(self, conn: sqlite3.Connection) -> None:
        row = conn.execute(
            "SELECT total_minor, count, revision FROM campaign_total WHERE campaign_id = ?",
            (self._campaign_id,),
        ).fetchone()
        total, count, revision = row if row else (0, 0, 0)
        if revision == self._last_revision:
            return
        self._last_revision = revision
        snapshot = TotalsSnapshot(self._campaign_id, total, count, revision)
        for listener in list(self._listeners):
            try:
                listener(snapshot)
            except Exception:
                log.exception("a totals listener failed")
