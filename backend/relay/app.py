"""The relay's HTTP API (version 1), as a Starlette app.

Ingest: `POST /v1/webhooks/stripe`, `POST /v1/webhooks/nowpayments`
    Raw body (Stripe over 1 MiB, NOWPayments over 16 KiB → 413, refused from the
    declared length without reading it), the signature header checked before the
    body is read, verified with the current or previous secret, stored durably
    before any 2xx. 200 `{"received": true, "duplicate": bool}`;
    400 for anything unverifiable or unreadable (nothing stored); 503 when the
    database cannot take it or no secret is configured for that provider (the
    provider retries, which is what we want). Every answer well within 3 s.

Cash: `POST /v1/cash`, `Authorization: Bearer <kiosk token>` (401 without a
    valid one). A cash gift recorded at a kiosk, JSON `{"id", "campaign_id",
    "kiosk_id", "amount_minor", "currency", "display_name", "created_at",
    "livemode"}` (at most 64 KiB → else 413; invalid → 400, nothing stored),
    stored like a webhook (provider "cash", deduplicated on `id`) so that it
    reaches every kiosk's feed. 200 `{"received": true, "duplicate": bool, "seq"}`.

Feed: `GET /v1/events?after=SEQ&limit=N&wait=S`, `Authorization: Bearer <token>`
    `{"events": [{"seq", "id", "provider", "type", "received_at", "payload"}],
    "next": SEQ, "gap": bool}`. `payload` is the raw body exactly as signed.
    `after`: whole number ≥ 0 (default 0). `limit`: whole number ≥ 1 (default
    100), values above 1000 are clamped to 1000. `wait`: seconds ≥ 0, decimals
    allowed (default 0), values above 30 are clamped to 30. Anything else
    (negative, not a number, NaN, `after` beyond 2^63) → 400 with a message.
    Clamping rather than refusing a large limit/wait keeps old kiosks working
    if the maxima ever shrink. A batch also stops at about 4 MiB of payloads.
    `gap: true` means events after the cursor are gone (pruned by retention, or
    the cursor comes from a different relay database); the batch then continues
    from the oldest event the relay still holds, and the kiosk should treat its
    cursor as reset.

    A revoked kiosk's held long-poll is answered 401 within a second.

`GET /healthz`: `{"ok", "version"}`; with a valid kiosk token also the details.
And the donor pages `GET /thanks`, `GET /cancelled`.

peewee is blocking, so every database call runs in a worker thread behind a
capacity limiter (the ingest writer has a thread of its own, so webhooks never
queue behind feed reads); the event loop only parses, verifies small bodies and
waits.
Webhooks are written by one writer task that commits whatever has queued up in
one transaction (group commit): with `synchronous=FULL` each commit costs an
fsync, and sharing it is what lets ingest keep up with many senders.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend import secrets as secret_store
from backend.relay import pages, paylinks, tokens
from backend.relay.directory import REFRESH_SECONDS, SEEN_FLUSH_SECONDS, KioskDirectory
from backend.relay.notify import Notifier, PostgresListener
from backend.relay.store import (
    MAX_DEDUP_KEY_CHARS,
    DatabaseUnavailable,
    FeedPage,
    IngestItem,
    IngestOutcome,
    RelayStore,
    Stats,
)
from backend.webhooks import (
    MAX_WEBHOOK_BYTES,
    MODES,
    Mode,
    ProviderEvent,
    WebhookError,
    parse_kiosk_event,
    precheck_signature,
    stripe_event_mode,
    verify_nowpayments_modes,
    verify_stripe,
)

log = logging.getLogger("charter.relay")

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_WAIT_SECONDS = 30.0
MAX_SEQ = 2**63 - 1
# NOWPayments gives up after 3 s; answer (503 if need be) comfortably before.
INGEST_DEADLINE_SECONDS = 2.5
MAX_CASH_BYTES = 64 * 1024
BODY_READ_SECONDS = 2.0
# Each provider's bodies have a size of their own. A NOWPayments IPN is a flat
# object of about 1 KiB; verifying one means parsing and re-serialising it (the
# HMAC covers a canonical form, not the bytes), so its limit is tight. A Stripe
# event is verified over its raw bytes (one C hash), so it may be large.
MAX_BODY_BYTES = {"stripe": MAX_WEBHOOK_BYTES, "nowpayments": 16 * 1024}
# A slightly oversized body is read and thrown away so the sender sees the 413
# instead of a reset connection; a body larger than this is not worth reading.
DRAIN_FACTOR = 2
# Verification off the event loop, a few at a time: hashing a large Stripe body
# or serialising an IPN would otherwise stall every other request, and a flood
# of forgeries must queue here rather than take every CPU.
INLINE_VERIFY_BYTES = 4 * 1024
# An IPN whose JSON.stringify form the C encoder cannot produce (decimals such as
# 1.2e-05, keys such as "0") needs a pure-Python serialisation, ~0.5 ms per KiB.
# Real IPNs are ~1 KiB; above this size only the C-built forms are tried, so no
# forgery costs more than a forged 1 MiB Stripe event (bench/ipn_flood.py).
EXACT_JS_FORM_BYTES = 4 * 1024
VERIFY_THREADS = 2
WRITE_BATCH_MAX = 256
WRITE_QUEUE_MAX = 10_000
DEFAULT_RETENTION_DAYS = 30.0
HEALTH_CACHE_SECONDS = 1.0
# Pages read before waking the held long-polls: the few most common cursors (after
# a restart nearly every kiosk holds the same one), for at most this long.
PREFETCH_CURSORS = 4
PREFETCH_SECONDS = 0.5
FEED_ADMISSION = 128
POOL_EXTRA = 8

STRIPE_SECRET_NAMES = ("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET_PREVIOUS")
# Each mode its own IPN secret (NOWPayments' sandbox is a separate account): the
# secret that verifies an IPN is the only witness of its mode. The original
# single names are read as the live secret (they always held production's).
NOWPAYMENTS_SECRET_NAMES_BY_MODE: dict[Mode, tuple[str, ...]] = {
    "test": ("NOWPAYMENTS_IPN_SECRET_TEST", "NOWPAYMENTS_IPN_SECRET_TEST_PREVIOUS"),
    "live": ("NOWPAYMENTS_IPN_SECRET_LIVE", "NOWPAYMENTS_IPN_SECRET_LIVE_PREVIOUS",
             "NOWPAYMENTS_IPN_SECRET", "NOWPAYMENTS_IPN_SECRET_PREVIOUS"),
}
NOWPAYMENTS_SECRET_NAMES = tuple(n for names in NOWPAYMENTS_SECRET_NAMES_BY_MODE.values()
                                 for n in names)


def _configured_secrets(names: Sequence[str]) -> list[str]:
    return [value for _, value in _configured_named(names)]


def _configured_named(names: Sequence[str]) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for name in names:
        try:
            value = secret_store.get_secret(name)
        except secret_store.KeyringUnavailable:
            # A headless relay host often has no keyring: the environment is then
            # the only source, and an absent keyring is not an error here.
            value = None
        if value:
            values.append((name, value))
    return values


def _nowpayments_secrets_by_mode(
    given: Mapping[str, Sequence[str]] | Sequence[str] | None,
) -> dict[Mode, list[str]]:
    """Each mode's IPN secrets: as given (a plain list means test mode: tests and the
    demo), else from the environment/keyring by name."""
    if given is None:
        found: dict[Mode, list[str]] = {}
        for mode, names in NOWPAYMENTS_SECRET_NAMES_BY_MODE.items():
            named = _configured_named(names)
            if any(name in ("NOWPAYMENTS_IPN_SECRET", "NOWPAYMENTS_IPN_SECRET_PREVIOUS")
                   for name, _ in named):
                log.warning("NOWPAYMENTS_IPN_SECRET is read as the live IPN secret; rename it "
                            "NOWPAYMENTS_IPN_SECRET_LIVE")
            found[mode] = [value for _, value in named]
        return found
    if isinstance(given, Mapping):
        return {m: [s for s in given.get(m, ()) if s] for m in MODES}
    return {"test": [s for s in given if s], "live": []}


class BadRequest(Exception):
    pass


class IngestWriter:
    """One task that commits queued webhooks in shared transactions."""

    def __init__(self, relay: Relay) -> None:
        self._relay = relay
        self._queue: asyncio.Queue[tuple[IngestItem, asyncio.Future[Any]]] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._queue = asyncio.Queue(maxsize=WRITE_QUEUE_MAX)
            self._task = asyncio.create_task(self._run(), name="relay-ingest-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def submit(self, item: IngestItem, timeout: float) -> IngestOutcome:
        self.start()
        assert self._queue is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((item, future))
        except asyncio.QueueFull:
            raise DatabaseUnavailable("the relay is overloaded") from None
        # asyncio.wait does not cancel the future on timeout: the write may
        # still commit, and the provider's retry will then be a duplicate (2xx).
        done, _ = await asyncio.wait({future}, timeout=max(timeout, 0.0))
        if not done:
            raise DatabaseUnavailable("the database did not commit in time")
        result = future.result()
        if isinstance(result, BaseException):
            raise result
        assert isinstance(result, IngestOutcome)
        return result

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < WRITE_BATCH_MAX and not queue.empty():
                batch.append(queue.get_nowait())
            results = await self._write(batch)
            stored = False
            for (_, future), result in zip(batch, results, strict=True):
                if isinstance(result, IngestOutcome) and not result.duplicate:
                    stored = True
                if not future.done():
                    # Results (and failures) travel as values: a request that
                    # already gave up leaves no "exception never retrieved".
                    future.set_result(result)
            if stored:
                self._relay.publish_soon()

    async def _write(
        self, batch: list[tuple[IngestItem, asyncio.Future[Any]]]
    ) -> list[IngestOutcome | BaseException]:
        items = [item for item, _ in batch]
        store = self._relay.store
        try:
            return list(await self._relay.run_write(store.insert_batch, items))
        except Exception as exc:
            if len(items) == 1:
                if not isinstance(exc, DatabaseUnavailable):
                    log.exception("storing a webhook failed")
                return [exc]
        # One bad row must not fail its batch-mates: retry them one by one.
        results: list[IngestOutcome | BaseException] = []
        for item in items:
            try:
                results.append((await self._relay.run_write(store.insert_batch, [item]))[0])
            except Exception as exc:
                if not isinstance(exc, DatabaseUnavailable):
                    log.exception("storing a webhook failed")
                results.append(exc)
        return results


class Relay:
    """The relay's state: store, secrets, notifier, writer. One per app."""

    def __init__(
        self,
        store: RelayStore,
        stripe_secrets: Sequence[str],
        nowpayments_secrets: Mapping[Mode, Sequence[str]],
        *,
        retention_seconds: float | None,
        prune_interval: float,
        db_threads: int,
    ) -> None:
        self.store = store
        self.stripe_secrets = [s for s in stripe_secrets if s]
        self.nowpayments_secrets: dict[Mode, list[str]] = {
            m: [s for s in nowpayments_secrets.get(m, ()) if s] for m in MODES}
        overlap = set(self.nowpayments_secrets["test"]) & set(self.nowpayments_secrets["live"])
        if overlap:
            # The IPN's mode would be unknowable: every IPN is then refused (400).
            log.error("the same NOWPayments IPN secret is configured for test and live mode; "
                      "IPNs cannot be told apart and will be refused")
        self.retention_seconds = retention_seconds
        self.prune_interval = prune_interval
        self.notifier = Notifier()
        self.writer = IngestWriter(self)
        self._db_threads = db_threads
        self._limiter: anyio.CapacityLimiter | None = None
        self._verify_limiter: anyio.CapacityLimiter | None = None
        self._write_limiter: anyio.CapacityLimiter | None = None
        self._pages: dict[tuple[int, int, int], asyncio.Future[tuple[FeedPage, bytes]]] = {}
        self._held: Counter[tuple[int, int]] = Counter()
        self.directory = KioskDirectory(store)
        self._refreshing: asyncio.Future[None] | None = None
        self._health: tuple[float, Stats] | None = None
        self._feed_gate: asyncio.Semaphore | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._listener: PostgresListener | None = None

    # --- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        self.writer.start()
        self.directory.attach()
        try:
            await self.run_db(self.store.ensure_schema)
            await self.refresh_directory()
        except DatabaseUnavailable as exc:
            log.warning("relay database unavailable at start-up (%s); answering 503 until it "
                        "is back", exc)
        self._spawn(self._directory_loop())
        self._spawn(self._seen_loop())
        if self.store.is_postgres:
            self._listener = PostgresListener(
                self.store.listen_params(), self.notifier, asyncio.get_running_loop(),
                on_commit=self.publish_soon, own_payload=self.store.instance,
            )
            self._listener.start()
        if self.retention_seconds:
            self._spawn(self._prune_loop())

    async def stop(self) -> None:
        self.notifier.close()
        for task in list(self._background):
            task.cancel()
        await self.writer.stop()
        self.directory.detach()
        try:
            await anyio.to_thread.run_sync(self.directory.flush_seen)
        except Exception as exc:
            log.info("could not record when kiosks were last seen: %s", exc)
        if self._listener is not None:
            await anyio.to_thread.run_sync(self._listener.stop)
        await anyio.to_thread.run_sync(self.store.close)

    def release_waiters(self) -> None:
        """Answer every held long-poll now (the server is about to stop)."""
        self.notifier.close()

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def run_db(self, fn: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:
            # Created lazily: a limiter belongs to the running event loop.
            self._limiter = anyio.CapacityLimiter(self._db_threads)
        return await anyio.to_thread.run_sync(
            functools.partial(fn, *args), limiter=self._limiter
        )

    async def run_write(self, fn: Callable[..., T], *args: Any) -> T:
        """The ingest writer's own thread: webhooks never queue behind feed reads."""
        if self._write_limiter is None:
            self._write_limiter = anyio.CapacityLimiter(1)
        return await anyio.to_thread.run_sync(
            functools.partial(fn, *args), limiter=self._write_limiter
        )

    async def run_verify(self, fn: Callable[..., T], *args: Any, timeout: float) -> T:
        """Run a verification in one of a few threads; TimeoutError when the queue
        for them is longer than `timeout`."""
        if self._verify_limiter is None:
            self._verify_limiter = anyio.CapacityLimiter(VERIFY_THREADS)
        with anyio.fail_after(max(timeout, 0.0)):
            await self._verify_limiter.acquire()
        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args))
        finally:
            self._verify_limiter.release()

    async def sweep_once(self, client: Any) -> Any:
        """Run the missed-webhook sweep off the event loop; wake kiosks if it stored any."""
        from backend.relay.sweep import sweep_stripe

        report = await anyio.to_thread.run_sync(sweep_stripe, self.store, client)
        if report.stored:
            self.publish_soon()
        return report

    async def _sweep_loop(self, client: Any, interval: float) -> None:
        while True:
            try:
                report = await self.sweep_once(client)
                log.info("sweep: %d listed, %d new", report.listed, report.stored)
            except DatabaseUnavailable as exc:
                log.warning("sweep skipped: database unavailable (%s)", exc)
            except Exception as exc:  # Stripe down, key refused: try again next time
                log.warning("sweep failed: %s", type(exc).__name__)
            await asyncio.sleep(interval)

    async def _prune_loop(self) -> None:
        assert self.retention_seconds
        while True:
            try:
                deleted = await self.run_db(self.store.prune, time.time() - self.retention_seconds)
                if deleted:
                    log.info("pruned %d events older than the retention period", deleted)
            except DatabaseUnavailable as exc:
                log.warning("pruning skipped: database unavailable (%s)", exc)
            except Exception:
                log.exception("pruning failed")
            await asyncio.sleep(self.prune_interval)

    # --- feed helpers -------------------------------------------------------------

    async def fetch(self, after: int, limit: int, version: int, *, keep: bool = False
                    ) -> tuple[FeedPage, bytes]:
        """Single-flight read: when an event wakes a thousand kiosks holding the same
        cursor, they share one query, and one encoding of its answer, instead of
        queueing a thousand. A page read by `publish` (`keep`) stays until the
        version moves on (every commit moves it), so the kiosks it woke find theirs
        ready; others are dropped once read (they may be large and many)."""
        key = (after, limit, version)
        future = self._pages.get(key)
        if future is None:
            future = asyncio.ensure_future(self._fetch_encoded(after, limit))
            self._pages[key] = future

            def done(f: asyncio.Future[tuple[FeedPage, bytes]],
                     key: tuple[int, int, int] = key) -> None:
                if not keep or f.cancelled() or f.exception() is not None:
                    self._pages.pop(key, None)

            future.add_done_callback(done)
        elif future.done():
            return future.result()  # no suspension: the common case after a publish
        return await asyncio.shield(future)

    @property
    def feed_gate(self) -> asyncio.Semaphore:
        if self._feed_gate is None:  # created on the running loop
            self._feed_gate = asyncio.Semaphore(FEED_ADMISSION)
        return self._feed_gate

    def publish_soon(self) -> None:
        self._spawn(self.publish())

    async def publish(self) -> None:
        """Something was committed: read the pages the held long-polls will ask for,
        then wake them. Reading first means each woken kiosk finds its answer ready
        and is served in one step, instead of all of them waking, queueing on the
        read and waking again: at 10,000 kiosks that second round is a third of the
        work."""
        version = self.notifier.version + 1
        wanted = [key for key, _ in self._held.most_common(PREFETCH_CURSORS)]
        if wanted:
            reads = [asyncio.ensure_future(self.fetch(after, limit, version, keep=True))
                     for after, limit in wanted]
            await asyncio.wait(reads, timeout=PREFETCH_SECONDS)
            for read in reads:
                if read.done() and not read.cancelled():
                    read.exception()  # a failed read: the woken kiosks will retry it
        self.notifier.bump()
        current = self.notifier.version
        for key in [k for k in self._pages if k[2] < current]:
            del self._pages[key]

    def hold(self, after: int, limit: int, delta: int) -> None:
        """Count the long-polls held at each cursor (for `publish`)."""
        key = (after, limit)
        self._held[key] += delta
        if self._held[key] <= 0:
            del self._held[key]

    async def _fetch_encoded(self, after: int, limit: int) -> tuple[FeedPage, bytes]:
        page = await self.run_db(self.store.fetch_after, after, limit)
        return page, _page_tail(page)

    # --- kiosk tokens ---------------------------------------------------------------

    async def refresh_directory(self) -> None:
        """Reload the kiosk tokens if they changed (one reload at a time); end the
        open long-polls of kiosks revoked meanwhile."""
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(self._refresh_directory())

            def done(f: asyncio.Future[None]) -> None:
                self._refreshing = None
                if not f.cancelled():
                    f.exception()  # retrieved: the awaiting requests see it

            self._refreshing.add_done_callback(done)
        await asyncio.shield(self._refreshing)

    async def _refresh_directory(self) -> None:
        # The default thread pool, not the feed's: a storm of reads must not delay
        # a revocation.
        revoked = await anyio.to_thread.run_sync(self.directory.refresh)
        for name in revoked:
            log.info("kiosk %s revoked: ending its open long-polls", name)
            self.notifier.kick(name)

    async def _directory_loop(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh_directory()
            except DatabaseUnavailable as exc:
                log.debug("kiosk tokens not refreshed: %s", exc)
            except Exception:
                log.exception("refreshing the kiosk tokens failed")

    async def _seen_loop(self) -> None:
        while True:
            await asyncio.sleep(SEEN_FLUSH_SECONDS)
            try:
                await anyio.to_thread.run_sync(self.directory.flush_seen)
            except Exception as exc:
                log.info("could not record when kiosks were last seen: %s", exc)

    @staticmethod
    def token_hash(request: Request) -> str | None:
        return token_hash_of(request.headers.get("authorization", ""))

    async def authenticate(self, request: Request) -> str | None:
        identity = await self.identify(request)
        return identity[0] if identity else None

    async def identify(self, request: Request) -> tuple[str, str | None] | None:
        """(kiosk name, mode) of the bearer token's kiosk, or None."""
        return await self.identify_hash(self.token_hash(request))

    async def identify_hash(self, token_hash: str | None) -> tuple[str, str | None] | None:
        if token_hash is None:
            return None
        directory = self.directory
        identity = directory.lookup(token_hash) if directory.trusted else None
        if identity is None:
            # Unknown here, or the table changed: reload it (at most one reload at a
            # time, however many requests ask) and look again.
            await self.refresh_directory()
            identity = directory.lookup(token_hash)
        if identity is not None:
            directory.saw(identity[0], time.time())
        return identity

    async def health_stats(self) -> Stats:
        """The event counts, at most once a second however often /healthz is asked
        (it is public: a flood of health checks must not become database load)."""
        now = time.monotonic()
        if self._health is not None and now - self._health[0] < HEALTH_CACHE_SECONDS:
            return self._health[1]
        stats = await self.run_db(self.store.stats)
        self._health = (now, stats)
        return stats

    def still_active(self, token_hash: str) -> bool:
        return self.directory.is_active(token_hash) or not self.directory.loaded

    def configured_secret_names(self) -> list[str]:
        names = list(STRIPE_SECRET_NAMES[: len(self.stripe_secrets)])
        for mode in MODES:
            names += NOWPAYMENTS_SECRET_NAMES_BY_MODE[mode][: len(self.nowpayments_secrets[mode])]
        return names


# --- request handling ---------------------------------------------------------


def token_hash_of(authorization: str) -> str | None:
    """The hash of a bearer token (`Authorization: Bearer <token>`), or None."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    return tokens.hash_token(token)


def _relay(request: Request) -> Relay:
    relay: Relay = request.app.state.relay
    return relay


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _too_big(limit: int, *, close: bool) -> JSONResponse:
    # A body we did not read leaves the connection unusable: close it rather than
    # let the server read and discard what is still coming.
    return _error(413, f"The body is larger than {limit} bytes.",
                  {"Connection": "close"} if close else None)


async def _read_body(request: Request, limit: int = MAX_WEBHOOK_BYTES) -> bytes | Response:
    declared = request.headers.get("content-length")
    drain_limit = DRAIN_FACTOR * limit
    if declared is not None and declared.isdigit() and int(declared) > drain_limit:
        return _too_big(limit, close=True)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_READ_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    chunks.clear()  # never hold more than the limit in memory
                    if size > drain_limit:
                        return _too_big(limit, close=True)
                    continue
                chunks.append(chunk)
    except TimeoutError:
        return _error(408, "The body did not arrive in time.", {"Connection": "close"})
    if size > limit:
        return _too_big(limit, close=False)
    return b"".join(chunks)


def _verify(provider: str, relay: Relay, body: bytes, signature: str | None) -> ProviderEvent:
    """Verify, and establish the event's mode; refuse (400) what has none."""
    if provider == "stripe":
        event = verify_stripe(body, signature, relay.stripe_secrets)
        mode = stripe_event_mode(event.payload)
        if mode is None:
            raise WebhookError("The Stripe event's livemode is missing or contradicts its "
                               "object; its mode cannot be established.")
        return ProviderEvent(event.provider, event.dedup_key, event.event_type, event.payload,
                             mode=mode)
    return verify_nowpayments_modes(body, signature, relay.nowpayments_secrets,
                                    exact_limit=EXACT_JS_FORM_BYTES)


async def _ingest(request: Request, provider: str, header: str) -> Response:
    relay = _relay(request)
    started = time.monotonic()
    limit = MAX_BODY_BYTES[provider]
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return _too_big(limit, close=True)
    secrets_for = relay.stripe_secrets if provider == "stripe" else [
        s for values in relay.nowpayments_secrets.values() for s in values]
    if not secrets_for:
        # Our misconfiguration, not the sender's fault: 503 makes the provider
        # retry, so the event arrives once the secret is set.
        names = STRIPE_SECRET_NAMES if provider == "stripe" else NOWPAYMENTS_SECRET_NAMES
        log.error("%s webhook refused: %s is not configured", provider, names[0])
        return _error(503, f"The relay has no {names[0]} configured.")
    signature = request.headers.get(header)
    refusal = precheck_signature(provider, signature)
    if refusal is not None:
        log.info("%s webhook rejected: %s", provider, refusal)
        return _error(400, refusal, {"Connection": "close"})
    body_or_response = await _read_body(request, limit)
    if isinstance(body_or_response, Response):
        return body_or_response
    body = body_or_response
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "The webhook body is not UTF-8.")
    try:
        if len(body) <= INLINE_VERIFY_BYTES:
            event = _verify(provider, relay, body, signature)
        else:
            remaining = INGEST_DEADLINE_SECONDS - (time.monotonic() - started)
            event = await relay.run_verify(_verify, provider, relay, body, signature,
                                           timeout=remaining)
    except WebhookError as exc:
        log.info("%s webhook rejected: %s", provider, exc)
        return _error(400, str(exc))
    except TimeoutError:
        log.warning("%s webhook not verified in time (verification queue full), answered 503",
                    provider)
        return _error(503, "The relay is busy; please retry.")
    if len(event.dedup_key) > MAX_DEDUP_KEY_CHARS:
        return _error(400, "The webhook's identifying fields are implausibly long.")
    item = IngestItem(provider, event.dedup_key, event.event_type, text, signature or "",
                      mode=event.mode)
    remaining = INGEST_DEADLINE_SECONDS - (time.monotonic() - started)
    try:
        outcome = await relay.writer.submit(item, remaining)
    except DatabaseUnavailable as exc:
        log.warning("%s webhook not stored, answered 503: %s", provider, exc)
        return _error(503, "The relay could not store the event; please retry.")
    return JSONResponse({"received": True, "duplicate": outcome.duplicate})


