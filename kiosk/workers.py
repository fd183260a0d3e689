"""Worker threads: the only places the kiosk talks to the network or the disk.

Each job kind has one long-lived thread with a stop flag. Results and failures
come back the same way, as signals carrying the backend's `Result`, delivered
on the GUI thread by Qt's queued connections. `stop()` sets the flag, wakes
the thread and waits for it, so `aboutToQuit` leaves nothing running.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from backend.result import Result, err

log = logging.getLogger("charter.kiosk.workers")

Job = Callable[[], Result]


def run_safely(job: Job) -> Result:
    try:
        result = job()
    except Exception:
        log.exception("a kiosk job failed")
        return err("Something went wrong on our side. Please try again.")
    if not isinstance(result, dict) or "success" not in result:
        log.error("a kiosk job answered something that is not a Result: %r", type(result))
        return err("Something went wrong on our side. Please try again.")
    return result


# How long a stopping worker may take before its provider calls are cut: enough for a
# healthy provider to answer the last job (a checkout cancelled on exit), far less than
# a provider timeout (15 s).
ABORT_CALLS_AFTER_MS = 1_000


def wait_stopped(thread: QThread, timeout_ms: int) -> bool:
    """Wait for a thread asked to stop. If it is still busy after ABORT_CALLS_AFTER_MS,
    the provider sessions are closed, which ends any call in flight at once."""
    timeout_ms = max(0, timeout_ms)
    grace = min(timeout_ms, ABORT_CALLS_AFTER_MS)
    if thread.isRunning() and not thread.wait(grace):
        _abort_provider_calls()
        if not thread.wait(timeout_ms - grace):
            log.error("worker %s did not stop in time", thread.objectName())
            return False
    return True


def _abort_provider_calls() -> None:
    # Only if a provider was ever called: importing backend.http pulls in requests, which
    # the attract screen never needs (tests/test_startup_imports.py).
    http = sys.modules.get("backend.http")
    if http is not None:
        closed = http.close_all()
        if closed:
            log.info("shutting down: ended calls in flight to %s", ", ".join(closed))


class JobRouter:
    """Each submitted job's own handler, by a key of its own.

    Jobs used to be routed by their tag alone, so two queued jobs with one tag
    (two quick refreshes) shared one handler slot: the older answer was shown and
    the newer one dropped. Now every job keeps its handler, and an answer older
    than one already shown for the same tag is the one that is dropped.
    """

    def __init__(self) -> None:
        self._pending: dict[str, tuple[str, int, Callable[..., None]]] = {}
        self._shown: dict[str, int] = {}
        self._count = 0

    def add(self, tag: str, handler: Callable[..., None]) -> str:
        self._count += 1
        key = f"{tag}\x1f{self._count}"
        self._pending[key] = (tag, self._count, handler)
        return key

    def route(self, key: str) -> tuple[Callable[..., None], str] | None:
        """The handler and tag for a finished job, or None when its answer is stale."""
        entry = self._pending.pop(key, None)
        if entry is None:
            return None
        tag, number, handler = entry
        if number < self._shown.get(tag, 0):
            return None  # a newer answer for this tag is already on screen
        self._shown[tag] = number
        return handler, tag


class TaskThread(QThread):
    """Runs submitted jobs one after the other; each answer comes back as `finished(tag, result)`."""

    finished_job = Signal(str, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._jobs: queue.Queue[tuple[str, Job] | None] = queue.Queue()
        self._stopping = threading.Event()

    def submit(self, tag: str, job: Job, *, force: bool = False) -> None:
        if self._stopping.is_set() and not force:
            return
        self._jobs.put((tag, job))
        if not self.isRunning():
            self.start()

    def run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                break
            tag, job = item
            result = run_safely(job)
            if not self._stopping.is_set():
                self.finished_job.emit(tag, result)

    def request_stop(self) -> None:
        """Refuse new jobs; the queued ones still run (a cancel on exit must reach the
        provider), then the thread ends."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._jobs.put(None)

    def stop(self, timeout_ms: int = 20_000) -> None:
        self.request_stop()
        wait_stopped(self, timeout_ms)


@dataclass(frozen=True)
class PollTarget:
    generation: int
    kind: str  # card | crypto
    ref: str


