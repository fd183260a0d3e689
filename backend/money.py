"""Money: integer minor units inside, decimal major units at the edges.

Public functions accept an `int`, a `Decimal` or a decimal string in major
units ("25", "25.50") and never a float: a float has already lost the cents.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    InvalidOperation,
)

from backend.result import UserError

# ISO 4217 exponents that are not 2 (Stripe's zero- and three-decimal lists).
_EXPONENTS = {
    **dict.fromkeys(
        ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
         "ugx", "vnd", "vuv", "xaf", "xof", "xpf", "isk"], 0),
    **dict.fromkeys(["bhd", "jod", "kwd", "omr", "tnd"], 3),
}

# Below this a crypto gift is mostly network fees.
CRYPTO_MINIMUM_MAJOR = Decimal(1)

# Stripe's minimum charge per settlement currency, in minor units.
STRIPE_MINIMUM_MINOR = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "nzd": 50, "chf": 50,
    "dkk": 250, "nok": 300, "sek": 300, "pln": 200, "czk": 1500, "huf": 17500,
    "jpy": 50, "hkd": 400, "sgd": 50, "mxn": 1000, "brl": 50, "inr": 50,
}
STRIPE_MAXIMUM_MINOR = 99_999_999

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "jpy": "¥", "chf": "CHF "}

_DECIMAL_TEXT = re.compile(r"^\d+(\.\d+)?$", re.ASCII)  # ASCII: no "٣" or "２５"

# Scaling between major and minor units must be exact: the default context (28
# digits) would silently round a long amount to a different one.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
# Anything at or above 10**31 major units is refused before scaling (no huge ints).
_MAX_DIGITS = 30


def exponent(currency: str) -> int:
    code = currency.lower()
    if not re.fullmatch(r"[a-z]{3}", code):
        raise UserError(f"{currency!r} is not a currency code.")
    return _EXPONENTS.get(code, 2)


def to_decimal(value: object, *, what: str = "The amount") -> Decimal:
    """Read a major-unit amount without ever going through float."""
    if isinstance(value, bool):
        raise UserError(f"{what} must be a number like 25 or 25.50, not true/false.")
    if isinstance(value, float):
        raise UserError(
            f"{what} must be a whole number or a decimal string like \"25.50\", not a float."
        )
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise UserError(f"{what} is empty.")
        if text.startswith("-"):
            raise UserError(f"{what} must be more than zero.")
        if not _DECIMAL_TEXT.match(text):
            raise UserError(f"{what} {value!r} is not a number like 25 or 25.50.")
        amount = Decimal(text)
    else:
        raise UserError(f"{what} must be a number like 25 or 25.50.")
    if not amount.is_finite():
        raise UserError(f"{what} must be a finite number.")
    if amount and amount.adjusted() > _MAX_DIGITS:
        raise UserError(f"{what} is far too large.")
    return amount


def to_minor(value: object, currency: str, *, what: str = "The amount") -> int:
    """Major units (int, Decimal or decimal string) to minor units, exactly."""
    amount = to_decimal(value, what=what)
    if amount <= 0:
        raise UserError(f"{what} must be more than zero.")
    places = exponent(currency)
    scaled = amount.scaleb(places, _EXACT)
    if scaled != scaled.to_integral_value():
        unit = "whole units" if places == 0 else f"at most {places} decimal places"
        raise UserError(f"{what} has too many decimal places for {currency.upper()} ({unit}).")
    return int(scaled)


def provider_amount_to_minor(value: object, currency: str) -> int:
    """A provider-reported major amount (maybe a JSON number read as Decimal) to minor units.

    Providers report prices we set ourselves, so they are exact; anything odd is
    rounded half-up to the cent rather than refused, because refusing would
    lose a real payment.
    """
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise UserError(f"The provider reported an amount that is not a number: {value!r}") from None
    if not amount.is_finite():
        raise UserError("The provider reported an amount that is not finite.")
    if amount and amount.adjusted() > _MAX_DIGITS:
        raise UserError("The provider reported an amount that is far too large.")
    scaled = amount.scaleb(exponent(currency), _EXACT).quantize(
        Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT)
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency), _EXACT)


def major_text(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string ("25.00"), for provider APIs and CSV."""
    places = exponent(currency)
    return f"{to_major(minor, currency):.{places}f}"


def format_money(minor: int, currency: str, *, cents: bool = True) -> str:
    """Minor units for people: "$1,234.50", or "$1,235" with `cents=False`."""
    places = exponent(currency) if cents else 0
    amount = to_major(minor, currency)
    if not cents:
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=_EXACT)
    sign = "-" if amount < 0 else ""
    number = f"{abs(amount):,.{places}f}"
    symbol = _SYMBOLS.get(currency.lower())
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {currency.upper()}"