async def kiosk_event(request: Request) -> Response:
    """A staff action at a kiosk (a cash gift, its void, a decision on a partly paid
    crypto gift), shared with every kiosk through the feed.

    The relay is the authority on who sent it: the body must name the token's
    kiosk (ids in that kiosk's namespace, `kiosk/...`) and the token's mode, else
    403; the event is stored with that kiosk and mode, which the feed hands on.
    """
    return await _kiosk_event(request, default_type=None)


async def cash_gift(request: Request) -> Response:
    """`/v1/cash`: a cash gift (the first relay's route; `type` may be left out)."""
    return await _kiosk_event(request, default_type="cash.recorded")


async def _kiosk_event(request: Request, *, default_type: str | None) -> Response:
    relay = _relay(request)
    started = time.monotonic()
    try:
        identity = await relay.identify(request)
    except DatabaseUnavailable:
        return _error(503, "The relay could not check the token; please retry.")
    if identity is None:
        return _error(401, "A valid kiosk token is required (Authorization: Bearer ...).",
                      {"WWW-Authenticate": 'Bearer realm="charter-relay"'})
    kiosk, mode = identity
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_CASH_BYTES:
        return _too_big(MAX_CASH_BYTES, close=True)
    body_or_response = await _read_body(request, MAX_CASH_BYTES)
    if isinstance(body_or_response, Response):
        return body_or_response
    body = body_or_response
    try:
        # Checked first: json.loads would also take UTF-16, which the feed cannot carry.
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "The kiosk event body is not UTF-8.")
    try:
        event = parse_kiosk_event(body, default_type=default_type)
    except WebhookError as exc:
        return _error(400, str(exc))
    refusal = _authority(event, kiosk, mode)
    if refusal is not None:
        log.warning("kiosk %s: event %s refused: %s", kiosk, event.dedup_key, refusal)
        return _error(403, refusal)
    limit = _campaign_limit_minor()
    amount = event.payload.get("amount_minor")
    if isinstance(amount, int) and amount > limit:
        return _error(400, f"The amount is over the campaign's maximum gift ({limit} minor "
                      "units).")
    item = IngestItem("kiosk", event.dedup_key, event.event_type, text, f"kiosk:{kiosk}",
                      mode=mode, origin=kiosk)
    try:
        outcome = await relay.writer.submit(item, INGEST_DEADLINE_SECONDS -
                                            (time.monotonic() - started))
    except DatabaseUnavailable as exc:
        log.warning("kiosk event not stored, answered 503: %s", exc)
        return _error(503, "The relay could not store the event; please retry.")
    return JSONResponse({"received": True, "duplicate": outcome.duplicate, "seq": outcome.seq})