class PaymentPoller(QThread):
    """Polls the status of the payment on screen: every `interval` s, slower when the
    provider is slow or failing, at once when `nudge()` says something changed."""

    status = Signal(int, object, float)  # generation, Result, seconds the call took

    def __init__(
        self,
        fetch: Callable[[str, str], Result],
        *,
        interval: float = 3.0,
        max_interval: float = 30.0,
        slow_after: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("payment-poller")
        self._fetch = fetch
        self.interval = interval
        self.max_interval = max_interval
        self.slow_after = slow_after
        self._cond = threading.Condition()
        self._target: PollTarget | None = None
        self._generation = 0
        self._woken = False
        self._stopping = False
        self.current_delay = interval

    def watch(self, kind: str, ref: str) -> int:
        with self._cond:
            self._generation += 1
            self._target = PollTarget(self._generation, kind, ref)
            self.current_delay = self.interval
            self._woken = True
            self._cond.notify_all()
            generation = self._generation
        if not self.isRunning():
            self.start()
        return generation

    def clear(self) -> None:
        with self._cond:
            self._generation += 1
            self._target = None
            self._cond.notify_all()

    def nudge(self) -> None:
        """Poll now (a relay event or a total change may concern our payment)."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def is_current(self, generation: int) -> bool:
        with self._cond:
            return self._target is not None and self._target.generation == generation

    def run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or
                                    (self._target is not None and self._woken),
                                    timeout=self.current_delay)
                if self._stopping:
                    return
                target = self._target
                self._woken = False
            if target is None:
                continue
            started = time.monotonic()
            result = run_safely(lambda t=target: self._fetch(t.kind, t.ref))  # type: ignore[misc]
            elapsed = time.monotonic() - started
            with self._cond:
                if self._stopping:
                    return
                if not result.get("success") or elapsed > self.slow_after:
                    self.current_delay = min(self.max_interval, max(self.interval,
                                             self.current_delay * 2))
                else:
                    self.current_delay = self.interval
            self.status.emit(target.generation, result, elapsed)

    def request_stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def stop(self, timeout_ms: int = 20_000) -> None:
        self.request_stop()
        wait_stopped(self, timeout_ms)


class TotalsBridge(QObject):
    """Forwards `backend.notify.TotalsWatcher` snapshots (its own thread) to the GUI."""

    changed = Signal(object)  # TotalsSnapshot

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher: Any = None

    def start(self, db_path: Any, campaign_id: str) -> None:
        if self._watcher is not None or db_path is None:
            return
        from backend.notify import TotalsWatcher

        self._watcher = TotalsWatcher(db_path, campaign_id)
        self._watcher.subscribe(self.changed.emit)
        self._watcher.start()

    def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()


class RelaySyncThread(QThread):
    """Runs `backend.sync.RelaySync` (when it exists and a relay is configured)."""

    applied = Signal()

    def __init__(self, relay_url: str, token: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("relay-sync")
        self._relay_url = relay_url
        self._token = token
        self._stop = threading.Event()
        self._sync: Any = None
        self._error: str | None = None

    def run(self) -> None:
        try:
            from backend.sync import RelaySync  # type: ignore[import-not-found,unused-ignore]

            self._sync = RelaySync(self._relay_url, self._token,
                                   on_applied=lambda *args, **kwargs: self.applied.emit())
            self._sync.run(self._stop)
        except ImportError:
            self._error = "Relay sync is not available in this build."
            log.warning("backend.sync is missing; relay sync is off")
        except Exception:
            self._error = "Relay sync stopped after an error; see the kiosk log."
            log.exception("relay sync stopped")

    def state(self) -> dict[str, Any]:
        sync = self._sync
        if sync is None:
            return {"available": False, "connected": False, "last_error": self._error}
        try:
            st = sync.state()
        except Exception:
            log.exception("relay sync state failed")
            return {"available": True, "connected": False,
                    "last_error": "The sync state could not be read."}
        return {
            "available": True,
            "connected": bool(getattr(st, "connected", False)),
            "cursor": getattr(st, "cursor", None),
            "last_event_age_s": getattr(st, "last_event_age_s", None),
            "lag_s": getattr(st, "lag_s", None),
            "last_error": getattr(st, "last_error", None) or self._error,
        }

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout_ms: int = 20_000) -> None:
        self.request_stop()
        wait_stopped(self, timeout_ms)


class ReconcilerThread(QThread):
    """Runs `backend.reconcile.Reconciler`: every open payment, not only the one on
    screen, reaches the total however late (its first pass recovers after a restart)."""

    def __init__(self, parent: QObject | None = None, *, idle_s: float = 30.0) -> None:
        super().__init__(parent)
        self.setObjectName("reconciler")
        self._stop = threading.Event()
        self._idle_s = idle_s

    def run(self) -> None:
        try:
            from backend.reconcile import Reconciler

            Reconciler(idle_s=self._idle_s).run(self._stop)
        except Exception:
            log.exception("the reconciler stopped")

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout_ms: int = 20_000) -> None:
        self.request_stop()
        wait_stopped(self, timeout_ms)
