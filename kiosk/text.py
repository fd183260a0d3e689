"""Words the screens share: coin names, method names, "how long ago", money."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication

from backend.money import exponent, format_money

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


def tr(text: str, context: str = "Kiosk") -> str:
    return QCoreApplication.translate(context, text)


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


def money(minor: int, currency: str, *, cents: bool = True) -> str:
    """`format_money`, dropping ".00" for whole amounts when cents are asked for."""
    if cents and exponent(currency) > 0 and minor % (10 ** exponent(currency)) == 0:
        return format_money(minor, currency, cents=False)
    return format_money(minor, currency, cents=cents)


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
        return tr("{n} min ago").format(n=minutes)
    hours = minutes // 60
    if hours < 24:
        return tr("{n} h ago").format(n=hours)
    days = hours // 24
    return tr("{n} d ago").format(n=days)


def breakable(text: str, every: int = 10) -> str:
    """`text` with zero-width spaces in words longer than `every` characters, so that a
    wrapping label can break them: a 40-letter name must not widen the window."""
    def split(word: str) -> str:
        if len(word) <= every:
            return word
        return "\u200b".join(word[i:i + every] for i in range(0, len(word), every))

    return " ".join(split(word) for word in text.split(" "))


def countdown_text(seconds: int) -> str:
    seconds = max(0, seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
