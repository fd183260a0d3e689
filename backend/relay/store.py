"""The relay's own database: the event log, the kiosk tokens and a little metadata.

This is not the kiosk's database. A relay keeps every verified webhook, in
arrival order, so that kiosks can pull them at their own pace. Two backends:

- SQLite (the default, `relay.sqlite3` in the data directory) in WAL mode with
  `synchronous=FULL`, so that a commit is on disk before the provider gets its
  2xx. One relay process per file.
- PostgreSQL (`postgresql://...`), which several relay processes may share.

Sequence numbers (`seq`) are the feed's cursor, so they must appear to readers
in increasing order: a reader that has seen seq 6 must never later discover a
newly committed seq 5. SQLite has one writer at a time, which gives that for
free. On PostgreSQL two transactions can draw 5 and 6 from the sequence and
commit in the other order, so every ingest transaction first takes one
transaction-level advisory lock; seq is drawn after the lock, hence commit order
equals seq order across all relay processes.

Model classes are built per `RelayStore` rather than bound to a global proxy so
that tests and benchmarks can run several relays (on different databases) in one
process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import peewee
from playhouse import db_url as pw_db_url
from playhouse.pool import MaxConnectionsExceeded, PooledPostgresqlDatabase, PooledSqliteDatabase

from backend.settings import data_dir
from backend.sqlite_wal import prepare_wal_file

log = logging.getLogger("charter.relay.store")

DEFAULT_DB_FILE = "relay.sqlite3"
# Numbered like the kiosk's: step N takes the relay database from N-1 to N.
# Step 1 created the original tables; step 2 adds modes and senders (see
# `_relay_migration_2`). A fresh database is created at the newest version.
SCHEMA_VERSION = 2
NOTIFY_CHANNEL = "charter_relay_events"
# Any constant works; it only has to be the same in every relay process.
_INGEST_LOCK_KEY = 0x43484152  # "CHAR"
MAX_DEDUP_KEY_CHARS = 500

# Errors that mean "the database cannot answer right now" (as opposed to a bug).
DB_ERRORS: tuple[type[BaseException], ...] = (
    peewee.OperationalError,
    peewee.InterfaceError,
    peewee.DatabaseError,
    MaxConnectionsExceeded,
)
_BUG_ERRORS = (peewee.ProgrammingError, peewee.IntegrityError, peewee.NotSupportedError)


# Stores in this process announce kiosk changes here (by database URL), so that a
# relay sharing the process (tests, the demo) sees a revocation at once; other
# processes' changes are seen by polling (`KioskDirectory`).
_kiosk_listeners: dict[str, set[Callable[[], None]]] = {}
_kiosk_listeners_lock = threading.Lock()


def subscribe_kiosk_changes(url: str, callback: Callable[[], None]) -> None:
    with _kiosk_listeners_lock:
        _kiosk_listeners.setdefault(url, set()).add(callback)


def unsubscribe_kiosk_changes(url: str, callback: Callable[[], None]) -> None:
    with _kiosk_listeners_lock:
        callbacks = _kiosk_listeners.get(url)
        if callbacks is not None:
            callbacks.discard(callback)
            if not callbacks:
                del _kiosk_listeners[url]


def _announce_kiosk_change(url: str) -> None:
    with _kiosk_listeners_lock:
        callbacks = list(_kiosk_listeners.get(url, ()))
    for callback in callbacks:
        callback()


class SqlWithoutParameters(logging.Filter):
    """peewee logs every query with its parameters at debug level: webhook payloads,
    donor names, token hashes. Keep the SQL, drop the values."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg: Any = record.msg
        if isinstance(msg, tuple) and len(msg) == 2 and isinstance(msg[0], str):
            params = msg[1]
            count = len(params) if isinstance(params, list | tuple | dict) else "?"
            record.msg = f"{msg[0]} -- {count} parameter(s) withheld"
            record.args = None
        return True


_peewee_log = logging.getLogger("peewee")
if not any(isinstance(f, SqlWithoutParameters) for f in _peewee_log.filters):
    _peewee_log.addFilter(SqlWithoutParameters())


class DatabaseUnavailable(Exception):
    """The relay database could not be reached or refused the work."""


@dataclass(frozen=True)
class IngestItem:
    """A verified webhook, ready to be stored."""

    provider: str
    dedup_key: str
    event_type: str
    payload: str
    signature: str
    # The mode the relay established (the verifying secret, the event's livemode,
    # the sending kiosk's token) and, for kiosk events, the authenticated sender.
    mode: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class IngestOutcome:
    seq: int
    duplicate: bool


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    provider: str
    dedup_key: str
    event_type: str
    payload: str
    received_at: float
    mode: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class FeedPage:
    events: list[StoredEvent]
    next: int
    gap: bool


