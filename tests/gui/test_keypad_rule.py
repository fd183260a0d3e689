"""The keypad's editing rule, shared by the donor's keypad and the staff cash page."""

from __future__ import annotations

import pytest

from kiosk.screens.amount import edit_amount


@pytest.mark.parametrize(("text", "key", "decimals", "expected"), [
    ("", "5", 2, "5"), ("0", "7", 2, "7"), ("12", ".", 2, "12."), ("", ".", 2, "0."),
    ("12.", ".", 2, None), ("12.34", "5", 2, None), ("12.3", "4", 2, "12.34"),
    ("12", ".", 0, None), ("123456789", "1", 2, None), ("12.5", "back", 2, "12."),
    ("", "back", 2, ""), ("1.23", "4", 3, "1.234"),
])
def test_edit_amount(text: str, key: str, decimals: int, expected: str | None) -> None:
    assert edit_amount(text, key, decimals) == expected