def _authority(event: ProviderEvent, kiosk: str, mode: str | None) -> str | None:
    """Why this kiosk may not send this event, or None when it may."""
    body = event.payload
    if mode not in MODES:
        return (f"Kiosk {kiosk}'s token has no mode; re-issue it with "
                "`charter-kiosk relay add-kiosk NAME --mode test|live`.")
    if body.get("kiosk_id") != kiosk or not event.dedup_key.startswith(f"{kiosk}/"):
        return f"A kiosk may only send its own events: this token is kiosk {kiosk}'s."
    if "livemode" in body and body["livemode"] != (mode == "live"):
        return f"Kiosk {kiosk}'s token is for {mode} mode; the event says otherwise."
    if event.event_type == "cash.voided" and not str(body.get("gift_id", "")).startswith(
            f"{kiosk}/"):
        return "A gift can only be voided by the kiosk that recorded it."
    return None


def _campaign_limit_minor() -> int:
    """The campaign's largest gift, from the relay host's settings (default 10,000)."""
    from backend.money import to_minor
    from backend.settings import get_settings

    settings = get_settings()
    return to_minor(settings.max_amount, settings.currency)


async def stripe_webhook(request: Request) -> Response:
    return await _ingest(request, "stripe", "stripe-signature")


async def nowpayments_webhook(request: Request) -> Response:
    return await _ingest(request, "nowpayments", "x-nowpayments-sig")


