"""The reconciler: every open payment reaches the total, however late, exactly once.

Real sandbox over HTTP, real SQLite; only the reconciler's clock is injected so
an hour can pass in a test.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from typing import Any

import pytest

from backend import charter, ledger, nowpayments_api, reconcile, stripe_api
from backend.db import MIGRATIONS, close_database, database_path, open_database, schema_version
from backend.models import ContributionIntent, CryptoPayment, Donation, StripePayment
from backend.reconcile import Reconciler, interval_for


class Clock:
    """Real time plus an offset that tests move forward; sleeping advances it."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds


class Counting:
    """Wraps a real refresh function to count provider calls."""

    def __init__(self, real: Any, hook: Any = None) -> None:
        self.real, self.calls, self.hook = real, 0, hook

    def __call__(self, ref: str, *, via: str) -> Any:
        self.calls += 1
        if self.hook:
            self.hook(self.calls)
        return self.real(ref, via=via)


def make_reconciler(clock: Clock, **kwargs: Any) -> tuple[Reconciler, Counting, Counting]:
    stripe_calls = Counting(stripe_api.refresh_session, kwargs.pop("stripe_hook", None))
    np_calls = Counting(nowpayments_api.refresh_payment)
    return (Reconciler(clock=clock, sleep=clock.sleep, refresh_stripe=stripe_calls,
                       refresh_nowpayments=np_calls, **kwargs), stripe_calls, np_calls)


def age(intent_id: str, minutes: int) -> None:
    """Pretend the tap happened `minutes` ago (the donor has long left)."""
    then = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=minutes)
    ContributionIntent.update(created_at=then).where(ContributionIntent.id == intent_id).execute()
    StripePayment.update(created_at=then).where(StripePayment.intent == intent_id).execute()
    CryptoPayment.update(created_at=then).where(CryptoPayment.intent == intent_id).execute()


def total() -> int:
    return int(charter.get_cumulative_total()["data"]["total_minor"])


def test_card_paid_on_the_bus_is_counted_and_marked_late(kiosk_env: Any) -> None:
    card = charter.fiat_button_click(25, "card")["data"]
    age(card["intent_id"], 12)
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)  # no webhook reaches us
    clock = Clock()
    reconciler, stripe_calls, _ = make_reconciler(clock)
    report = reconciler.run_once()
    assert (report.checked, report.counted) == (1, 1)
    assert total() == 2500
    donation = Donation.get(Donation.provider_ref == card["session_id"])
    assert donation.via == "reconciler" and donation.late is True
    assert [g["provider_ref"] for g in ledger.late_gifts()] == [card["session_id"]]
    # Paid is final: nothing left to ask about.
    assert reconciler.run_once(force=True).checked == 0
    assert stripe_calls.calls == 1


def test_schedule_asks_often_at_first_then_less(kiosk_env: Any) -> None:
    assert interval_for(60) < interval_for(20 * 60) < interval_for(60 * 60) < interval_for(5 * 3600)
    card = charter.fiat_button_click(25, "card")["data"]
    clock = Clock()
    reconciler, stripe_calls, _ = make_reconciler(clock)
    assert reconciler.run_once().checked == 1
    assert reconciler.run_once().checked == 0  # not due again yet
    clock.offset += interval_for(0) + 1
    assert reconciler.run_once().checked == 1
    assert stripe_calls.calls == 2
    # Long past the session's expiry plus grace: no more asking, but staff see it.
    clock.offset += 3 * 3600
    assert reconciler.run_once().checked == 0
    assert [ref for _, ref in [(p, reconcile.Reconciler._ref(p, m)) for p, m in
                               reconciler.stale()]] == [card["session_id"]]


def test_provider_down_for_an_hour_then_back(kiosk_env: Any) -> None:
    crypto = charter.crypto_button_click(10, "btc")["data"]
    card = charter.fiat_button_click(20, "card")["data"]
    kiosk_env.set_nowpayments_status(crypto["payment_id"], "finished", webhook=False)
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    kiosk_env.set_fault(provider="all", mode="down")
    clock = Clock()
    reconciler, stripe_calls, np_calls = make_reconciler(clock)
    first = reconciler.run_once()
    assert first.errors == 2 and total() == 0
    # While paused, passes make no provider calls at all.
    for _ in range(5):
        clock.offset += 5
        reconciler.run_once(force=True)
    assert stripe_calls.calls + np_calls.calls == 2
    # An hour later the providers are back.
    clock.offset += 3600
    kiosk_env.set_fault(provider="all", mode="none")
    report = reconciler.run_once()
    assert report.counted == 2
    assert total() == 3000
    assert StripePayment.get_by_id(card["session_id"]).failures == 0


def test_429_backs_off_then_recovers(kiosk_env: Any) -> None:
    crypto = charter.crypto_button_click(10, "eth")["data"]
    kiosk_env.set_nowpayments_status(crypto["payment_id"], "finished", webhook=False)
    kiosk_env.set_fault(provider="nowpayments", mode="rate_limit")
    clock = Clock()
    reconciler, _, np_calls = make_reconciler(clock)
    assert reconciler.run_once().errors == 1
    clock.offset += 10
    assert reconciler.run_once(force=True).skipped_busy == 1
    assert np_calls.calls == 1
    kiosk_env.set_fault(provider="nowpayments", mode="none")
    clock.offset += reconcile.PROVIDER_PAUSE_S[0] + 1
    assert reconciler.run_once(force=True).counted == 1
    assert total() == 1000