# What may stand between the digits of an amount on a screen: group and decimal separators
# of the shipped languages (Latin, French no-break spaces, Arabic's ٫ and ٬, Swiss ').
_AMOUNT_SEPARATORS = ".,'\u066b\u066c \u00a0\u202f"
_SHOWN_NUMBER = re.compile(rf"(\d(?:[{_AMOUNT_SEPARATORS}]?\d)*)")
_AROUND_AN_AMOUNT = " \u00a0\u202f\u200e\u200f\u061c"


def shown_amount(text: object, minor: int, currency: str) -> str | None:
    """`text` if it is how a screen showed `minor` in some language ("25,50 $", "‏٢٥ $",
    "$1,234.50", "1.234,50 €"): short, one line, the currency's sign or code, and one
    number, in whatever script's digits, that reads as exactly this amount (its whole part
    grouped in threes, then its cents when shown; whole amounts may drop them). None
    otherwise, so a caller falls back to `format_money` rather than show a number that is
    not the one charged."""
    if not isinstance(text, str) or not 0 < len(text) <= 40 or minor < 0:
        return None
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        return None
    numbers = _SHOWN_NUMBER.findall(text)
    # One number, in one script's digits (each script's zero is a code point of its own).
    if len(numbers) != 1 or len({ord(c) - unicodedata.decimal(c) for c in numbers[0]
                                 if c.isdecimal()}) != 1:
        return None
    # Around the number: the currency's sign (or code) once, spaces and the marks that keep
    # a number and its sign in order; no letters ("$25k", "CA$"), signs, other numerals,
    # combining marks or overriding direction controls.
    sign = (currency_symbol(currency) or currency.upper()).strip()
    before, _, after = text.partition(numbers[0])
    if (before + after).count(sign) != 1 or \
            (before + after).replace(sign, "").strip(_AROUND_AN_AMOUNT):
        return None
    separators = re.findall(f"[{_AMOUNT_SEPARATORS}]", numbers[0])
    groups = re.split(f"[{_AMOUNT_SEPARATORS}]", numbers[0])
    digits = ["".join(str(unicodedata.decimal(c)) for c in group) for group in groups]
    places = exponent(currency)

    def whole(parts: list[str], between: list[str]) -> int | None:
        # "1234", "1,234", "1 234 567": a first group, then groups of three, all split by
        # one kind of separator; or India's "12,34,567": twos before the last three.
        sizes = [len(part) for part in parts]
        western = all(size == 3 for size in sizes[1:]) and sizes[0] <= 3
        indian = sizes[-1] == 3 and all(size == 2 for size in sizes[1:-1]) and sizes[0] <= 2
        if len(parts) > 1 and (len(set(between)) != 1 or not (western or indian)):
            return None
        return int("".join(parts))

    readings = set()
    if places and len(digits) > 1 and len(digits[-1]) == places and \
            separators[-1] not in separators[:-1]:
        units = whole(digits[:-1], separators[:-1])
        if units is not None:
            readings.add(units * 10 ** places + int(digits[-1]))
    units = whole(digits, separators)
    if units is not None:
        readings.add(units * 10 ** places)
    return text if minor in readings else None


def currency_symbol(currency: str) -> str | None:
    """"$" for usd, None for a currency shown by its code ("CHF")."""
    return _SYMBOLS.get(currency.lower())


def check_range(minor: int, currency: str, *, minimum: int, maximum: int,
                what: str = "The gift") -> None:
    if minor < minimum:
        raise UserError(f"The minimum gift is {format_money(minimum, currency)}.")
    if minor > maximum:
        if what != "The gift":
            raise UserError(f"{what} ({format_money(minor, currency)}) is over the maximum "
                            f"gift at this kiosk, {format_money(maximum, currency)}.")
        raise UserError(f"The maximum gift at this kiosk is {format_money(maximum, currency)}.")


def stripe_minimum(currency: str) -> int:
    return STRIPE_MINIMUM_MINOR.get(currency.lower(), 50)


def cover_fee_minor(amount_minor: int, currency: str, percent: Decimal | None,
                    fixed: Decimal = Decimal(0)) -> int:
    """What covering the processing fee adds to a gift: `percent` of it plus `fixed`
    (major units), rounded up to the minor unit, so the charity is never short."""
    if percent is None:
        raise UserError("Covering the fee is not offered for this payment method here.")
    fee = Decimal(amount_minor) * percent / 100 + fixed.scaleb(exponent(currency))
    return int(fee.to_integral_value(rounding=ROUND_UP))