def _int_param(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not text.isdigit() or len(text) > 25:
        raise BadRequest(f"'{name}' must be a whole number ≥ {minimum}, not {raw[:40]!r}.")
    value = int(text)
    if value < minimum:
        raise BadRequest(f"'{name}' must be a whole number ≥ {minimum}, not {raw[:40]!r}.")
    return value


def _feed_params(params: Mapping[str, str]) -> tuple[int, int, float]:
    after = _int_param(params, "after", 0, 0)
    if after > MAX_SEQ:
        raise BadRequest(f"'after' must be at most {MAX_SEQ}.")
    limit = min(_int_param(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    raw_wait = params.get("wait")
    wait = 0.0
    if raw_wait:
        try:
            wait = float(raw_wait) if len(raw_wait) <= 25 else math.nan
        except ValueError:
            wait = math.nan
        if not math.isfinite(wait) or wait < 0:
            raise BadRequest(f"'wait' must be a number of seconds ≥ 0, not {raw_wait[:40]!r}.")
        wait = min(wait, MAX_WAIT_SECONDS)
    return after, limit, wait


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def _page_tail(page: FeedPage) -> bytes:
    """The feed answer after its `"you"` member, encoded once per page and shared by
    every kiosk the page wakes: `{"you": {"kiosk", "mode"}, "events", "next", "gap"}`."""
    body = json.dumps({
        "events": [
            {
                "seq": e.seq,
                "id": e.dedup_key,
                "provider": e.provider,
                "type": e.event_type,
                "received_at": _iso(e.received_at),
                "mode": e.mode,
                "kiosk": e.origin,
                "payload": e.payload,
            }
            for e in page.events
        ],
        "next": page.next,
        "gap": page.gap,
    }, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return body[1:]  # without its opening brace


FeedAnswer = tuple[int, bytes, list[tuple[bytes, bytes]]]
_JSON = (b"content-type", b"application/json")
_NO_STORE = (b"cache-control", b"no-store")


def _error_answer(status: int, message: str, *headers: tuple[bytes, bytes]) -> FeedAnswer:
    return status, json.dumps({"error": message}).encode(), list(headers)


def _unauthorized() -> FeedAnswer:
    return _error_answer(401, "A valid kiosk token is required (Authorization: Bearer ...).",
                         (b"www-authenticate", b'Bearer realm="charter-relay"'))


@functools.lru_cache(maxsize=65536)
def _you(identity: tuple[str, str | None]) -> bytes:
    """The start of a feed answer for this kiosk: `{"you":{"kiosk","mode"},`."""
    return b'{"you":' + json.dumps({"kiosk": identity[0], "mode": identity[1]},
                                   ensure_ascii=False, separators=(",", ":")).encode() + b","


async def feed_answer(relay: Relay, params: Mapping[str, str], authorization: str
                      ) -> FeedAnswer:
    """The feed's answer: (status, JSON body, extra headers). Shared by the Starlette
    route and `FeedFastPath`."""
    try:
        after, limit, wait = _feed_params(params)
    except BadRequest as exc:
        return _error_answer(400, str(exc))
    token_hash = token_hash_of(authorization)
    try:
        # A few at a time through the first check and read: thousands of kiosks
        # reconnecting at once then take turns with the webhooks instead of
        # making one long turn of the event loop that every webhook waits behind.
        async with relay.feed_gate:
            identity = await relay.identify_hash(token_hash)
        if identity is None or token_hash is None:
            return _unauthorized()
        you = _you(identity)
        deadline = time.monotonic() + wait
        first = True
        while True:
            # Read the version before querying: a commit after this point bumps
            # it, so the wait below returns at once instead of missing the event.
            version = relay.notifier.version
            if first:
                first = False
                async with relay.feed_gate:
                    page, tail = await relay.fetch(after, limit, version)
            else:
                page, tail = await relay.fetch(after, limit, version)
            remaining = deadline - time.monotonic()
            if page.events or page.gap or remaining <= 0 or relay.notifier.closed:
                break
            relay.hold(after, limit, 1)
            try:
                await relay.notifier.wait_past(version, remaining, key=identity[0])
            finally:
                relay.hold(after, limit, -1)
            if not relay.still_active(token_hash):
                return _unauthorized()  # revoked while it waited
    except DatabaseUnavailable as exc:
        log.warning("feed unavailable: %s", exc)
        return _error_answer(503, "The relay's database is unavailable; retry shortly.")
    return 200, you + tail, [_NO_STORE]


async def events_feed(request: Request) -> Response:
    status, body, headers = await feed_answer(_relay(request), request.query_params,
                                              request.headers.get("authorization", ""))
    return Response(body, status_code=status, media_type="application/json",
                    headers={k.decode(): v.decode() for k, v in headers})


class FeedFastPath:
    """`GET /v1/events` answered straight from ASGI, past Starlette's routing, request
    and response objects; everything else goes to the Starlette app.

    When one event wakes 10,000 held long-polls, they are answered one after the
    other on one event loop: the last kiosk waits for the sum of every answer's
    cost, so that cost is kept to the bare minimum here.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state
        self._relay: Relay = app.state.relay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/events" or \
                scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        authorization = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        # Like Starlette's QueryParams.get: the last value of a repeated name wins.
        params = dict(parse_qsl(scope["query_string"].decode("latin-1"),
                                keep_blank_values=True))
        status, body, headers = await feed_answer(self._relay, params, authorization)
        await send({"type": "http.response.start", "status": status,
                    "headers": [_JSON, (b"content-length", str(len(body)).encode()),
                                *headers]})
        await send({"type": "http.response.body", "body": body})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("charter-kiosk")
    except PackageNotFoundError:
        return "0+unknown"


async def healthz(request: Request) -> Response:
    """Public: `{"ok", "version"}` only (200, or 503 when the database is unreachable),
    for load balancers and uptime checks. With a valid kiosk token also the
    details `charter-kiosk check` reads: the database, which secrets are configured
    (names only), the last sweep and the event counts."""
    relay = _relay(request)
    body: dict[str, Any] = {"ok": False, "version": _version()}
    headers = {"Cache-Control": "no-store"}
    try:
        stats = await relay.health_stats()
    except DatabaseUnavailable as exc:
        log.warning("healthz: database unreachable: %s", exc)
        stats = None
    body["ok"] = stats is not None
    status = 200 if stats is not None else 503
    try:
        identity = await relay.identify(request) if stats is not None else None
    except DatabaseUnavailable:
        identity = None
    if identity is None or stats is None:
        return JSONResponse(body, status_code=status, headers=headers)
    newest_age = (
        round(max(0.0, time.time() - stats.newest_received_at), 3)
        if stats.newest_received_at is not None
        else None
    )
    body["database"] = {"kind": relay.store.kind, "reachable": True}
    body["secrets_configured"] = relay.configured_secret_names()
    try:
        from backend.relay.sweep import last_sweep

        sweep = await relay.run_db(last_sweep, relay.store)
        body["last_sweep_at"] = sweep["at"] if sweep else None
    except DatabaseUnavailable:
        body["last_sweep_at"] = None
    body["events"] = {
        "stored": stats.stored,
        "newest_seq": stats.newest_seq,
        "newest_age_s": newest_age,
        "pruned_through": stats.pruned_through,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(
    db_url: str | None = None,
    *,
    stripe_secrets: Sequence[str] | None = None,
    nowpayments_secrets: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    retention_days: float | None = DEFAULT_RETENTION_DAYS,
    prune_interval: float = 3600.0,
    db_threads: int = 16,
    sweep_interval: float | None = None,
    sweep_client: Any = None,
) -> Starlette:
    """The relay app. Secrets default to the environment/keyring (current, then previous).

    `db_url`: `sqlite:///path` (default: `relay.sqlite3` in the data directory)
    or `postgresql://user@host:port/db`. `retention_days=None` keeps events forever.
    `sweep_interval`: seconds between missed-webhook sweeps (None: no sweeping);
    `sweep_client` defaults to the Stripe key configured on this host.
    """
    # The feed's threads, the ingest writer, the token refresh, last-seen and the
    # sweep: each may hold one pooled connection (plus one LISTEN on PostgreSQL).
    store = RelayStore(db_url, max_connections=db_threads + POOL_EXTRA)
    relay = Relay(
        store,
        _configured_secrets(STRIPE_SECRET_NAMES) if stripe_secrets is None else stripe_secrets,
        _nowpayments_secrets_by_mode(nowpayments_secrets),
        retention_seconds=retention_days * 86400 if retention_days else None,
        prune_interval=prune_interval,
        db_threads=db_threads,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await relay.start()
        if sweep_interval:
            from backend.relay.sweep import sweep_client as default_client

            client = sweep_client or default_client()
            if client is not None:
                relay._spawn(relay._sweep_loop(client, sweep_interval))
        try:
            yield
        finally:
            await relay.stop()

    app = Starlette(
        routes=[
            Route("/v1/webhooks/stripe", stripe_webhook, methods=["POST"]),
            Route("/v1/webhooks/nowpayments", nowpayments_webhook, methods=["POST"]),
            Route("/v1/events", events_feed, methods=["GET"]),
            Route("/v1/cash", cash_gift, methods=["POST"]),
            Route("/v1/kiosk-events", kiosk_event, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/thanks", pages.thanks, methods=["GET"]),
            Route("/cancelled", pages.cancelled, methods=["GET"]),
            *paylinks.routes(),  # POST /v1/paylinks, GET /p/<code>
        ],
        lifespan=lifespan,
    )
    app.state.relay = relay
    return app