@dataclass(frozen=True)
class KioskInfo:
    name: str
    created_at: float
    last_seen_at: float | None
    revoked_at: float | None
    mode: str | None = None


@dataclass(frozen=True)
class Stats:
    stored: int
    newest_seq: int | None
    newest_received_at: float | None
    pruned_through: int


# Every relay session on a shared PostgreSQL server is bounded, so that no relay
# can stall the others. A relay frozen (SIGSTOP, a VM paused, a partition) in the
# middle of an ingest holds the ingest lock in an open transaction: the server
# ends that session after 1 s of idleness, which releases the lock, and the other
# relays, waiting at most 2 s for it, carry on. The relay's transactions are a
# few statements issued back to back; none is ever idle for a second.
# Each can be overridden in the database URL (`?options=-c%20lock_timeout%3D5s`).
PG_SESSION_SETTINGS = {
    "lock_timeout": "2s",
    "idle_in_transaction_session_timeout": "1s",
    "statement_timeout": "5s",
    # The server notices a vanished relay within ~20 s instead of hours.
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "2",
}
# And the relay notices a vanished server: libpq keepalives, and unacknowledged
# writes give up after 10 s instead of the kernel's ~15 minutes.
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "tcp_user_timeout": 10_000,
}


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / DEFAULT_DB_FILE}"


