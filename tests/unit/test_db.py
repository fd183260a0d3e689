"""The kiosk database: schema version, WAL, idempotent reopening, refusing newer, migrating safely."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import peewee as pw
import pytest

from backend import db
from backend.db import NewerDatabaseError, open_database
from backend.migrations import SNAPSHOT_VERSION
from backend.models import ALL_MODELS, Donation
from tests.support.schema import sqlite_master, stepwise_file

TABLES = {"contribution_intent", "stripe_payment", "crypto_payment", "donation", "campaign_total",
          "orphan_refund", "ledger_entry", "dispute", "pending_event", "outbox", "subscription",
          "sync_cursor", "meta", "invoice_payment"}


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_fresh_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "kiosk.sqlite3"
    database = open_database(path)
    assert db.database_path() == path
    assert db.schema_version(database) == db.SCHEMA_VERSION == len(db.MIGRATIONS)
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert set(database.get_tables()) >= TABLES
    assert {m._meta.table_name for m in ALL_MODELS} == TABLES
    db.close_database()
    assert db.database_path() is None
    assert _user_version(path) == db.SCHEMA_VERSION
    assert _tables(path) >= TABLES
    assert not list(path.parent.glob("*.bak"))


def test_default_path_is_in_the_data_directory(tmp_path: Path) -> None:
    database = db.ensure_database()
    assert db.database_path() == tmp_path / "home" / "kiosk-test.sqlite3"
    assert db.ensure_database() is database


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    first = open_database(path)
    Donation.create(source="cash", provider_ref="r1", campaign_id="c", method="cash", amount_minor=5,
                    currency="usd", via="staff")
    assert open_database(path) is first  # already bound: the same database
    db.close_database()
    open_database(path)
    assert Donation.select().count() == 1
    assert db.schema_version(db.database.obj) == db.SCHEMA_VERSION
    db.close_database()
    assert not list(tmp_path.glob("*.bak"))  # nothing to migrate, nothing backed up


def test_switching_files_rebinds(tmp_path: Path) -> None:
    open_database(tmp_path / "a.sqlite3")
    Donation.create(source="cash", provider_ref="a", campaign_id="c", method="cash", amount_minor=1,
                    currency="usd", via="staff")
    open_database(tmp_path / "b.sqlite3")
    assert db.database_path() == tmp_path / "b.sqlite3"
    assert Donation.select().count() == 0


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_newer_database_refused_and_untouched(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE future_thing (x INTEGER)")
    conn.execute("INSERT INTO future_thing VALUES (42)")
    conn.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    siblings = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(NewerDatabaseError) as info:
        open_database(path)
    assert "newer Charter Kiosk" in str(info.value)
    assert f"schema {db.SCHEMA_VERSION + 5}" in str(info.value)
    assert db.database.obj is None
    assert db.database_path() is None
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no backup, no -wal left behind


def _current_file(path: Path) -> int:
    """A file at today's schema, which a test migration appended to MIGRATIONS finds old."""
    open_database(path)
    Donation.create(source="cash", provider_ref="before-migration", campaign_id="c", method="cash",
                    amount_minor=700, currency="usd", via="staff")
    db.close_database()
    assert _user_version(path) == db.SCHEMA_VERSION
    return db.SCHEMA_VERSION


def test_migration_backs_up_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.sqlite3"
    old = _current_file(path)
    seen_backups: list[int] = []

    def migration_next(database: pw.Database) -> None:
        # The backup exists before any step runs.
        seen_backups.append(len(list(tmp_path.glob(f"kiosk.sqlite3.v{old}-*.bak"))))
        database.execute_sql("CREATE TABLE added_next (id INTEGER PRIMARY KEY)")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, migration_next])
    monkeypatch.setattr(db, "SCHEMA_VERSION", old + 1)
    open_database(path)
    assert db.schema_version(db.database.obj) == old + 1
    assert Donation.get(Donation.provider_ref == "before-migration").amount_minor == 700
    db.close_database()
    assert seen_backups == [1]
    backups = list(tmp_path.glob(f"kiosk.sqlite3.v{old}-*.bak"))
    assert len(backups) == 1
    assert _user_version(backups[0]) == old
    assert "added_next" not in _tables(backups[0])
    assert "donation" in _tables(backups[0])
    assert _user_version(path) == old + 1
    assert "added_next" in _tables(path)


