"""The kiosk database: a peewee proxy bound late to a SQLite file in WAL mode.

The schema is numbered in `PRAGMA user_version`; each migration (frozen in
`backend.migrations`) runs in one transaction after the file is copied aside, and a
database from a newer version of the app is refused rather than guessed at. A brand-new
file gets the schema those steps leave (`SCHEMA_SNAPSHOT`) in one transaction instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import peewee as pw

from backend.migrations import SCHEMA_SNAPSHOT, SNAPSHOT_VERSION, STEPS
from backend.result import UserError
from backend.settings import DATABASE_FILE, TEST_DATABASE_FILE, data_dir, get_settings
from backend.sqlite_wal import in_wal_mode, switch_to_wal

log = logging.getLogger("charter.db")

database = pw.DatabaseProxy()
_lock = threading.RLock()
_path: Path | None = None

# synchronous=FULL: a committed donation survives a power cut (kiosks get unplugged).
# busy_timeout: the poller, the sync worker and the staff screen write concurrently.
# journal_mode: `open_database` has switched the file to WAL already (see
# _refuse_newer_then_switch_to_wal);
# here it only makes each new connection see that, and costs no write.
BUSY_TIMEOUT_MS = 10_000
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
}


class NewerDatabaseError(UserError):
    pass


# Step N takes a file from version N-1 to N. Frozen in backend.migrations (fixed SQL,
# never the model classes); a list here so tests can append a step.
MIGRATIONS: list[Callable[[pw.Database], None]] = list(STEPS)
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
        if not in_wal_mode(target):
            # Before peewee applies PRAGMAS: switching a newer app's file to WAL would
            # already change it, and we promise to leave it untouched. A file in WAL mode
            # already (every kiosk file after its first opening) needs neither: peewee's
            # pragmas write nothing to it, and migrate refuses a newer one.
            _refuse_newer_then_switch_to_wal(target)
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


def _refuse_newer_then_switch_to_wal(path: Path) -> None:
    """On a plain connection (creating the file if need be): refuse a file from a newer app,
    then put the file in WAL mode, waiting out other processes doing the same (see
    `backend.sqlite_wal`). A file that is not a database, or a lock still held at the
    deadline, is left to peewee's connection to report as before."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError:
            return  # not a database: peewee's open reports it as before
        if current > SCHEMA_VERSION:
            raise _newer_error(path, current)
        switch_to_wal(conn, BUSY_TIMEOUT_MS / 1000)
    finally:
        conn.close()


def migrate(db: pw.SqliteDatabase, path: Path) -> None:
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise _newer_error(path, current)
    if current == SCHEMA_VERSION:
        return
    fresh = current == 0  # nothing in it to back up
    if fresh and _snapshot_fits() and _brand_new(db) and _create_from_snapshot(db, path):
        current = SNAPSHOT_VERSION
        if current == SCHEMA_VERSION:
            return
    if not fresh:
        backup(db, path.with_name(f"{path.name}.v{current}-{_stamp()}.bak"))
    # SQLite's way to change a table (copy, drop, rename): with foreign keys on, dropping
    # an intent or a donation that other rows refer to fails, so they are off (settable
    # only outside a transaction, and for this connection only) and every reference is
    # checked before each step commits.
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with db.atomic():
                # Another process on the same file may have run this step while we
                # waited for the write lock: read the version again inside the lock.
                if schema_version(db) >= version:
                    continue
                MIGRATIONS[version - 1](db)
                broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise pw.IntegrityError(f"schema step {version} left {len(broken)} rows "
                                            f"referring to rows that are gone: {broken[:3]}")
                db.execute_sql(f"PRAGMA user_version = {version}")
            log.info("migrated %s to schema %d", path, version)
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def _snapshot_fits() -> bool:
    """The snapshot stands for the shipped steps 1..SNAPSHOT_VERSION: a list of steps that
    begins otherwise (a test's) is run step by step. Steps appended after it still run."""
    return (len(MIGRATIONS) >= SNAPSHOT_VERSION
            and tuple(MIGRATIONS[:SNAPSHOT_VERSION]) == STEPS[:SNAPSHOT_VERSION])


def _brand_new(db: pw.SqliteDatabase) -> bool:
    """Version 0 and not one table, index or trigger in it. A file something else half-made
    goes through the steps instead (step 1 creates only the tables it lacks)."""
    return (schema_version(db) == 0
            and db.execute_sql("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None)


def _create_from_snapshot(db: pw.SqliteDatabase, path: Path) -> bool:
    """Today's schema in one transaction (a few ms, where the steps rebuild whole tables).
    False if the file was not brand new once the write lock was ours."""
    with db.atomic():
        # Another process may have created the same file while we waited for the lock.
        if not _brand_new(db):
            return False
        for sql in SCHEMA_SNAPSHOT:
            db.execute_sql(sql)
        db.execute_sql(f"PRAGMA user_version = {SNAPSHOT_VERSION}")
    log.info("created %s at schema %d", path, SNAPSHOT_VERSION)
    return True


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
