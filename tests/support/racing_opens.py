"""Kiosk (or relay) processes opening one brand-new database file at the same moment, many
times over.

    python -m tests.support.racing_opens FOLDER PROCESSES FILES [kiosk|relay]

Forks PROCESSES children (real processes, each with its own connections, as kiosks started
together on one machine are, or a relay's workers). For each of FILES new paths in FOLDER every
child says it is ready, waits for the go, and calls `backend.db.open_database` on the path (or
opens a `RelayStore` on it and makes its schema); the go is the end
of a pipe they all read, so the kernel wakes them together. Prints one JSON object: each
child's exit code, how many files each opened, and every failure as "file N: error".

Forking keeps one race cheap (no interpreter start-up and imports per process); it is safe
because this program starts no thread before it forks. POSIX only (os.fork).
"""

from __future__ import annotations

import json
import os
import select
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from backend import db

TIMEOUT_SECONDS = 30.0


def _open_kiosk(path: Path) -> None:
    try:
        database = db.open_database(path)
        if db.schema_version(database) != db.SCHEMA_VERSION:
            raise AssertionError(f"schema {db.schema_version(database)} after opening")
    finally:
        db.close_database()


def _open_relay(path: Path) -> None:
    from backend.relay.store import RelayStore

    store = RelayStore(f"sqlite:///{path}", max_connections=2)
    try:
        store.ensure_schema()
    finally:
        store.close()


def _child(folder: Path, files: int, ready: int, go: list[int], report: Path,
           opener: Callable[[Path], None]) -> None:
    opened, failures = 0, []
    for n in range(files):
        os.write(ready, b".")
        os.read(go[n], 1)  # returns at end of file: when the parent closes its end
        try:
            opener(folder / f"new-{n}.sqlite3")
            opened += 1
        except Exception as exc:
            failures.append(f"file {n}: {type(exc).__name__}: {exc}")
    report.write_text(json.dumps({"opened": opened, "failures": failures}))


def race(folder: Path, processes: int, files: int, kind: str = "kiosk") -> dict[str, object]:
    opener = {"kiosk": _open_kiosk, "relay": _open_relay}[kind]
    ready_r, ready_w = os.pipe()
    go = [os.pipe() for _ in range(files)]
    reports = [folder / f"child-{i}.json" for i in range(processes)]
    pids = []
    for report in reports:
        pid = os.fork()
        if pid == 0:  # the child: keeps only the ends it reads from and the one it writes to
            code = 1
            try:
                os.close(ready_r)
                for _, w in go:
                    os.close(w)
                _child(folder, files, ready_w, [r for r, _ in go], report, opener)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(ready_w)
    for r, _ in go:
        os.close(r)
    for n in range(files):
        waiting = processes
        while waiting:  # every child that is still running is at the start line
            if not select.select([ready_r], [], [], TIMEOUT_SECONDS)[0]:
                break
            got = len(os.read(ready_r, waiting))
            if not got:
                break  # every child has gone
            waiting -= got
        os.close(go[n][1])
    os.close(ready_r)
    exit_codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    results = [json.loads(r.read_text()) if r.exists() else {"opened": 0, "failures": ["no report"]}
               for r in reports]
    return {"exit_codes": exit_codes, "opened": [r["opened"] for r in results],
            "failures": sorted(f for r in results for f in r["failures"])}


def main(argv: list[str]) -> int:
    folder, processes, files = Path(argv[0]), int(argv[1]), int(argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    print(json.dumps(race(folder, processes, files, *argv[3:4])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
