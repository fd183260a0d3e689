"""A new SQLite file put in WAL mode while other processes may be opening it too.

Switching a file to WAL reads its header and then writes it, and SQLite answers "database is
locked" at once, without calling the busy handler, to a connection that holds the read lock
and wants the write lock another connection holds (both waiting could deadlock; see
sqlite3_busy_handler). Processes opening one new file together (kiosks started at once, a
relay's workers) meet exactly there. The way out SQLite intends is to give up the read lock
and try again, which the failed statement has done (autocommit), so the switch is retried
until a deadline. WAL mode stays with the file: once it is switched, the journal_mode pragma
that peewee runs on every connection finds it so and writes nothing.

Used by the kiosk's database (`backend.db`) and the relay's SQLite store; stdlib only, so the
relay imports nothing of the kiosk with it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def in_wal_mode(path: Path) -> bool:
    """The file's header says WAL: bytes 18 and 19, the write and read format versions, are 2
    (https://www.sqlite.org/fileformat.html). Read from the file, with no connection to open."""
    try:
        with path.open("rb") as file:
            return file.read(20)[18:20] == b"\x02\x02"
    except FileNotFoundError:
        return False


def switch_to_wal(conn: sqlite3.Connection, timeout_s: float) -> bool:
    """Put `conn`'s file (opened with isolation_level=None) in WAL mode, retrying while
    another connection holds the lock, for up to `timeout_s`. False if the lock was still
    held then, or the file is not a database: the caller's own connection meets the same and
    reports it as it always has."""
    deadline = time.monotonic() + timeout_s
    pause = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = wal").fetchall()
            return True
        except sqlite3.DatabaseError as exc:
            locked = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not locked or time.monotonic() + pause > deadline:
                return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def prepare_wal_file(path: Path, timeout_s: float) -> None:
    """Create `path` if need be and switch it to WAL before a pool's connections meet it."""
    if in_wal_mode(path):
        return
    conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
    try:
        switch_to_wal(conn, timeout_s)
    finally:
        conn.close()
