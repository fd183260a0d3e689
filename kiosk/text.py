"""Words the screens share: coin names, method names, "how long ago", money."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QLocale

from backend.money import currency_symbol, exponent, format_money

COIN_NAMES = {
    "btc": "Bitcoin",
    "eth": "Ethereum",
    "ltc": "Litecoin",
    "xrp": "XRP",
    "xlm": "Stellar",
    "usdttrc20": "USDT (TRC-20)",
    "usdterc20": "USDT (ERC-20)",
    "usdc": "USDC",
    "doge": "Dogecoin",
    "sol": "Solana",
}


def tr(text: str) -> str:
    # pyside6-lupdate files a tr() outside a class under the empty context.
    return QCoreApplication.translate("", text)


# The donor's number formats; None: the source language's (en, as backend.format_money).
# Set by kiosk.i18n when the donor chooses a language.
_locale: QLocale | None = None


def set_number_locale(code: str | None) -> None:
    global _locale
    _locale = None if code in (None, "en", "en_US") else QLocale(code)


def digit(value: int) -> str:
    return str(value) if _locale is None else _locale.toString(value)


def decimal_point() -> str:
    return "." if _locale is None else _locale.decimalPoint()


def number(value: int) -> str:
    """A count for people, grouped in the donor's language ("1,234", "1.234", "١٬٢٣٤")."""
    return f"{value:,}" if _locale is None else _locale.toString(value)


def coin_name(coin: str | None) -> str:
    if not coin:
        return tr("Crypto")
    return COIN_NAMES.get(coin.lower(), coin.upper())


def coin_ticker(coin: str) -> str:
    code = coin.lower()
    for suffix in ("trc20", "erc20", "bsc", "sol", "matic"):
        if code.endswith(suffix) and len(code) > len(suffix):
            return code[: -len(suffix)].upper()
    return code.upper()


def coin_button_text(coin: str) -> str:
    """The coin's name over its ticker ("Bitcoin / BTC"); a coin named for its ticker
    (XRP) gets its network instead, never "XRP / XRP"."""
    from backend.wallet_uri import NETWORKS

    name, ticker = coin_name(coin), coin_ticker(coin)
    if ticker.lower() == name.lower():
        ticker = NETWORKS.get(coin.lower(), ticker)
    return f"{name}\n{ticker}"


def method_label(method: str, coin: str | None = None) -> str:
    if method == "card":
        return tr("card")
    if method == "cash":
        return tr("cash")
    return coin_name(coin) if coin else tr("crypto")


def money(minor: int, currency: str, *, cents: bool = True, exact: bool = False) -> str:
    """`format_money`, dropping ".00" for whole amounts when cents are asked for (not when
    `exact`: "$25.00 + $1.03"); in the donor's language's formats when it has its own
    ("25,50 $", "‏٢٥٫٥٠ $")."""
    if cents and not exact and exponent(currency) > 0 and minor % (10 ** exponent(currency)) == 0:
        cents = False
    if _locale is None:
        return format_money(minor, currency, cents=cents)
    return _local_money(_locale, minor, currency, cents=cents)


def _local_money(locale: QLocale, minor: int, currency: str, *, cents: bool) -> str:
    # Integers all the way (floats never touch money): the whole part grouped by the
    # locale, its own decimal point and digits, and its currency pattern around it.
    places = exponent(currency)
    scale = 10 ** places
    whole, fraction = divmod(abs(minor), scale)
    if not cents and fraction * 2 >= scale and places:
        whole += 1  # half up, as format_money
    text = locale.toString(whole)
    if cents and places:
        text += locale.decimalPoint() + _padded(locale, fraction, places)
    text = _in_currency_pattern(locale, text, currency)
    return locale.negativeSign() + text if minor < 0 else text


def _padded(locale: QLocale, value: int, width: int) -> str:
    """`value` in the locale's digits, zero-padded to `width` ("05", "٠٥")."""
    return locale.toString(value).rjust(width, locale.zeroDigit())


def _in_currency_pattern(locale: QLocale, number_text: str, currency: str) -> str:
    """A number already in the locale's digits, placed in its currency pattern ("25 $")."""
    symbol = (currency_symbol(currency) or currency.upper()).strip()
    pattern = locale.toCurrencyString(1, symbol)
    one = locale.toString(1)
    return pattern.replace(one, number_text, 1) if one in pattern else f"{symbol}{number_text}"


def typed_amount(typed: str, currency: str) -> str:
    """What the donor typed on the keypad ("1234.5"), grouped as money in their language,
    with the currency sign as `money` puts it."""
    whole, point, fraction = typed.partition(".")
    if _locale is None:
        number_text = f"{int(whole or 0):,}" + (f".{fraction}" if point else "")
        symbol = (currency_symbol(currency) or "").strip()
        return f"{symbol}{number_text}" if symbol and not symbol.isalpha() \
            else f"{number_text} {currency.upper()}"
    number_text = _locale.toString(int(whole or 0))
    if point:
        number_text += _locale.decimalPoint() + "".join(
            _locale.toString(int(digit)) for digit in fraction)
    return _in_currency_pattern(_locale, number_text, currency)


def parse_time(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def time_ago(value: str, now: dt.datetime | None = None) -> str:
    moment = parse_time(value)
    if moment is None:
        return ""
    seconds = int(((now or dt.datetime.now(dt.UTC)) - moment).total_seconds())
    if seconds < 60:
        return tr("just now")
    minutes = seconds // 60
    if minutes < 60:
        return tr("{n} min ago").format(n=number(minutes))
    hours = minutes // 60
    if hours < 24:
        return tr("{n} h ago").format(n=number(hours))
    days = hours // 24
    return tr("{n} d ago").format(n=number(days))


def breakable(text: str, every: int = 10) -> str:
    """`text` with zero-width spaces in words longer than `every` characters, so that a
    wrapping label can break them: a 40-letter name must not widen the window."""
    def split(word: str) -> str:
        if len(word) <= every:
            return word
        return "\u200b".join(word[i:i + every] for i in range(0, len(word), every))

    return " ".join(split(word) for word in text.split(" "))


def countdown_text(seconds: int) -> str:
    """ "4:05", in the donor's digits ("٤:٠٥")."""
    seconds = max(0, seconds)
    minutes, rest = divmod(seconds, 60)
    if _locale is None:
        return f"{minutes}:{rest:02d}"
    return f"{_locale.toString(minutes)}:{_padded(_locale, rest, 2)}"
