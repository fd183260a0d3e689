"""The kiosk schema's frozen steps: a file created by step 1 (as the first kiosks made it)
and brought to today matches what the models declare, column for column, and keeps its
gifts; the steps never read the model classes."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import peewee as pw
import pytest

from backend import db, ledger, migrations
from backend.db import close_database, open_database
from backend.models import ALL_MODELS, CryptoPayment, Donation, LedgerEntry, Outbox, PendingEvent
from backend.settings import write_settings
from tests.support.imports import imports_of
from tests.support.paths import REPO
from tests.support.schema import ordered_schema, sqlite_master, stepwise_file

ROOT = REPO

Schema = dict[str, tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]], list[tuple[Any, ...]]]]


def describe(path: Path) -> Schema:
    """Each table's columns (type, NOT NULL, default, primary key), indexes (unique, columns)
    and foreign keys, by name: what peewee's queries depend on (column order is not)."""
    conn = sqlite3.connect(path)
    try:
        schema: Schema = {}
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = {r[1]: (r[2], r[3], r[4], r[5])
                       for r in conn.execute(f'PRAGMA table_info("{table}")')}
            indexes = {r[1]: (r[2], tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{r[1]}")')))
                       for r in conn.execute(f'PRAGMA index_list("{table}")')}
            keys = sorted(tuple(r[2:5]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")'))
            schema[table] = (columns, indexes, keys)
        return schema
    finally:
        conn.close()


def declared_by_the_models(path: Path) -> Schema:
    """The schema peewee would create from today's model classes."""
    database = pw.SqliteDatabase(str(path))
    with database.bind_ctx(ALL_MODELS):
        database.create_tables(ALL_MODELS)
    database.close()
    return describe(path)


def schema_1_file(path: Path) -> None:
    """A file as the first kiosks left it: step 1 only, schema version 1."""
    database = pw.SqliteDatabase(str(path))
    with database.atomic():
        db.MIGRATIONS[0](database)
        database.execute_sql("PRAGMA user_version = 1")
    database.close()


def db_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "charter.db"]


def test_a_fresh_file_has_exactly_what_the_models_declare(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="charter.db")
    open_database(tmp_path / "fresh.sqlite3")
    close_database()
    # Made from the snapshot, not by the steps (those are checked from schema 1 below).
    assert db_messages(caplog) == [
        f"created {tmp_path / 'fresh.sqlite3'} at schema {migrations.SNAPSHOT_VERSION}"]
    models = declared_by_the_models(tmp_path / "models.sqlite3")
    assert set(models) == {m._meta.table_name for m in ALL_MODELS}
    assert describe(tmp_path / "fresh.sqlite3") == models


@pytest.mark.parametrize("mode", ["test", "live"])
def test_the_snapshot_is_the_schema_the_steps_leave(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """A brand-new file gets `SCHEMA_SNAPSHOT` at once instead of the steps, so it must be,
    row for row of sqlite_master and in its version, what every shipped step makes, in
    either mode (step 3 reads it). Appending a step without making the snapshot again
    fails here."""
    monkeypatch.setenv("CHARTER_KIOSK_MODE", mode)
    steps, snapshot = tmp_path / "steps.sqlite3", tmp_path / "snapshot.sqlite3"
    stepwise_file(steps)
    database = pw.SqliteDatabase(str(snapshot))
    assert db._create_from_snapshot(database, snapshot)
    database.close()
    stale = "SCHEMA_SNAPSHOT is not what the steps make: run tools/schema_snapshot.py"
    assert sqlite_master(snapshot) == sqlite_master(steps), stale
    assert sqlite_master(steps)[0] == len(migrations.STEPS)
    # Statement for statement as the tool prints them: tables referenced first, each
    # followed by its indexes.
    assert ordered_schema(steps) == migrations.SCHEMA_SNAPSHOT, stale


@pytest.mark.parametrize("mode", ["test", "live"])
def test_open_database_creates_a_fresh_file_from_the_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        mode: str) -> None:
    monkeypatch.setenv("CHARTER_KIOSK_MODE", mode)
    caplog.set_level(logging.INFO, logger="charter.db")
    fresh, steps = tmp_path / "fresh.sqlite3", tmp_path / "steps.sqlite3"
    open_database(fresh)
    close_database()
    assert db_messages(caplog) == [f"created {fresh} at schema {migrations.SNAPSHOT_VERSION}"]
    stepwise_file(steps)
    assert sqlite_master(fresh) == sqlite_master(steps)
    assert not list(tmp_path.glob("*.bak"))


def test_both_payment_tables_carry_the_reconciler_schedule(tmp_path: Path) -> None:
    """The four columns come from one base model (ReconcilerSchedule), declared as schema 2
    added them; the base is no table of its own."""
    models = declared_by_the_models(tmp_path / "models.sqlite3")
    schedule = {"next_check_at": ("INTEGER", 0, None, 0), "last_checked_at": ("INTEGER", 0, None, 0),
                "checks": ("INTEGER", 1, None, 0), "failures": ("INTEGER", 1, None, 0)}
    for table in ("stripe_payment", "crypto_payment"):
        columns = models[table][0]
        assert {name: columns.get(name) for name in schedule} == schedule, table
    assert "reconciler_schedule" not in models


def test_step_1_is_schema_1_not_todays_models(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    schema_1_file(path)
    tables = describe(path)
    assert "ledger_entry" not in tables and "subscription" not in tables  # schema 3 and 4
    assert "checks" not in tables["stripe_payment"][0]  # the reconciler's columns: schema 2
    assert "fee_minor" not in tables["donation"][0]  # schema 4


def test_no_step_reads_the_model_classes() -> None:
    path = ROOT / "backend" / "migrations.py"
    assert [i.module for i in imports_of("backend.migrations", path)
            if i.module.startswith("backend.models")] == []


def test_a_schema_1_kiosk_with_gifts_upgrades_to_today(tmp_path: Path) -> None:
    """An event-day kiosk from the first release: its gifts become ledger entries, its
    early refund a pending event, its unshared cash gift an outbox item, and the file ends
    up exactly as a fresh one (the old steps once selected schema-4 columns from it)."""
    write_settings({"campaign": {"id": "gala", "currency": "usd"},
                    "kiosk": {"id": "kiosk-a", "mode": "test"}})
    path = tmp_path / "kiosk.sqlite3"
    schema_1_file(path)
    conn = sqlite3.connect(path)
    with conn:
        now = "2026-01-02 10:00:00.000001"
        conn.execute("INSERT INTO contribution_intent VALUES ('i1', 'gala', 'kiosk-a', 'crypto', "
                     "'btc', 1500, 'usd', NULL, 'awaiting_payment', 1, 'np-1', NULL, 0, ?, ?)",
                     (now, now))
        conn.execute("INSERT INTO crypto_payment (payment_id, intent_id, campaign_id, kiosk_id, "
                     "price_minor, price_currency, pay_amount, pay_currency, status, status_rank, "
                     "created_at, updated_at) VALUES ('np-1', 'i1', 'gala', 'kiosk-a', 1500, "
                     "'usd', '0.00012345', 'btc', 'awaiting_payment', 1, ?, ?)", (now, now))
        gift = ("INSERT INTO donation (source, provider_ref, campaign_id, kiosk_id, method, "
                "amount_minor, currency, status, via, created_at) VALUES (?, ?, 'gala', 'kiosk-a', "
                "?, ?, 'usd', ?, 'staff', ?)")
        conn.execute(gift, ("cash", "cash-1", "cash", 700, "counted", now))
        conn.execute(gift, ("stripe", "cs_1", "card", 2500, "counted", now))
        conn.execute(gift, ("stripe", "cs_2", "card", 300, "refunded", now))
        conn.execute("INSERT INTO campaign_total VALUES ('gala', 'usd', 3200, 2, 2500, 0, 700, 3, ?)",
                     (now,))
        conn.execute("INSERT INTO orphan_refund (source, payment_ref, received_at) "
                     "VALUES ('stripe', 'pi_late', ?)", (now,))
        conn.execute("INSERT INTO meta VALUES ('cash_unsent:cash-1', ?)",
                     (json.dumps({"id": "cash-1", "amount_minor": 700, "kiosk_id": "kiosk-a"}),))
    conn.close()

    open_database(path)
    totals = ledger.totals()
    assert (totals["total_minor"], totals["gross_minor"], totals["corrections_minor"]) == (
        3200, 3500, -300)
    assert ledger.recomputed_totals()["total_minor"] == 3200
    assert sorted(e.key for e in LedgerEntry.select()) == [
        "gift:cash:kiosk-a/cash-1", "gift:stripe:cs_1", "gift:stripe:cs_2",
        "refund:stripe:cs_2:migrated"]
    assert Donation.get(Donation.source == "cash").provider_ref == "kiosk-a/cash-1"
    assert json.loads(Outbox.get().body)["type"] == "cash.recorded"
    assert PendingEvent.get().waiting_for == "stripe-pi:pi_late"
    # Columns added by later steps read back through today's models.
    payment = CryptoPayment.get()
    assert (payment.checks, payment.failures, payment.livemode) == (0, 0, False)
    assert str(payment.pay_amount) == "0.00012345"
    assert Donation.get(Donation.provider_ref == "cs_1").fee_minor == 0
    close_database()
    assert describe(path) == declared_by_the_models(tmp_path / "models.sqlite3")
    assert len(list(tmp_path.glob("kiosk.sqlite3.v1-*.bak"))) == 1


@pytest.mark.parametrize("stop", range(1, len(migrations.STEPS)))
def test_every_version_upgrades_to_the_same_file(tmp_path: Path, stop: int) -> None:
    """A kiosk left at any released version ends up with the schema a fresh one gets."""
    path = tmp_path / "old.sqlite3"
    database = pw.SqliteDatabase(str(path))
    for version in range(1, stop + 1):
        with database.atomic():
            db.MIGRATIONS[version - 1](database)
            database.execute_sql(f"PRAGMA user_version = {version}")
    database.close()
    open_database(path)
    close_database()
    assert describe(path) == declared_by_the_models(tmp_path / "models.sqlite3")
