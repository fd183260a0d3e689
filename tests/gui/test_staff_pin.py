"""The staff PIN: salted hashes, constant-time checks, and the lock after wrong tries."""

from __future__ import annotations

from pathlib import Path

from backend import staff_pin
from backend.secrets import get_secret
from tests.support.pins import store_pin


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_hash_is_salted_and_verifies() -> None:
    first, second = staff_pin.hash_pin("1234"), staff_pin.hash_pin("1234")
    assert first != second and "1234" not in first
    assert staff_pin.pin_matches("1234", first)
    assert not staff_pin.pin_matches("1235", first)
    assert not staff_pin.pin_matches("1234", "garbage")
    assert not staff_pin.pin_matches("1234", "scrypt$x$y$z$a$b")


def test_set_pin_stores_only_a_hash() -> None:
    assert not staff_pin.set_pin("12")["success"]
    assert not staff_pin.set_pin("12ab")["success"]
    assert staff_pin.set_pin("975310")["success"]
    stored = get_secret("STAFF_PIN_HASH")
    assert stored and stored.startswith("scrypt$16384$8$1$") and "975310" not in stored
    assert staff_pin.verify_pin("975310")["success"]


def test_five_wrong_tries_lock_for_a_while(tmp_path: Path) -> None:
    store_pin("2468")
    clock = Clock()
    guard = staff_pin.PinGuard(clock=clock, lock_path=tmp_path / "lock.json")
    for left in (4, 3, 2, 1):
        result = staff_pin.verify_pin("0000", guard=guard)
        assert not result["success"] and f"{left} tr" in result["error"]
    locked = staff_pin.verify_pin("0000", guard=guard)
    assert "locked" in locked["error"]
    assert "locked" in staff_pin.verify_pin("2468", guard=guard)["error"]
    # The lock survives a restart (a new guard reading the same file).
    again = staff_pin.PinGuard(clock=clock, lock_path=tmp_path / "lock.json")
    assert "locked" in staff_pin.verify_pin("2468", guard=again)["error"]
    clock.now += staff_pin.LOCK_SECONDS + 1
    assert staff_pin.verify_pin("2468", guard=again)["success"]


def test_a_right_pin_resets_the_count(tmp_path: Path) -> None:
    store_pin("2468")
    guard = staff_pin.PinGuard(clock=Clock(), lock_path=tmp_path / "lock.json")
    for _ in range(4):
        staff_pin.verify_pin("0000", guard=guard)
    assert staff_pin.verify_pin("2468", guard=guard)["success"]
    assert "4 tries" in staff_pin.verify_pin("0000", guard=guard)["error"]


def test_no_pin_set_says_how_to_set_one() -> None:
    result = staff_pin.verify_pin("1234")
    assert not result["success"] and "set-pin" in result["error"]
    status = staff_pin.pin_status()
    assert status["success"] and status["data"]["is_set"] is False


def test_each_lock_in_a_row_lasts_twice_as_long(tmp_path: Path) -> None:
    store_pin("2468")
    clock = Clock()
    guard = staff_pin.PinGuard(clock=clock, lock_path=tmp_path / "lock.json")
    for lock in (staff_pin.LOCK_SECONDS, 2 * staff_pin.LOCK_SECONDS, 4 * staff_pin.LOCK_SECONDS):
        for _ in range(5):
            staff_pin.verify_pin("0000", guard=guard)
        assert guard.locked_for() == lock
        clock.now += lock + 1
    # The right PIN ends the run: the next lock is short again.
    assert staff_pin.verify_pin("2468", guard=guard)["success"]
    for _ in range(5):
        staff_pin.verify_pin("0000", guard=guard)
    assert guard.locked_for() == staff_pin.LOCK_SECONDS
