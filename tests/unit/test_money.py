"""Money parsing and formatting: integer minor units inside, decimal text at the edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import money
from backend.result import UserError

CURRENCIES = {"usd": 2, "jpy": 0, "kwd": 3}


@settings(max_examples=60, deadline=None)
@given(minor=st.integers(min_value=1, max_value=10**30), currency=st.sampled_from(sorted(CURRENCIES)))
def test_minor_to_major_text_round_trips(minor: int, currency: str) -> None:
    text = money.major_text(minor, currency)
    places = CURRENCIES[currency]
    if places:
        assert len(text.split(".")[1]) == places
    else:
        assert "." not in text
    assert "e" not in text.lower()
    assert money.to_minor(text, currency) == minor
    assert money.to_minor(Decimal(text), currency) == minor
    assert money.to_major(minor, currency) == Decimal(text)


@settings(max_examples=60, deadline=None)
@given(whole=st.integers(min_value=1, max_value=10**12), currency=st.sampled_from(sorted(CURRENCIES)))
def test_whole_int_amounts(whole: int, currency: str) -> None:
    assert money.to_minor(whole, currency) == whole * 10 ** CURRENCIES[currency]


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [("25", "usd", 2500), ("25.50", "usd", 2550), ("25.5", "USD", 2550), (" 7.05 ", "usd", 705),
     (Decimal("25.500"), "usd", 2550), (3, "jpy", 3), ("1500", "jpy", 1500), ("1.234", "kwd", 1234),
     ("0.01", "usd", 1)],
)
def test_to_minor_accepts(value: object, currency: str, minor: int) -> None:
    assert money.to_minor(value, currency) == minor


@pytest.mark.parametrize(
    ("value", "currency", "fragment"),
    [
        (25.5, "usd", "float"),
        (25.0, "usd", "float"),
        (True, "usd", "true/false"),
        (False, "usd", "true/false"),
        ("NaN", "usd", "not a number"),
        ("Infinity", "usd", "not a number"),
        ("-Infinity", "usd", "more than zero"),
        (Decimal("NaN"), "usd", "finite"),
        (Decimal("Infinity"), "usd", "finite"),
        (0, "usd", "more than zero"),
        ("0", "usd", "more than zero"),
        ("0.00", "usd", "more than zero"),
        (Decimal(0), "usd", "more than zero"),
        (-5, "usd", "more than zero"),
        ("-5", "usd", "more than zero"),
        (Decimal("-0.01"), "usd", "more than zero"),
        ("25.505", "usd", "too many decimal places"),
        (Decimal("0.001"), "usd", "too many decimal places"),
        ("1.5", "jpy", "whole units"),
        ("1.2345", "kwd", "at most 3 decimal places"),
        ("1e3", "usd", "not a number"),
        ("1E3", "usd", "not a number"),
        ("", "usd", "empty"),
        ("   ", "usd", "empty"),
        ("twenty", "usd", "not a number"),
        ("25,50", "usd", "not a number"),
        ("$25", "usd", "not a number"),
        (".5", "usd", "not a number"),
        ("+5", "usd", "not a number"),
        ("0x10", "usd", "not a number"),
        ("\uff12\uff15", "usd", "not a number"),  # full-width "25"
        ("\u0663", "usd", "not a number"),  # Arabic-Indic 3
        ("25\n5", "usd", "not a number"),
        (None, "usd", "must be a number"),
        ([25], "usd", "must be a number"),
        ({"amount": 25}, "usd", "must be a number"),
    ],
)
def test_to_minor_rejects(value: object, currency: str, fragment: str) -> None:
    with pytest.raises(UserError) as info:
        money.to_minor(value, currency)
    assert fragment in str(info.value)


def test_long_amounts_are_exact_or_refused() -> None:
    # 29 significant digits: more than the default decimal context keeps.
    assert money.to_minor("1" + "0" * 27 + "1", "jpy") == 10**28 + 1
    assert money.major_text(10**28 + 1, "usd") == "1" + "0" * 26 + ".01"
    for huge in ("1" + "0" * 31, Decimal("1E+999999999")):
        with pytest.raises(UserError, match="far too large"):
            money.to_minor(huge, "usd")
    with pytest.raises(UserError, match="far too large"):
        money.provider_amount_to_minor(Decimal("1E+999999999"), "usd")


def test_bad_currency_code() -> None:
    with pytest.raises(UserError, match="not a currency code"):
        money.to_minor("5", "dollars")


def test_check_range_messages() -> None:
    money.check_range(50, "usd", minimum=50, maximum=1_000_000)
    money.check_range(1_000_000, "usd", minimum=50, maximum=1_000_000)
    with pytest.raises(UserError) as low:
        money.check_range(49, "usd", minimum=50, maximum=1_000_000)
    assert str(low.value) == "The minimum gift is $0.50."
    with pytest.raises(UserError) as high:
        money.check_range(1_000_001, "usd", minimum=50, maximum=1_000_000)
    assert str(high.value) == "The maximum gift at this kiosk is $10,000.00."
    with pytest.raises(UserError, match="¥50"):
        money.check_range(10, "jpy", minimum=50, maximum=100)


@pytest.mark.parametrize(
    ("minor", "currency", "cents", "text"),
    [
        (123450, "usd", True, "$1,234.50"),
        (123450, "usd", False, "$1,235"),
        (123449, "usd", False, "$1,234"),
        (0, "usd", True, "$0.00"),
        (-2550, "usd", True, "-$25.50"),
        (5, "eur", True, "€0.05"),
        (1500, "jpy", True, "¥1,500"),
        (1234, "kwd", True, "1.234 KWD"),
        (100000, "sek", True, "1,000.00 SEK"),
        (99, "chf", True, "CHF 0.99"),
    ],
)
def test_format_money(minor: int, currency: str, cents: bool, text: str) -> None:
    assert money.format_money(minor, currency, cents=cents) == text


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        (Decimal("170"), "usd", 17000),
        (Decimal("25.50"), "usd", 2550),
        (170, "usd", 17000),
        ("25.5", "usd", 2550),
        ("0.005", "usd", 1),  # half up, never refused
        (Decimal("0.004"), "usd", 0),
        ("1500", "jpy", 1500),
        (Decimal("1.2345"), "kwd", 1235),
    ],
)
def test_provider_amount_to_minor(value: object, currency: str, minor: int) -> None:
    assert money.provider_amount_to_minor(value, currency) == minor


@pytest.mark.parametrize("value", ["abc", None, "NaN", Decimal("Infinity"), True])
def test_provider_amount_to_minor_rejects(value: object) -> None:
    with pytest.raises(UserError):
        money.provider_amount_to_minor(value, "usd")


def test_stripe_minimum() -> None:
    assert money.stripe_minimum("USD") == 50
    assert money.stripe_minimum("gbp") == 30
    assert money.stripe_minimum("xyz") == 50


@pytest.mark.parametrize(("text", "minor"), [
    ("$26.03", 2603), ("$25", 2500), ("25,00\u00a0$", 2500), ("1\u202f234,50\u00a0$", 123450),
    ("\u200f\u0662\u0665\u00a0$", 2500),  # Arabic-Indic digits: ٢٥ $
    ("\u200f\u0661\u066c\u0662\u0663\u0664\u066b\u0665\u0660\u00a0$", 123450),  # ١٬٢٣٤٫٥٠ $
    ("$0.50", 50), ("0,50\u00a0$", 50), ("\u200f\u0660\u066b\u0665\u0660\u00a0$", 50),
    ("12.345,50\u00a0$", 1234550), ("1234,50\u00a0$", 123450), ("$12,34,567.00", 123456700),
])
def test_shown_amount_keeps_the_kiosks_text_for_the_amount_charged(text: str, minor: int) -> None:
    assert money.shown_amount(text, minor, "usd") == text


@pytest.mark.parametrize(("text", "minor"), [
    ("$25", 2603),  # the fee left out: not the amount charged
    ("$25.00", 2500 + 1),
    ("26,03 $", 2500),
    ("$25.50", 2550 * 10),
    ("", 2500), (None, 2500), (2500, 2500), (b"$25", 2500),
    ("$25\n", 2500), ("$2\u20285", 2500),  # a second line
    ("$" + "0" * 40 + "25", 2500),  # longer than any amount on a screen
    ("$25", -2500),
    # The same digits, read as another amount: where the separators are matters.
    ("$2,500", 2500), ("$250.0", 2500), ("$2.500", 2500), ("$25", 25), ("$1,2345.67", 1234567),
    # Other numerals around or inside the number, another currency, a mark between digits.
    ("$2½5.00", 2500), ("²$25.00", 2500), ("五$25", 2500), ("€25.00", 2500),
    ("$12\u200f34", 123400), ("$25 ($25)", 2500),
    # Words, letters or signs around it, another dollar, an override or a combining mark
    # that changes how it reads, two kinds of group separator, two scripts' digits.
    ("$25k", 2500), ("$25 million", 2500), ("$1OO", 100), ("-$25", 2500), ("CA$25", 2500),
    ("A$25", 2500), ("\u202e52$", 5200), ("$25\u0336", 2500), ("$1,234.567", 123456700),
    ("$2\u0665", 2500), ("$$25", 2500),
])
def test_shown_amount_refuses_text_that_is_not_the_amount(text: object, minor: int) -> None:
    assert money.shown_amount(text, minor, "usd") is None


def test_shown_amount_follows_the_currencys_decimals() -> None:
    assert money.shown_amount("¥1,500", 1500, "jpy") == "¥1,500"
    assert money.shown_amount("¥15", 1500, "jpy") is None
