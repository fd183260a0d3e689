"""The kiosk schema as the shipped steps leave it, made the slow way: for the test that
keeps `backend.migrations.SCHEMA_SNAPSHOT` true, and for tools/schema_snapshot.py, which
prints it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee as pw

from backend import db


def stepwise_file(path: Path, stop: int | None = None) -> None:
    """An empty file brought through steps 1..stop of `backend.db.MIGRATIONS` (all of them
    by default), one transaction each, never through the snapshot."""
    database = pw.SqliteDatabase(str(path))
    for version in range(1, (len(db.MIGRATIONS) if stop is None else stop) + 1):
        with database.atomic():
            db.MIGRATIONS[version - 1](database)
            database.execute_sql(f"PRAGMA user_version = {version}")
    database.close()


def ordered_schema(path: Path) -> tuple[str, ...]:
    """The file's CREATE statements as SQLite holds them: tables (referenced ones first,
    then by name), each followed by its indexes and triggers by name. SQLite's own objects
    (primary-key autoindexes, sqlite_sequence) are left out: creating the tables makes them."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchall()
        tables = sorted(name for kind, name, _, _ in rows if kind == "table")
        refers = {t: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{t}")')} - {t}
                  for t in tables}
    finally:
        conn.close()
    unknown = {kind for kind, *_ in rows} - {"table", "index", "trigger"}
    if unknown:
        raise ValueError(f"no rule yet for {sorted(unknown)} in the snapshot")
    order: list[str] = []
    while len(order) < len(tables):
        ready = [t for t in tables if t not in order and refers[t] <= set(order)]
        if not ready:
            raise ValueError(f"foreign keys in a cycle among {sorted(set(tables) - set(order))}")
        order.append(ready[0])
    sql = {name: text for _, name, _, text in rows}
    out: list[str] = []
    for table in order:
        out.append(sql[table])
        out += [sql[name] for name in sorted(name for kind, name, owner, _ in rows
                                             if kind != "table" and owner == table)]
    return tuple(out)


def sqlite_master(path: Path) -> tuple[int, list[tuple[str, str, str, str | None]]]:
    """The file's schema version and every row of sqlite_master (type, name, table, SQL),
    SQLite's own included, in a fixed order (the pages they sit on aside)."""
    conn = sqlite3.connect(path)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        rows = sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"),
                      key=lambda r: (r[0], r[1]))
        return version, rows
    finally:
        conn.close()
