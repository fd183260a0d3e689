"""bench/soak.py's verdict on growth, on made-up samples: what counts as a leak."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.support.paths import REPO

sys.path.insert(0, str(REPO / "bench"))
import soak  # bench/ is scripts, not a package: imported by path

DONE = {"paid": 10, "paid_card": 5, "paid_crypto": 5, "paid_polled": 3, "open": 0,
        "followed_up": 0, "cancelled": 0, "staff": 0, "cash": 0}


def samples(**changes: dict[int, int]) -> list[dict[str, Any]]:
    """Eleven samples of a 1,000-gift run, flat but for `changes`: {field: {gift: delta}},
    each delta applying from that gift on."""
    rows = []
    for gift in range(0, 1001, 100):
        row = {"gift": gift, "rss_kb": 130_000, "hwm_kb": 131_000, "threads": 8, "fds": 28,
               "db_fds": 13, "sockets": 5, "py_blocks": 400_000}
        for field, steps in changes.items():
            row[field] += sum(delta for at, delta in steps.items() if gift >= at)
        rows.append(row)
    return rows


def verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return soak.verdict(rows, DONE, [], 60.0, 1000)


def test_flat_is_no_growth() -> None:
    assert verdict(samples())["ok"]


@pytest.mark.parametrize("at", [300, 1000])
def test_a_pooled_connection_opened_once_after_warm_up_is_not_a_leak(at: int) -> None:
    # Early, or at the very end of the run (seen in a run of 8,640 gifts).
    result = verdict(samples(fds={at: 1}, sockets={at: 1}))
    assert result["ok"] and result["growth"]["fds"] == 1


@pytest.mark.parametrize(("name", "changes"), [
    ("a socket more every few hundred gifts", {"fds": {300: 1, 600: 1, 900: 1},
                                                "sockets": {300: 1, 600: 1, 900: 1}}),
    ("a file left open in the second half", {"fds": {700: 1}}),
    ("sockets piling up late", {"fds": {800: 1, 900: 1, 1000: 1},
                                "sockets": {800: 1, 900: 1, 1000: 1}}),
    ("a file left open once after warm-up", {"fds": {300: 1}}),
    ("a thread more", {"threads": {500: 1}}),
    ("a database handle more", {"db_fds": {200: 2}}),
    ("RSS past the allowance", {"rss_kb": {200: 6 * 1024}}),
])
def test_growth_is_caught(name: str, changes: dict[str, dict[int, int]]) -> None:
    assert not verdict(samples(**changes))["ok"], name