def test_failing_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.sqlite3"
    old = _current_file(path)
    real = list(db.MIGRATIONS)

    def migration_next(database: pw.Database) -> None:
        database.execute_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        database.execute_sql("DELETE FROM donation")
        database.execute_sql("INSERT INTO donation (source) VALUES ('x')")  # NOT NULL violations

    monkeypatch.setattr(db, "MIGRATIONS", [*real, migration_next])
    monkeypatch.setattr(db, "SCHEMA_VERSION", old + 1)
    with pytest.raises(pw.IntegrityError):
        open_database(path)
    assert db.database.obj is None
    assert _user_version(path) == old
    assert "half_done" not in _tables(path)
    assert len(list(tmp_path.glob("*.bak"))) == 1
    # The fixed app: the next start migrates cleanly from the same file, nothing lost.
    monkeypatch.setattr(db, "MIGRATIONS", [*real, lambda d: None])
    open_database(path)
    assert db.schema_version(db.database.obj) == old + 1
    assert Donation.select().count() == 1


def test_migrations_run_stepwise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.sqlite3"
    old = _current_file(path)
    order: list[int] = []
    steps = [lambda d: order.append(old + 1), lambda d: order.append(old + 2)]
    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, *steps])
    monkeypatch.setattr(db, "SCHEMA_VERSION", old + 2)
    open_database(path)
    assert order == [old + 1, old + 2]
    assert db.schema_version(db.database.obj) == old + 2


def test_step_already_run_by_another_process_is_skipped(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two kiosks start on an old file at once: the second must not run a step again."""
    path = tmp_path / "kiosk.sqlite3"
    old = _current_file(path)
    runs: list[int] = []

    def migration_next(database: pw.Database) -> None:
        runs.append(1)
        database.execute_sql("CREATE TABLE only_once (id INTEGER PRIMARY KEY)")  # not idempotent

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, migration_next])
    monkeypatch.setattr(db, "SCHEMA_VERSION", old + 1)
    open_database(path)  # "the other process" migrates
    assert runs == [1]
    # This process read the version before the other one committed (a stale first read).
    real = db.schema_version
    reads = iter([old])
    monkeypatch.setattr(db, "schema_version", lambda d: next(reads, None) or real(d))
    db.migrate(db.database.obj, path)
    assert runs == [1]
    assert real(db.database.obj) == old + 1


def _db_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "charter.db"]


def test_a_step_after_the_snapshot_runs_on_a_fresh_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A brand-new file starts from the snapshot, then takes every step appended after it."""
    caplog.set_level(logging.INFO, logger="charter.db")
    path = tmp_path / "kiosk.sqlite3"
    seen: list[int] = []

    def migration_next(database: pw.Database) -> None:
        seen.append(db.schema_version(database))
        database.execute_sql("CREATE TABLE added_next (id INTEGER PRIMARY KEY)")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, migration_next])
    monkeypatch.setattr(db, "SCHEMA_VERSION", SNAPSHOT_VERSION + 1)
    open_database(path)
    db.close_database()
    assert seen == [SNAPSHOT_VERSION]
    assert _user_version(path) == SNAPSHOT_VERSION + 1
    assert _tables(path) == TABLES | {"added_next"}
    assert _db_log(caplog) == [f"created {path} at schema {SNAPSHOT_VERSION}",
                               f"migrated {path} to schema {SNAPSHOT_VERSION + 1}"]
    assert not list(tmp_path.glob("*.bak"))  # a new file: nothing to back up