def redact_url(url: str) -> str:
    """The URL without its password, for logs and /healthz."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def open_database(url: str | None, *, max_connections: int = 32) -> peewee.Database:
    """A pooled peewee database for a relay URL (`sqlite:///path` or `postgresql://...`)."""
    url = url or default_db_url()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgres", "postgresql", "postgres+pool", "postgresql+pool"):
        params: dict[str, Any] = pw_db_url.parse(url)
        # A stopped or unreachable server must become a 503 in well under the
        # providers' 3-second deadline, not a hang.
        params.setdefault("connect_timeout", 2)
        for key, value in PG_KEEPALIVES.items():
            params.setdefault(key, value)
        # Named per process, so that pg_stat_activity shows which relay holds what.
        params.setdefault("application_name", f"charter-relay-{os.getpid()}")
        # Ours first: a `-c` in the URL's own options comes later and wins.
        params["options"] = " ".join(
            [f"-c {name}={value}" for name, value in PG_SESSION_SETTINGS.items()]
            + ([params["options"]] if params.get("options") else []))
        database = params.pop("database")
        return PooledPostgresqlDatabase(
            database,
            max_connections=max_connections,
            stale_timeout=300,
            timeout=2,
            autoconnect=False,
            **params,
        )
    if scheme in ("sqlite", "sqlite+pool"):
        path = urlsplit(url).path
        # sqlite:///relative and sqlite:////absolute, as SQLAlchemy and playhouse read them.
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ValueError("A sqlite relay URL needs a file path: sqlite:////path/relay.sqlite3")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Relay processes started together on one new file would otherwise meet in the
            # WAL switch and fail with "database is locked" (see backend.sqlite_wal).
            prepare_wal_file(Path(path), timeout_s=5)
        return PooledSqliteDatabase(
            path,
            max_connections=max_connections,
            timeout=5,
            autoconnect=False,
            # The pool hands a connection to whichever worker thread asks next;
            # each is used by one thread at a time.
            check_same_thread=False,
            pragmas={
                "journal_mode": "wal",
                # FULL: the WAL is fsynced at every commit, so a 2xx survives a power cut.
                "synchronous": "full",
                "busy_timeout": 5000,
                "foreign_keys": 1,
            },
        )
    raise ValueError(f"Unsupported relay database URL scheme {scheme!r} (sqlite or postgresql).")


def _build_models(db: peewee.Database) -> tuple[type[peewee.Model], ...]:
    class Base(peewee.Model):
        class Meta:
            database = db

    class Event(Base):
        seq = peewee.BigAutoField()
        provider = peewee.CharField(max_length=32)
        dedup_key = peewee.TextField()
        event_type = peewee.TextField()
        payload = peewee.TextField()
        signature = peewee.TextField()
        received_at = peewee.DoubleField(index=True)
        mode = peewee.CharField(max_length=8, null=True)  # schema 2
        origin = peewee.CharField(max_length=64, null=True)  # schema 2

        class Meta:
            table_name = "relay_event"
            indexes = ((("provider", "dedup_key"), True),)

    class Kiosk(Base):
        name = peewee.CharField(max_length=64, primary_key=True)
        token_hash = peewee.CharField(max_length=64, unique=True)
        created_at = peewee.DoubleField()
        last_seen_at = peewee.DoubleField(null=True)
        revoked_at = peewee.DoubleField(null=True)
        mode = peewee.CharField(max_length=8, null=True)  # schema 2: test | live

        class Meta:
            table_name = "relay_kiosk"

    class Meta_(Base):
        key = peewee.CharField(max_length=64, primary_key=True)
        value = peewee.TextField()

        class Meta:
            table_name = "relay_meta"

    return Event, Kiosk, Meta_


class RelayStore:
    """Blocking database operations of the relay; call them from worker threads."""

    def __init__(self, url: str | None = None, *, max_connections: int = 32) -> None:
        self.url = url or default_db_url()
        # Any: peewee's dynamic model attributes are beyond what mypy can follow.
        self.db: Any = open_database(self.url, max_connections=max_connections)
        self.is_postgres = isinstance(self.db, peewee.PostgresqlDatabase)
        self.kind = "postgresql" if self.is_postgres else "sqlite"
        models: tuple[Any, ...] = _build_models(self.db)
        self.Event, self.Kiosk, self.Meta = models
        self._schema_ready = False
        # Names this store's commits in NOTIFY payloads.
        self.instance = uuid.uuid4().hex

    # --- plumbing -------------------------------------------------------------

    def _run(self, fn: Any, *args: Any) -> Any:
        """Run `fn` on a pooled connection, turning driver failures into DatabaseUnavailable."""
        try:
            self._ensure_schema()
            with self.db.connection_context():
                return fn(*args)
        except DB_ERRORS as exc:
            if isinstance(exc, _BUG_ERRORS):
                raise  # our SQL is wrong: a 500 and a traceback, not a quiet 503
            if self.is_postgres:
                # A server restart or a session ended by a timeout leaves every
                # idle pooled connection dead too: drop them now, so the next
                # request connects afresh instead of failing on each in turn.
                with contextlib.suppress(Exception):
                    self.db.close_idle()
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}".strip()) from exc

    def _long_statements(self) -> None:
        """Inside a transaction: lift the statement timeout for work that may
        legitimately take long (pruning a big table, migrating)."""
        if self.is_postgres:
            self.db.execute_sql("SET LOCAL statement_timeout = '10min'")

    def _write_tx(self) -> Any:
        # SQLite: take the write lock up front; a deferred transaction that reads
        # first and writes later can fail with SQLITE_BUSY without waiting.
        return self.db.atomic() if self.is_postgres else self.db.atomic("IMMEDIATE")

    def _ensure_schema(self) -> None:
        # Done lazily (and retried) so that a relay whose database is down at
        # start-up still runs and answers 503 until the database comes back.
        if self._schema_ready:
            return
        if not self.is_postgres:
            self._backup_before_migrating()
        with self.db.connection_context(), self._write_tx():
            self._long_statements()
            if self.is_postgres:
                # Two relays starting at once must not race on CREATE TABLE.
                self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_INGEST_LOCK_KEY,))
            fresh = not self.db.table_exists(self.Meta._meta.table_name)
            self.db.create_tables([self.Event, self.Kiosk, self.Meta], safe=True)
            row = self.Meta.get_or_none(self.Meta.key == "schema_version")
            if row is None:
                # Fresh tables are today's; an old database without a version row
                # is version 1 (the first relay wrote none only if it never started).
                row = self.Meta.create(key="schema_version",
                                       value=str(SCHEMA_VERSION if fresh else 1))
            current = int(row.value)
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"The relay database has schema version {row.value}; this relay "
                    f"knows up to {SCHEMA_VERSION}. Upgrade the relay."
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                RELAY_MIGRATIONS[version - 2](self)
                self.Meta.update(value=str(version)).where(
                    self.Meta.key == "schema_version").execute()
                log.info("migrated the relay database to schema %d", version)
        self._schema_ready = True

    def _backup_before_migrating(self) -> None:
        """Copy a SQLite relay database that is about to be migrated (like the kiosk's:
        `relay.sqlite3.schema-N.bak`), so a failed or regretted upgrade can go back.
        On PostgreSQL, take a `pg_dump` before upgrading the relays."""
        import sqlite3

        path = str(self.db.database)
        if path == ":memory:" or not Path(path).exists():
            return
        conn = sqlite3.connect(path, timeout=5)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = "
                                                  "'table'")}
            if self.Event._meta.table_name not in tables:
                return  # a new database: nothing to keep
            row = None
            if self.Meta._meta.table_name in tables:
                row = conn.execute(f"SELECT value FROM {self.Meta._meta.table_name} "  # noqa: S608
                                   "WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 1
            if version >= SCHEMA_VERSION:
                return
            backup = sqlite3.connect(f"{path}.schema-{version}.bak")
            try:
                conn.backup(backup)
            finally:
                backup.close()
            log.info("copied the relay database (schema %d) to %s.schema-%d.bak before "
                     "migrating it", version, path, version)
        finally:
            conn.close()

    def ensure_schema(self) -> None:
        try:
            self._ensure_schema()
        except DB_ERRORS as exc:
            if isinstance(exc, _BUG_ERRORS):
                raise
            raise DatabaseUnavailable(str(exc)) from exc

    def close(self) -> None:
        try:
            self.db.close_all()
        except Exception:  # closing is best effort; nothing to save
            log.debug("closing the relay database pool failed", exc_info=True)

    def listen_params(self) -> dict[str, Any]:
        """psycopg2.connect() arguments for a dedicated LISTEN connection."""
        return {"dbname": self.db.database, **self.db.connect_params}

    def ping(self) -> None:
        self._run(lambda: self.db.execute_sql("SELECT 1").fetchone())

    # --- events ---------------------------------------------------------------

    def insert_batch(self, items: Sequence[IngestItem]) -> list[IngestOutcome]:
        """Store verified events in ONE transaction; duplicates are reported, not stored."""
        return self._run(self._insert_batch, list(items))

    def _insert_batch(self, items: list[IngestItem]) -> list[IngestOutcome]:
        # Plain parameterised SQL here: this is the hot path of ingest, and
        # building each query through peewee cost ~10x the SQLite work itself.
        # Only constants are interpolated (the table name and the driver's
        # placeholder); every value travels as a parameter.
        table = self.Event._meta.table_name
        p = self.db.param
        find = f"SELECT seq FROM {table} WHERE provider = {p} AND dedup_key = {p}"  # noqa: S608
        insert = (
            f"INSERT INTO {table} (provider, dedup_key, event_type, payload, signature, "  # noqa: S608
            f"received_at, mode, origin) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
            + (" RETURNING seq" if self.is_postgres else "")
        )
        outcomes: list[IngestOutcome] = []
        now = time.time()
        with self._write_tx():
            if self.is_postgres:
                self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_INGEST_LOCK_KEY,))
            # Within the write lock a select-then-insert cannot race another
            # writer; the unique index stays as the last line of defence.
            for item in items:
                row = self.db.execute_sql(find, (item.provider, item.dedup_key)).fetchone()
                if row is not None:
                    outcomes.append(IngestOutcome(int(row[0]), True))
                    continue
                cursor = self.db.execute_sql(insert, (
                    item.provider, item.dedup_key, item.event_type, item.payload,
                    item.signature, now, item.mode, item.origin,
                ))
                seq = cursor.fetchone()[0] if self.is_postgres else cursor.lastrowid
                outcomes.append(IngestOutcome(int(seq), False))
            if self.is_postgres and any(not o.duplicate for o in outcomes):
                # Delivered at COMMIT, to every relay process listening.
                # The payload says which store committed: its own relay has already
                # woken its kiosks and ignores it (see PostgresListener).
                self.db.execute_sql("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, self.instance))
        return outcomes

    def fetch_after(self, after: int, limit: int, max_bytes: int = 4 * 1024 * 1024) -> FeedPage:
        """Events with seq > after, oldest first, at most `limit` and about `max_bytes`."""
        return self._run(self._fetch_after, after, limit, max_bytes)

    def _fetch_after(self, after: int, limit: int, max_bytes: int) -> FeedPage:
        Event = self.Event
        pruned = self._pruned_through()
        newest = Event.select(peewee.fn.MAX(Event.seq)).scalar() or 0
        high_water = max(newest, pruned)
        start, gap = after, False
        if after > high_water:
            # The cursor is from a relay database that no longer exists (restored
            # or replaced): start this kiosk over from the oldest event we hold.
            start, gap = 0, True
        elif after < pruned:
            # Events the kiosk never saw were pruned; it gets what is left.
            gap = True
        query = (
            Event.select(
                Event.seq, Event.provider, Event.dedup_key, Event.event_type,
                Event.payload, Event.received_at, Event.mode, Event.origin,
            )
            .where(Event.seq > start)
            .order_by(Event.seq)
            .limit(limit)
            .tuples()
        )
        events: list[StoredEvent] = []
        size = 0
        for seq, provider, dedup_key, event_type, payload, received_at, mode, origin in query:
            if events and size + len(payload) > max_bytes:
                break  # the kiosk asks again from here; keeps answers a sane size
            size += len(payload)
            events.append(StoredEvent(int(seq), provider, dedup_key, event_type, payload,
                                      float(received_at), mode, origin))
        next_seq = events[-1].seq if events else start
        return FeedPage(events, next_seq, gap)

    def _pruned_through(self) -> int:
        row = self.Meta.get_or_none(self.Meta.key == "pruned_through")
        return int(row.value) if row is not None else 0

    def stats(self) -> Stats:
        def query() -> Stats:
            Event = self.Event
            count = Event.select().count()
            newest = (
                Event.select(Event.seq, Event.received_at)
                .order_by(Event.seq.desc())
                .limit(1)
                .tuples()
                .first()
            )
            return Stats(
                stored=int(count),
                newest_seq=int(newest[0]) if newest else None,
                newest_received_at=float(newest[1]) if newest else None,
                pruned_through=self._pruned_through(),
            )

        return self._run(query)

    def prune(self, older_than: float) -> int:
        """Delete events received before `older_than` (unix time); never the newest one.

        The newest event is kept so that the high-water mark survives: otherwise
        an empty table would let a kiosk's cursor look like it came from the future.
        """

        def query() -> int:
            Event = self.Event
            with self._write_tx():
                self._long_statements()
                newest = Event.select(peewee.fn.MAX(Event.seq)).scalar()
                if newest is None:
                    return 0
                cutoff = (
                    Event.select(peewee.fn.MAX(Event.seq))
                    .where((Event.received_at < older_than) & (Event.seq < newest))
                    .scalar()
                )
                if cutoff is None:
                    return 0
                deleted = Event.delete().where(Event.seq <= cutoff).execute()
                pruned = max(self._pruned_through(), int(cutoff))
                self.Meta.insert(key="pruned_through", value=str(pruned)).on_conflict(
                    conflict_target=[self.Meta.key], preserve=[self.Meta.value]
                ).execute()
                return int(deleted)

        return self._run(query)

    # --- kiosks ---------------------------------------------------------------

    def add_kiosk(self, name: str, token_hash: str, mode: str = "test") -> None:
        """Register a kiosk (or re-issue a revoked one). Refuses an active name."""

        def query() -> None:
            Kiosk = self.Kiosk
            with self._write_tx():
                row = Kiosk.get_or_none(Kiosk.name == name)
                if row is not None and row.revoked_at is None:
                    raise KioskExists(name)
                if row is not None:
                    Kiosk.delete().where(Kiosk.name == name).execute()
                Kiosk.create(name=name, token_hash=token_hash, created_at=time.time(), mode=mode)

        self._run(query)
        _announce_kiosk_change(self.url)

    def revoke_kiosk(self, name: str) -> bool:
        def query() -> bool:
            Kiosk = self.Kiosk
            updated = (
                Kiosk.update(revoked_at=time.time())
                .where((Kiosk.name == name) & Kiosk.revoked_at.is_null())
                .execute()
            )
            return bool(updated)

        revoked = bool(self._run(query))
        _announce_kiosk_change(self.url)
        return revoked

    def list_kiosks(self) -> list[KioskInfo]:
        def query() -> list[KioskInfo]:
            Kiosk = self.Kiosk
            return [
                KioskInfo(r.name, r.created_at, r.last_seen_at, r.revoked_at, r.mode)
                for r in Kiosk.select().order_by(Kiosk.name)
            ]

        return self._run(query)

    def kiosk_for_token_hash(self, token_hash: str) -> str | None:
        """The active kiosk holding this token hash, or None (unknown or revoked)."""
        identity = self.identity_for_token_hash(token_hash)
        return identity[0] if identity else None

    def identity_for_token_hash(self, token_hash: str) -> tuple[str, str | None] | None:
        """(name, mode) of the active kiosk holding this token hash, or None."""

        def query() -> tuple[str, str | None] | None:
            Kiosk = self.Kiosk
            row = (
                Kiosk.select(Kiosk.name, Kiosk.mode)
                .where((Kiosk.token_hash == token_hash) & Kiosk.revoked_at.is_null())
                .tuples()
                .first()
            )
            return (str(row[0]), row[1]) if row else None

        return self._run(query)

    def kiosk_fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a kiosk is added, re-issued or revoked, by any process."""

        def query() -> tuple[Any, ...]:
            Kiosk = self.Kiosk
            row = Kiosk.select(
                peewee.fn.COUNT(Kiosk.name), peewee.fn.COUNT(Kiosk.revoked_at),
                peewee.fn.MAX(Kiosk.created_at), peewee.fn.MAX(Kiosk.revoked_at),
            ).tuples().first()
            return tuple(row or ())

        return self._run(query)

    def active_kiosks(self) -> dict[str, tuple[str, str | None]]:
        """Every active kiosk: token hash → (name, mode)."""

        def query() -> dict[str, tuple[str, str | None]]:
            Kiosk = self.Kiosk
            rows = (Kiosk.select(Kiosk.token_hash, Kiosk.name, Kiosk.mode)
                    .where(Kiosk.revoked_at.is_null()).tuples())
            return {str(h): (str(name), mode) for h, name, mode in rows}

        return self._run(query)

    def touch_kiosks_at(self, seen: dict[str, float]) -> None:
        """Record when each kiosk was last seen, all in one transaction."""

        def query() -> None:
            table = self.Kiosk._meta.table_name
            p = self.db.param
            update = (f"UPDATE {table} SET last_seen_at = {p} WHERE name = {p} "  # noqa: S608
                      f"AND (last_seen_at IS NULL OR last_seen_at < {p})")
            with self._write_tx():
                self.db.cursor().executemany(
                    update, [(when, name, when) for name, when in seen.items()])

        self._run(query)

    def touch_kiosks(self, names: Iterable[str], when: float) -> None:
        names = list(names)
        if not names:
            return

        def query() -> None:
            Kiosk = self.Kiosk
            Kiosk.update(last_seen_at=when).where(Kiosk.name.in_(names)).execute()

        self._run(query)

    def get_meta(self, key: str) -> str | None:
        def query() -> str | None:
            row = self.Meta.get_or_none(self.Meta.key == key)
            return None if row is None else str(row.value)

        return self._run(query)

    def set_meta(self, key: str, value: str) -> None:
        def query() -> None:
            with self._write_tx():
                self.Meta.insert(key=key, value=value).on_conflict(
                    conflict_target=[self.Meta.key], update={self.Meta.value: value}).execute()

        self._run(query)

    def drop_tables(self) -> None:
        """For tests on a shared PostgreSQL database."""

        def query() -> None:
            self.db.drop_tables([self.Event, self.Kiosk, self.Meta], safe=True)

        with self.db.connection_context():
            query()
        self._schema_ready = False


