"""A kiosk's life in the background: its workers, the relay sync, the reconciler, the
totals watcher, the demo's servers, and one shutdown with one deadline.

`KioskWindow` and `DisplayWindow` are views of a `KioskSession`: they hand it jobs
(`submit`, the answer comes back to the handler on the GUI thread) and paint what
its signals bring. Nothing here draws; nothing here blocks the GUI thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from backend.result import Result, err
from kiosk.answers import carried, ready, refusal, unpacked
from kiosk.i18n import compile_catalogs
from kiosk.model import Ready, Refusal
from kiosk.services import Services
from kiosk.workers import (
    Job,
    JobRouter,
    PaymentPoller,
    ReconcilerThread,
    RelaySyncThread,
    TaskThread,
    TotalsBridge,
    wait_stopped,
)

log = logging.getLogger("charter.kiosk.session")

SyncFactory = Callable[[str, str, QObject], RelaySyncThread]
ReconcilerFactory = Callable[..., ReconcilerThread]

# Every worker together gets this long to stop: a slow provider delays the exit by one
# call's grace (kiosk.workers.wait_stopped cuts calls in flight), not once per worker.
SHUTDOWN_WAIT_S = 20.0


class KioskSession(QObject):
    """Start with `start()`; `ready` brings a `Ready` (the campaign, its totals, its
    catalogues, the demo's PIN), or `not_ready` an error and a retry after `retry_ms`.
    `follow()` then watches the campaign's total (`total_moved`), joins the relay
    (`relay_applied`) and reconciles; `shutdown()` stops everything, once."""

    ready = Signal(object)  # a kiosk.model.Ready
    not_ready = Signal(str)
    total_moved = Signal(object)  # a TotalsWatcher snapshot: the database changed
    relay_applied = Signal()
    demo_failed = Signal(str)
    shutting_down = Signal()

    def __init__(self, services: Services, *, name: str = "kiosk", demo: bool = False,
                 reconcile: bool = True, reconcile_idle_s: float = 30.0,
                 retry_ms: int = 5_000, languages: int | None = None,
                 sync_factory: SyncFactory = RelaySyncThread,
                 reconciler_factory: ReconcilerFactory = ReconcilerThread,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        # The background loops, handed in: tests give fakes that touch no network.
        self._sync_factory = sync_factory
        self._reconciler_factory = reconciler_factory
        self.demo = demo
        self._reconcile = reconcile
        self._reconcile_idle_s = reconcile_idle_s
        self._languages = languages  # how many catalogues to compile (None: all)
        self.action_worker = TaskThread(f"{name}-actions", self)
        self.query_worker = TaskThread(f"{name}-queries", self)
        self.action_worker.finished_job.connect(self._on_job)
        self.query_worker.finished_job.connect(self._on_job)
        self._jobs = JobRouter()
        self.poller: PaymentPoller | None = None
        self.totals_bridge = TotalsBridge(self)
        self.totals_bridge.changed.connect(self.total_moved)
        self.sync: RelaySyncThread | None = None
        self.reconciler: ReconcilerThread | None = None
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.setInterval(retry_ms)
        self.retry.timeout.connect(self.start)
        self.shut_down = False
        self._demo_servers = False

    # --- jobs ------------------------------------------------------------------------

    def submit(self, tag: str, job: Job, handler: Callable[[Result, str], None], *,
               worker: TaskThread | None = None) -> None:
        """Run `job` on a worker (the action worker unless told); `handler(result, tag)`
        runs on the GUI thread, unless a newer answer for `tag` was shown already."""
        if self.shut_down:
            return
        (worker or self.action_worker).submit(self._jobs.add(tag, handler), job)

    def _on_job(self, key: str, result: object) -> None:
        if self.shut_down:
            return  # an answer sent just before the end: nothing is shown any more
        routed = self._jobs.route(key)
        if routed is not None and isinstance(result, dict):
            handler, tag = routed
            handler(result, tag)

    def watch_payments(self, poller: PaymentPoller) -> PaymentPoller:
        """The poller of the payment on screen: stopped with the rest."""
        poller.setParent(self)
        self.poller = poller
        return poller

    # --- start-up ----------------------------------------------------------------------

    def start(self) -> None:
        """What the first screen needs: the campaign, its totals and its languages. With
        --demo, only the demo's addresses first: its servers start after (`follow`)."""
        services, demo, languages = self.services, self.demo, self._languages

        def job() -> Result:
            demo_pin = None
            if demo:
                prepared = services.prepare_demo()
                if not prepared.get("success"):
                    return carried(refusal(prepared))
                demo_pin = prepared["data"].get("demo_pin")
            answer = services.on_ready()
            if not answer.get("success"):
                return carried(refusal(answer))
            codes = list(answer["data"].get("languages") or ())
            # Compiled once per catalogue version (a subprocess): off the GUI thread.
            catalogs = compile_catalogs(codes if languages is None else codes[:languages])
            return carried(ready(answer, catalogs=catalogs, demo_pin=demo_pin))

        self.submit("ready", job, self._on_ready)

    def _on_ready(self, result: Result, _tag: str) -> None:
        answer = unpacked(result)
        if not isinstance(answer, Ready):
            error = answer.error if isinstance(answer, Refusal) else ""
            log.warning("not ready: %s", error)
            self.retry.start()
            self.not_ready.emit(error)
            return
        self.ready.emit(answer)

    def follow(self, campaign_id: str, relay_url: str | None) -> None:
        """The campaign is on screen: watch its total, join the relay, reconcile, and
        (--demo) start the sandbox and relay the addresses already point at."""
        if self.shut_down:
            return
        self.totals_bridge.start(self.services.database_path(), campaign_id)
        self._join_relay(relay_url)
        if self._reconcile and self.reconciler is None:
            self.reconciler = self._reconciler_factory(self, idle_s=self._reconcile_idle_s)
            self.reconciler.start()
        if self.demo and not self._demo_servers:
            # On the action worker: a payment started meanwhile waits behind them.
            self._demo_servers = True
            self.submit("demo", self.services.start_demo, self._on_demo_servers)

    def _on_demo_servers(self, result: Result, _tag: str) -> None:
        if not result.get("success"):
            # Not retried: their addresses, handed out already, now refuse (a gift fails
            # on the error screen, never reaching a real provider).
            log.warning("the demo's sandbox and relay did not start: %s", result.get("error"))
            self.demo_failed.emit(str(result.get("error", "")))

    def _join_relay(self, relay_url: str | None) -> None:
        if not relay_url or self.sync is not None:
            return
        services = self.services

        def job() -> Result:
            token = services.relay_token()
            return {"success": True, "data": {"token": token}} if token else \
                err("No RELAY_TOKEN is set.")

        def joined(result: Result, _tag: str) -> None:
            if not result.get("success") or self.shut_down or self.sync is not None:
                return
            self.sync = self._sync_factory(relay_url, result["data"]["token"], self)
            self.sync.applied.connect(self.relay_applied)
            self.sync.start()

        self.submit("relay-token", job, joined, worker=self.query_worker)

    # --- the end -----------------------------------------------------------------------

    def threads(self) -> list[QThread]:
        return [t for t in (self.sync, self.reconciler, self.poller, self.action_worker,
                            self.query_worker) if t is not None]

    def shutdown(self, last_job: Job | None = None) -> None:
        """Stop every worker and wait for them against one deadline; then the demo. A
        `last_job` (cancelling the payment on screen) still runs on the action worker."""
        if self.shut_down:
            return
        self.shut_down = True
        self.shutting_down.emit()
        self.retry.stop()
        self.totals_bridge.stop()
        if last_job is not None:
            self.action_worker.submit("last-job", last_job)
        workers = self.threads()
        for worker in workers:
            worker.request_stop()  # type: ignore[attr-defined]
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        for worker in workers:
            wait_stopped(worker, int(max(0.0, deadline - time.monotonic()) * 1000))
        self.services.stop_demo()