def test_crypto_expires_then_finishes(kiosk_env: Any) -> None:
    crypto = charter.crypto_button_click(40, "eth")["data"]
    kiosk_env.set_nowpayments_status(crypto["payment_id"], "expired", webhook=False)
    clock = Clock()
    reconciler, _, _ = make_reconciler(clock)
    reconciler.run_once()
    assert CryptoPayment.get_by_id(crypto["payment_id"]).status == "expired"
    # A late deposit: NOWPayments finishes the payment after its expiry.
    kiosk_env.set_nowpayments_status(crypto["payment_id"], "finished", webhook=False)
    clock.offset += 60
    assert reconciler.run_once().counted == 1
    assert CryptoPayment.get_by_id(crypto["payment_id"]).status == "paid"
    assert total() == 4000


def test_session_completed_while_the_kiosk_was_off(kiosk_env: Any) -> None:
    card = charter.fiat_button_click(50, "card")["data"]
    path = database_path()
    assert path is not None
    close_database()  # the kiosk loses power
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    open_database(path)  # it starts again
    pending = charter.pending_payments()["data"]["payments"]
    assert [p["intent_id"] for p in pending] == [card["intent_id"]]
    stop = threading.Event()
    reconciler, _, _ = make_reconciler(Clock())
    worker = threading.Thread(target=reconciler.run, args=(stop,))
    worker.start()
    deadline = time.monotonic() + 10
    while total() != 5000 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(5)
    assert not worker.is_alive()
    assert total() == 5000
    assert charter.pending_payments()["data"]["payments"] == []


def test_two_reconcilers_on_one_database_count_once(kiosk_env: Any) -> None:
    cards = [charter.fiat_button_click(10 + i, "card")["data"] for i in range(4)]
    for card in cards:
        kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    clock = Clock()
    first, calls_a, _ = make_reconciler(clock, max_calls_per_second=50)
    second, calls_b, _ = make_reconciler(clock, max_calls_per_second=50)
    threads = [threading.Thread(target=r.run_once) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert total() == sum(1000 + 100 * i for i in range(4))
    assert Donation.select().count() == 4
    # The lease meant each payment was asked about once, not twice.
    assert calls_a.calls + calls_b.calls == 4


def test_restart_in_the_middle_of_a_pass(kiosk_env: Any) -> None:
    cards = [charter.fiat_button_click(10, "card")["data"] for _ in range(3)]
    for card in cards:
        kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    stop = threading.Event()
    reconciler, _, _ = make_reconciler(Clock(), stripe_hook=lambda n: stop.set())
    report = reconciler.run_once(stop=stop)  # stops after the first payment
    assert report.checked == 1 and total() == 1000
    restarted, _, _ = make_reconciler(Clock())
    assert restarted.run_once(force=True).counted == 2
    assert restarted.run_once(force=True).checked == 0
    assert total() == 3000 and Donation.select().count() == 3


def test_rate_limit_spaces_provider_calls(kiosk_env: Any) -> None:
    for _ in range(5):
        charter.crypto_button_click(10, "btc")
    clock = Clock()
    reconciler, _, np_calls = make_reconciler(clock, max_calls_per_second=2)
    started = clock()
    reconciler.run_once()
    assert np_calls.calls == 5
    # Five calls at two a second take at least two seconds (of the injected clock).
    assert clock() - started >= 2.0 - 0.01
    assert all(gap <= 0.5 + 1e-6 for gap in clock.slept)


def test_reconcile_summary_and_last_run(kiosk_env: Any) -> None:
    charter.crypto_button_click(10, "btc")
    reconciler, _, _ = make_reconciler(Clock())
    reconciler.run_once()
    summary = reconcile.pending_summary()
    assert summary["by_state"] == {"awaiting_payment": 1}
    assert summary["by_age"]["under 5 min"] == 1
    assert summary["last_reconcile"]["checked"] == 1


def test_migrating_a_version_1_database_backs_it_up(tmp_path: Any) -> None:
    path = tmp_path / "old.sqlite3"
    open_database(path)
    close_database()
    raw = sqlite3.connect(path)
    for table in ("stripe_payment", "crypto_payment"):
        for column in ("next_check_at", "last_checked_at", "checks", "failures"):
            raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    raw.execute("ALTER TABLE donation DROP COLUMN late")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    db = open_database(path)
    assert schema_version(db) == len(MIGRATIONS)
    assert "late" in {c.name for c in db.get_columns("donation")}
    backups = list(tmp_path.glob("old.sqlite3.v1-*.bak"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    old.close()


def test_reconcile_command(kiosk_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from backend.cli import main

    card = charter.fiat_button_click(25, "card")["data"]
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    close_database()
    assert main(["reconcile", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"counted": 1' in out
    assert total() == 2500