def test_a_half_made_file_goes_through_the_steps(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Version 0 but a table in it (something else began the file): the snapshot's plain
    CREATE TABLEs would fail on it, the steps create what is missing and keep its rows."""
    caplog.set_level(logging.INFO, logger="charter.db")
    path = tmp_path / "kiosk.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute('CREATE TABLE "meta" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, '
                     '"value" TEXT NOT NULL)')
        conn.execute("INSERT INTO meta VALUES ('kept', 'yes')")
    conn.close()
    assert _user_version(path) == 0
    database = open_database(path)
    assert database.execute_sql("SELECT value FROM meta WHERE key = 'kept'").fetchone() == ("yes",)
    db.close_database()
    assert _db_log(caplog) == [f"migrated {path} to schema {v}"
                               for v in range(1, db.SCHEMA_VERSION + 1)]
    stepwise_file(tmp_path / "steps.sqlite3")
    assert sqlite_master(path) == sqlite_master(tmp_path / "steps.sqlite3")
    assert not list(tmp_path.glob("*.bak"))


def test_a_new_file_another_process_created_first_is_not_created_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """This process found the file empty, then waited for the write lock while another one
    created it: inside the lock it sees that and creates nothing (a second CREATE TABLE
    would fail), and the steps it falls back to are all done already."""
    path = tmp_path / "kiosk.sqlite3"
    open_database(path)  # "the other process"
    before = sqlite_master(path)
    caplog.set_level(logging.INFO, logger="charter.db")
    # Both reads this process made before taking the lock: version 0, nothing in the file.
    stale: dict[str, list[object]] = {"schema_version": [0], "_brand_new": [True]}
    for name, reads in stale.items():
        real = getattr(db, name)
        monkeypatch.setattr(db, name, lambda d, reads=reads, real=real: reads.pop() if reads else real(d))
    db.migrate(db.database.obj, path)
    assert stale == {"schema_version": [], "_brand_new": []}  # the stale reads were used
    db.close_database()
    assert _db_log(caplog) == []
    assert sqlite_master(path) == before
    assert not list(tmp_path.glob("*.bak"))


def test_threads_creating_one_new_file_at_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Kiosk processes starting together on a new file (each with its own connection, as
    here): one creates it from the snapshot, the others find it made; one schema results.
    The connections are opened first, one after another: bare connections switching a new
    file to WAL at the same moment can get "database is locked" before migrate runs (
    `open_database` switches the file first and retries, see tests/process/test_new_database.py);
    this races the creation itself."""
    caplog.set_level(logging.INFO, logger="charter.db")
    stepwise_file(tmp_path / "steps.sqlite3")
    expected = sqlite_master(tmp_path / "steps.sqlite3")
    for round_ in range(5):
        path = tmp_path / f"race-{round_}.sqlite3"
        # thread_safe=False: each thread uses the connection opened here, not one of its own.
        databases = [pw.SqliteDatabase(str(path), pragmas=db.PRAGMAS, lock_type="IMMEDIATE",
                                       check_same_thread=False, thread_safe=False)
                     for _ in range(3)]
        for database in databases:
            database.connect()
        assert _user_version(path) == 0 and _tables(path) == set()  # still brand new
        barrier = threading.Barrier(len(databases))
        errors: list[BaseException] = []

        def start(database: pw.SqliteDatabase, path: Path = path,
                  barrier: threading.Barrier = barrier, errors: list[BaseException] = errors) -> None:
            try:
                connection = database.connection()
                barrier.wait(10)
                db.migrate(database, path)
                assert database.connection() is connection
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(d,)) for d in databases]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for database in databases:
            database.close()
        assert errors == []
        assert sqlite_master(path) == expected
        assert [m for m in _db_log(caplog) if str(path) in m] == [
            f"created {path} at schema {SNAPSHOT_VERSION}"]


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(pw.DatabaseError):
        open_database(path)
    assert db.database.obj is None
    assert path.read_bytes() == b"this is not sqlite" * 100