def _relay_migration_2(store: RelayStore) -> None:
    """Modes and senders: every event carries the mode the relay established and,
    for kiosk events, the kiosk that sent it; every kiosk token has a mode.

    Stored Stripe events get the mode their own `livemode` says (when the event and
    its object agree). Older NOWPayments IPNs and cash gifts cannot be told apart:
    they stay without a mode, and kiosks refuse them rather than guess. Tokens
    issued before modes existed stay without one; such a kiosk can still read the
    feed, but its staff actions are refused until it is re-issued with `--mode`.
    """
    import json

    from backend.webhooks import stripe_event_mode

    db, event, kiosk = store.db, store.Event, store.Kiosk
    for table, column in ((event, "mode"), (event, "origin"), (kiosk, "mode")):
        have = {c.name for c in db.get_columns(table._meta.table_name)}
        if column not in have:
            size = 64 if column == "origin" else 8
            db.execute_sql(f"ALTER TABLE {table._meta.table_name} ADD COLUMN {column} "
                           f"VARCHAR({size}) NULL")
    rows = event.select(event.seq, event.payload).where(
        (event.provider == "stripe") & event.mode.is_null()).tuples()
    for seq, payload in list(rows):
        try:
            body = json.loads(payload)
        except ValueError:
            continue
        mode = stripe_event_mode(body) if isinstance(body, dict) else None
        if mode is not None:
            event.update(mode=mode).where(event.seq == seq).execute()


RELAY_MIGRATIONS = [_relay_migration_2]


class KioskExists(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"A kiosk named {name!r} already exists; revoke it first.")
        self.name = name
