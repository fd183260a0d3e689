"""Print `SCHEMA_SNAPSHOT` for backend/migrations.py: the schema the shipped steps leave.

    uv run python tools/schema_snapshot.py [--mode test|live]

It runs every step of `backend.migrations.STEPS` on an empty file in a throwaway data
directory (one transaction each, as `backend.db.migrate` does, never through the snapshot
itself) and prints `sqlite_master` as Python literals in a fixed order: tables, referenced
tables first and then by name, each followed by its indexes by name. SQLite's own objects
(primary-key autoindexes, sqlite_sequence) are left out: creating the tables makes them.
Paste the output over the old snapshot in backend/migrations.py when a step is appended;
tests/unit/test_migrations.py says when it is stale.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH = 100  # one literal per line, under ruff's 110 with the indent and quotes


def stepwise_file(path: Path) -> None:
    """An empty file brought through every shipped step, one transaction each."""
    import peewee as pw

    from backend.migrations import STEPS

    database = pw.SqliteDatabase(str(path))
    for version, step in enumerate(STEPS, start=1):
        with database.atomic():
            step(database)
            database.execute_sql(f"PRAGMA user_version = {version}")
    database.close()


def ordered_schema(path: Path) -> list[str]:
    """The file's CREATE statements: tables (referenced ones first, then by name), each
    followed by its indexes (and any trigger on it) by name."""
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
        raise SystemExit(f"no rule yet for {sorted(unknown)} in the snapshot")
    order: list[str] = []
    while len(order) < len(tables):
        ready = [t for t in tables if t not in order and refers[t] <= set(order)]
        if not ready:
            raise SystemExit(f"foreign keys in a cycle among {sorted(set(tables) - set(order))}")
        order.append(ready[0])
    sql = {name: text for _, name, _, text in rows}
    out: list[str] = []
    for table in order:
        out.append(sql[table])
        out += [sql[name] for name in sorted(name for kind, name, owner, _ in rows
                                             if kind != "table" and owner == table)]
    return out


def literal(statement: str) -> str:
    """One statement as adjacent string literals, each cut after a comma and under WIDTH."""
    parts = statement.split(", ")
    tokens = [part + ", " for part in parts[:-1]] + parts[-1:]
    pieces = [""]
    for token in tokens:
        if pieces[-1] and len(repr(pieces[-1] + token)) > WIDTH:
            pieces.append("")
        pieces[-1] += token
    return "\n".join(f"    {piece!r}" for piece in pieces) + ","


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("test", "live"), default="test",
                        help="the kiosk mode the steps run under (step 3 reads it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="charter-schema-") as home:
        os.environ["CHARTER_KIOSK_HOME"] = home
        os.environ["CHARTER_KIOSK_MODE"] = args.mode
        from backend.migrations import STEPS

        path = Path(home) / "snapshot.sqlite3"
        stepwise_file(path)
        print(f"SNAPSHOT_VERSION = {len(STEPS)}")
        print("SCHEMA_SNAPSHOT: tuple[str, ...] = (")
        for statement in ordered_schema(path):
            print(literal(statement))
        print(")")


if __name__ == "__main__":
    main()
