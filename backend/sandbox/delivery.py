"""Webhook delivery: one background thread that POSTs signed events, with retries.

Each attempt is recorded in the sandbox state. Stripe signs every attempt
afresh (a new timestamp), so the headers are built per attempt.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from backend.sandbox.state import Provider, SandboxState, iso_millis

log = logging.getLogger("charter.sandbox.delivery")

HeaderBuilder = Callable[[bytes], dict[str, str]]
Outcome = Callable[[bool], None]


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    provider: Provider = field(compare=False)
    url: str = field(compare=False)
    event_id: str = field(compare=False)
    body: bytes = field(compare=False)
    headers: HeaderBuilder = field(compare=False)
    on_done: Outcome | None = field(compare=False, default=None)
    attempt: int = field(compare=False, default=1)
    generation: int = field(compare=False, default=0)


class Deliverer:
    """Sends queued webhooks from one thread; `stop()` ends it promptly."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._queue: list[_Job] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._generation = 0
        self._session = requests.Session()
        self._thread = threading.Thread(
            target=self._run, name="sandbox-webhook-delivery", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._queue.clear()
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=self._state.config.delivery_timeout + 2)
        self._session.close()

    def enqueue(
        self,
        provider: Provider,
        url: str,
        event_id: str,
        body: bytes,
        headers: HeaderBuilder,
        on_done: Outcome | None = None,
    ) -> None:
        with self._cond:
            if self._stopping:
                return
            job = _Job(time.monotonic(), next(self._seq), provider, url, event_id, body,
                       headers, on_done, generation=self._generation)
            heapq.heappush(self._queue, job)
            self._cond.notify_all()

    def clear(self) -> None:
        """Drop every queued delivery; an attempt in flight is not recorded."""
        with self._cond:
            self._queue.clear()
            self._generation += 1

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._stopping:
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._queue)
                    self._cond.wait(timeout=wait)
                else:
                    self._cond.wait()
            return None

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            self._attempt(job)

    def _attempt(self, job: _Job) -> None:
        status: int | None = None
        error: str | None = None
        try:
            response = self._session.post(
                job.url,
                data=job.body,
                headers={"Content-Type": "application/json; charset=utf-8",
                         "User-Agent": f"CharterSandbox/1.0 ({job.provider})",
                         **job.headers(job.body)},
                timeout=self._state.config.delivery_timeout,
                allow_redirects=False,
            )
            status = response.status_code
            response.close()
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        success = status is not None and 200 <= status < 300
        with self._cond:
            if job.generation != self._generation:
                return  # the sandbox was reset while this attempt was in flight
        self._state.record_delivery({
            "provider": job.provider,
            "url": job.url,
            "event_id": job.event_id,
            "attempt": job.attempt,
            "status_code": status,
            "error": error,
            "ok": success,
            "at": iso_millis(time.time()),
        })
        delays = self._state.config.retry_delays
        if success or job.attempt > len(delays):
            if not success:
                log.info("giving up on %s delivery of %s after %d attempts",
                         job.provider, job.event_id, job.attempt)
            if job.on_done is not None:
                job.on_done(success)
            return
        retry = _Job(time.monotonic() + delays[job.attempt - 1], next(self._seq), job.provider,
                     job.url, job.event_id, job.body, job.headers, job.on_done, job.attempt + 1,
                     job.generation)
        with self._cond:
            if not self._stopping and job.generation == self._generation:
                heapq.heappush(self._queue, retry)
                self._cond.notify_all()
