"""Print `SCHEMA_SNAPSHOT` for backend/migrations.py: the schema the shipped steps leave.

    uv run python tools/schema_snapshot.py [--mode test|live]

It runs every step of `backend.migrations.STEPS` on an empty file in a throwaway data
directory (one transaction each, as `backend.db.migrate` does, never through the snapshot
itself) and prints `sqlite_master` as Python literals in a fixed order: tables, referenced
tables first and then by name, each followed by its indexes by name (the order and the
file are tests.support.schema's, which the test of the snapshot uses too). Paste the
output over the old snapshot in backend/migrations.py when a step is appended;
tests/unit/test_migrations.py says when it is stale.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WIDTH = 100  # one literal per line, under ruff's 110 with the indent and quotes


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
        from tests.support.schema import ordered_schema, stepwise_file

        path = Path(home) / "snapshot.sqlite3"
        stepwise_file(path)
        print(f"SNAPSHOT_VERSION = {len(STEPS)}")
        print("SCHEMA_SNAPSHOT: tuple[str, ...] = (")
        for statement in ordered_schema(path):
            print(literal(statement))
        print(")")


if __name__ == "__main__":
    main()
