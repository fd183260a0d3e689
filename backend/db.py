"""The kiosk database: a peewee proxy bound late to a SQLite file in WAL mode.

The schema is numbered in `PRAGMA user_version`; each migration runs in one
transaction after the file is copied aside, and a database from a newer
version of the app is refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from backend.result import UserError
from backend.settings import DATABASE_FILE, TEST_DATABASE_FILE, data_dir, get_settings

log = logging.getLogger("charter.db")

database = pw.DatabaseProxy()
_lock = threading.RLock()
_path: Path | None = None

# synchronous=FULL: a committed donation survives a power cut (kiosks get unplugged).
# busy_timeout: the poller, the sync worker and the staff screen write concurrently.
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
}


class NewerDatabaseError(UserError):
    pass


def _migration_1(db: pw.Database) -> None:
    from backend.models import ALL_MODELS

    db.create_tables(ALL_MODELS)


def _migration_2(db: pw.Database) -> None:
    """Reconciler scheduling on both payment tables; `late` on donations."""
    from playhouse.migrate import SqliteMigrator, migrate

    migrator = SqliteMigrator(db)
    steps = []
    for table in ("stripe_payment", "crypto_payment"):
        existing = {c.name for c in db.get_columns(table)}
        for name, field in (("next_check_at", pw.BigIntegerField(null=True)),
                            ("last_checked_at", pw.BigIntegerField(null=True)),
                            ("checks", pw.IntegerField(default=0)),
                            ("failures", pw.IntegerField(default=0))):
            if name not in existing:
                steps.append(migrator.add_column(table, name, field))
    if "late" not in {c.name for c in db.get_columns("donation")}:
        steps.append(migrator.add_column("donation", "late", pw.BooleanField(default=False)))
    migrate(*steps)


def _migration_3(db: pw.Database) -> None:
    """The ledger of entries: every donation becomes a gift entry (and a refund
    entry if refunded), so the kept total is a sum of entries from here on; modes
    on every record; pending events, disputes and the outbox of staff actions."""
    import json

    from playhouse.migrate import SqliteMigrator, migrate

    from backend.models import (
        CampaignTotal,
        Dispute,
        Donation,
        LedgerEntry,
        Meta,
        OrphanRefund,
        Outbox,
        PendingEvent,
    )

    settings = get_settings()
    live = settings.mode == "live"  # each mode has its own file (default_path)
    migrator = SqliteMigrator(db)
    steps = []
    for table in ("contribution_intent", "crypto_payment", "donation"):
        if "livemode" not in {c.name for c in db.get_columns(table)}:
            steps.append(migrator.add_column(table, "livemode", pw.BooleanField(default=live)))
    existing = {c.name for c in db.get_columns("campaign_total")}
    for name in ("gross_minor", "corrections_minor"):
        if name not in existing:
            steps.append(migrator.add_column("campaign_total", name,
                                             pw.BigIntegerField(default=0)))
    migrate(*steps)
    db.create_tables([LedgerEntry, Dispute, PendingEvent, Outbox], safe=True)

    # Cash gifts not yet shared get ids in their kiosk's namespace (no other kiosk
    # has seen them, so renaming them here is safe).
    for row in list(Meta.select().where(Meta.key.startswith("cash_unsent:"))):
        body = json.loads(row.value)
        old = str(body["id"])
        new = old if "/" in old else f"{body.get('kiosk_id') or settings.kiosk_id}/{old}"
        Donation.update(provider_ref=new).where(
            (Donation.source == "cash") & (Donation.provider_ref == old)).execute()
        body.update(id=new, type="cash.recorded", livemode=live)
        Outbox.insert(event_id=new, body=json.dumps(body)).on_conflict_ignore().execute()
        row.delete_instance()

    for donation in Donation.select().where(
            Donation.id.not_in(LedgerEntry.select(LedgerEntry.donation))):
        base = {"donation": donation.id, "campaign_id": donation.campaign_id,
                "currency": donation.currency, "method": donation.method, "livemode": live,
                "via": "migration", "created_at": donation.created_at}
        LedgerEntry.insert(key=f"gift:{donation.source}:{donation.provider_ref}", kind="gift",
                           amount_minor=donation.amount_minor, **base).execute()
        if donation.status == "refunded":
            LedgerEntry.insert(key=f"refund:{donation.source}:{donation.provider_ref}:migrated",
                               kind="refund", amount_minor=-donation.amount_minor,
                               **base).execute()
    for orphan in OrphanRefund.select():
        # Kept as the full refund event it stood for, applied when its payment is counted.
        charge = {"object": "charge", "payment_intent": orphan.payment_ref, "refunded": True,
                  "livemode": live}
        event = {"id": f"orphan-refund-{orphan.payment_ref}", "type": "charge.refunded",
                 "livemode": live, "data": {"object": charge}}
        PendingEvent.insert(
            key=f"stripe:{event['id']}", waiting_for=f"stripe-pi:{orphan.payment_ref}",
            provider="stripe", event_type="charge.refunded", mode=settings.mode, via="migration",
            payload=json.dumps(event),
        ).on_conflict_ignore().execute()
    OrphanRefund.delete().execute()
    # The kept totals, recomputed from the entries they must now equal.
    campaigns = {e.campaign_id: e.currency for e in LedgerEntry.select(
        LedgerEntry.campaign_id, LedgerEntry.currency).distinct()}
    for campaign_id, currency in campaigns.items():
        entries = list(LedgerEntry.select().where(LedgerEntry.campaign_id == campaign_id))
        nets: dict[int, int] = {}
        by_method = {"card": 0, "crypto": 0, "cash": 0}
        for e in entries:
            owner = int(e.donation_id)  # type: ignore[attr-defined]  # the FK's raw id
            nets[owner] = nets.get(owner, 0) + e.amount_minor
            by_method[e.method] = by_method.get(e.method, 0) + e.amount_minor
        gross = sum(e.amount_minor for e in entries if e.kind == "gift")
        CampaignTotal.insert(campaign_id=campaign_id, currency=currency).on_conflict_ignore(
        ).execute()
        CampaignTotal.update(
            total_minor=sum(nets.values()), count=sum(1 for n in nets.values() if n > 0),
            card_minor=by_method["card"], crypto_minor=by_method["crypto"],
            cash_minor=by_method["cash"], gross_minor=gross,
            corrections_minor=sum(nets.values()) - gross,
        ).where(CampaignTotal.campaign_id == campaign_id).execute()


def _migration_4(db: pw.Database) -> None:
    """Cover the fee and monthly gifts: the fee part of an intent and a donation, an
    intent's recurrence, a donation's subscription, and the subscriptions."""
    from playhouse.migrate import SqliteMigrator, migrate

    from backend.models import Subscription

    migrator = SqliteMigrator(db)
    wanted = {
        "contribution_intent": (("fee_minor", pw.BigIntegerField(default=0)),
                                ("recurring", pw.CharField(null=True))),
        "donation": (("fee_minor", pw.BigIntegerField(default=0)),
                     ("subscription", pw.CharField(null=True))),
    }
    steps = []
    for table, columns in wanted.items():
        existing = {c.name for c in db.get_columns(table)}
        steps += [migrator.add_column(table, name, field) for name, field in columns
                  if name not in existing]
    migrate(*steps)
    db.create_tables([Subscription], safe=True)


# Append only. Each step takes the database from version N-1 to N. A fresh
# database runs them all: step 1 creates today's tables, so later steps check
# what is already there.
MIGRATIONS: list[Callable[[pw.Database], None]] = [
    _migration_1, _migration_2, _migration_3, _migration_4]
SCHEMA_VERSION = len(MIGRATIONS)


def database_path() -> Path | None:
    return _path


def default_path() -> Path:
    """One file per mode: gifts made while testing a kiosk before doors open must
    never count in the live total, and switching to live starts from the live file."""
    name = DATABASE_FILE if get_settings().mode == "live" else TEST_DATABASE_FILE
    return data_dir() / name


def open_database(path: Path | None = None) -> pw.SqliteDatabase:
    """Open (creating and migrating as needed) the kiosk database and bind the proxy."""
    global _path
    target = Path(path) if path else default_path()
    with _lock:
        if database.obj is not None and _path == target:
            return database.obj
        close_database()
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # Before peewee applies PRAGMAS: switching a newer app's file to WAL
            # would already change it, and we promise to leave it untouched.
            _refuse_newer(target)
        # IMMEDIATE: a writer takes the write lock when it begins, so two
        # processes never both read a payment's state and then both write it.
        db = pw.SqliteDatabase(str(target), pragmas=PRAGMAS, lock_type="IMMEDIATE",
                               check_same_thread=False)
        database.initialize(db)
        _path = target
        try:
            migrate(db, target)
        except Exception:
            close_database()
            raise
        return db


def ensure_database() -> pw.Database:
    """The bound database, opening the default file on first use."""
    with _lock:
        if database.obj is None:
            open_database()
        return database.obj


def close_database() -> None:
    global _path
    with _lock:
        if database.obj is not None:
            database.obj.close()
        database.initialize(None)
        _path = None


def schema_version(db: pw.Database) -> int:
    return int(db.execute_sql("PRAGMA user_version").fetchone()[0])


def _newer_error(path: Path, current: int) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"{path} was written by a newer Charter Kiosk (schema {current}, this app knows "
        f"{SCHEMA_VERSION}). Update the app; the database was not changed."
    )


def _refuse_newer(path: Path) -> None:
    """Read the schema version with a plain connection: no pragmas, no writes."""
    conn = sqlite3.connect(path)
    try:
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError:
        return  # not a database: peewee's open reports it as before
    finally:
        conn.close()
    if current > SCHEMA_VERSION:
        raise _newer_error(path, current)


def migrate(db: pw.SqliteDatabase, path: Path) -> None:
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise _newer_error(path, current)
    if current == SCHEMA_VERSION:
        return
    if current > 0:
        backup(db, path.with_name(f"{path.name}.v{current}-{_stamp()}.bak"))
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            # Another process on the same file may have run this step while we
            # waited for the write lock: read the version again inside the lock.
            if schema_version(db) >= version:
                continue
            MIGRATIONS[version - 1](db)
            db.execute_sql(f"PRAGMA user_version = {version}")
        log.info("migrated %s to schema %d", path, version)


def backup(db: pw.SqliteDatabase, destination: Path) -> Path:
    """A consistent copy through SQLite's backup API (safe while WAL is in use)."""
    target = sqlite3.connect(destination)
    try:
        db.connection().backup(target)
    finally:
        target.close()
    log.info("backed up the database to %s", destination)
    return destination


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
