"""TotalsWatcher: every committed change to the total reaches the listener, from any process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from backend import db, ledger, notify
from backend.notify import TotalsSnapshot, TotalsWatcher
from backend.settings import write_settings
from tests.support.paths import REPO

CAMPAIGN = "gala"
ROOT = REPO


class Recorder:
    def __init__(self) -> None:
        self.snapshots: list[TotalsSnapshot] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()

    def __call__(self, snapshot: TotalsSnapshot) -> None:
        with self._cond:
            self.snapshots.append(snapshot)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def wait_for_total(self, total: int, timeout: float) -> float:
        start = time.monotonic()
        with self._cond:
            assert self._cond.wait_for(lambda: any(s.total_minor == total for s in self.snapshots),
                                       timeout), f"no snapshot with {total} in {self.snapshots}"
        return time.monotonic() - start


def _watch(path: Path) -> tuple[TotalsWatcher, Recorder]:
    watcher = TotalsWatcher(path, CAMPAIGN, interval=0.1)
    recorder = Recorder()
    watcher.subscribe(recorder)
    watcher.start()
    recorder.wait_for_total(0, 2.0)  # the first reading
    return watcher, recorder


@pytest.fixture
def kiosk_db(tmp_path: Path) -> Path:
    write_settings({"campaign": {"id": CAMPAIGN, "currency": "usd"}})
    path = tmp_path / "watched" / "kiosk.sqlite3"
    db.open_database(path)
    return path


def test_local_commit_reaches_the_listener(kiosk_db: Path) -> None:
    watcher, recorder = _watch(kiosk_db)
    try:
        generation = notify.local_generation()
        ledger.record_cash_gift(1500)
        assert notify.local_generation() > generation
        assert recorder.wait_for_total(1500, 1.0) < 1.0
        ledger.record_cash_gift(500)
        recorder.wait_for_total(2000, 1.0)
        last = recorder.snapshots[-1]
        assert (last.campaign_id, last.total_minor, last.count, last.revision) == (CAMPAIGN, 2000, 2, 2)
        assert recorder.threads == {"totals-watcher"}
    finally:
        watcher.stop()


def test_uncommitted_change_is_not_announced(kiosk_db: Path) -> None:
    watcher, recorder = _watch(kiosk_db)
    try:
        with pytest.raises(RuntimeError), db.database.atomic():
            ledger.record_cash_gift(999)
            raise RuntimeError("roll back")
        time.sleep(0.4)
        assert all(s.total_minor == 0 for s in recorder.snapshots)
        ledger.record_cash_gift(100)
        recorder.wait_for_total(100, 1.0)
    finally:
        watcher.stop()


WRITER = """
import sys
from pathlib import Path
from backend import db, ledger
db.open_database(Path(sys.argv[1]))
ledger.record_cash_gift(int(sys.argv[2]))
db.close_database()
"""


def test_commit_from_another_process_reaches_the_listener(kiosk_db: Path) -> None:
    watcher, recorder = _watch(kiosk_db)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", WRITER, str(kiosk_db), "4200"], env=env, cwd=ROOT,
                       check=True, timeout=60)
        assert recorder.wait_for_total(4200, 1.0) < 1.0
        assert recorder.snapshots[-1].count == 1
        assert ledger.totals()["total_minor"] == 4200
    finally:
        watcher.stop()


def test_watcher_started_before_any_donation_on_an_odd_path(tmp_path: Path) -> None:
    write_settings({"campaign": {"id": CAMPAIGN, "currency": "usd"}})
    path = tmp_path / "dir with space#and%percent" / "kiosk.sqlite3"
    db.open_database(path)
    watcher, recorder = _watch(path)
    try:
        ledger.record_cash_gift(300)
        recorder.wait_for_total(300, 1.0)
    finally:
        watcher.stop()


def test_stop_joins_the_thread(kiosk_db: Path) -> None:
    watcher, _ = _watch(kiosk_db)
    thread = watcher._thread
    assert thread is not None and thread.is_alive()
    start = time.monotonic()
    watcher.stop()
    assert time.monotonic() - start < 1.0
    assert not thread.is_alive()
    assert watcher._thread is None
    watcher.stop()  # a second stop is harmless


def test_a_failing_listener_does_not_stop_the_others(kiosk_db: Path) -> None:
    watcher = TotalsWatcher(kiosk_db, CAMPAIGN, interval=0.1)

    def broken(snapshot: TotalsSnapshot) -> None:
        raise ValueError("listener bug")

    recorder = Recorder()
    watcher.subscribe(broken)
    watcher.subscribe(recorder)
    watcher.start()
    try:
        ledger.record_cash_gift(700)
        recorder.wait_for_total(700, 1.0)
    finally:
        watcher.stop()


def test_wait_local_wakes_on_commit(kiosk_db: Path) -> None:
    generation = notify.local_generation()
    assert notify.wait_local(generation, 0.05) == generation  # times out, nothing new
    timer = threading.Timer(0.1, lambda: ledger.record_cash_gift(100))
    timer.start()
    start = time.monotonic()
    assert notify.wait_local(generation, 5.0) > generation
    assert time.monotonic() - start < 2.0
    timer.join()
    db.close_database()


def test_watcher_waits_for_a_database_that_does_not_exist_yet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from backend import ledger
    from backend.db import open_database
    from backend.notify import TotalsWatcher
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "gala", "currency": "usd"}})
    path = tmp_path / "later.sqlite3"
    heard = threading.Event()
    watcher = TotalsWatcher(path, "gala", interval=0.05)
    watcher.subscribe(lambda snapshot: heard.set() if snapshot.total_minor == 700 else None)
    watcher.start()
    try:
        open_database(path)  # the kiosk creates its database after the watcher started
        ledger.record_cash_gift(700)
        assert heard.wait(3), "the watcher never saw the first gift"
    finally:
        watcher.stop()
