"""Settings: `kiosk.toml` in the data directory, with environment overrides.

The file holds nothing secret (secrets live in `backend.secrets`). Missing keys
take defaults that make a fresh kiosk usable in test mode.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import platformdirs

from backend.result import UserError

APP_NAME = "charter-kiosk"
CONFIG_FILE = "kiosk.toml"
DATABASE_FILE = "kiosk.sqlite3"  # live mode
TEST_DATABASE_FILE = "kiosk-test.sqlite3"  # test mode: test gifts never reach a live total

Mode = Literal["test", "live"]

DEFAULT_COINS = ("btc", "eth", "ltc", "xrp", "xlm", "usdttrc20")


def data_dir() -> Path:
    """`CHARTER_KIOSK_HOME`, or the platform's user data directory."""
    home = os.environ.get("CHARTER_KIOSK_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = os.environ.get("CHARTER_KIOSK_HOME")
    path = Path(home) / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_kiosk_id() -> str:
    """`kiosk-<host name>`: two kiosks set up without an id still tell their gifts apart
    (the id goes into every payment's metadata, order id and cash reference)."""
    host = re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname()).strip("-").lower()[:40]
    return f"kiosk-{host or 'unnamed'}"


@dataclass(frozen=True)
class Settings:
    campaign_id: str = "default-campaign"
    campaign_name: str = "Our Campaign"
    currency: str = "usd"
    goal: Decimal = Decimal("10000")
    max_amount: Decimal = Decimal("10000")
    presets: tuple[Decimal, ...] = (Decimal(10), Decimal(25), Decimal(50), Decimal(100))
    coins: tuple[str, ...] = DEFAULT_COINS
    kiosk_id: str = field(default_factory=lambda: default_kiosk_id())
    mode: Mode = "test"
    stripe_api_base: str | None = None
    nowpayments_api_base: str | None = None
    relay_url: str | None = None
    # [terminal] reader_id: the Stripe Terminal reader of this kiosk (tap to give).
    terminal_reader_id: str | None = None
    # [campaign] monthly: offer "Make it monthly" for card gifts on the donor's phone.
    monthly: bool = False
    # [fees]: what covering the fee adds, per method (percent of the gift, plus a fixed
    # amount for cards). None: the kiosk does not offer to cover the fee.
    fee_card_percent: Decimal | None = None
    fee_card_fixed: Decimal = Decimal(0)
    fee_crypto_percent: Decimal | None = None
    # [campaign] languages: what donors may choose on the attract screen, the first
    # being the campaign's default ("es", or with a territory for its formats: "es_US").
    languages: tuple[str, ...] = ("en",)
    # Extra: free text shown under the campaign name on the attract screen.
    tagline: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def data_path(self) -> Path:
        return data_dir()


def _decimal(value: Any, key: str) -> Decimal:
    if isinstance(value, float | bool):
        raise UserError(f"{CONFIG_FILE}: {key} must be an integer or a quoted decimal string.")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise UserError(f"{CONFIG_FILE}: {key} is not a number: {value!r}") from None


MAX_FEE_PERCENT = Decimal(10)


# The languages the kiosk ships donor screens in: English (the source) and a
# resources/translations/charter_<code>.ts for each other one (a test keeps the two
# lists equal).
SHIPPED_LANGUAGES = ("en", "es", "fr", "ar")
_LANGUAGE_CODE = re.compile(r"^(?P<language>[a-z]{2,3})(?:[_-](?P<territory>[A-Z]{2}|[0-9]{3}))?$")


def _languages(value: Any) -> tuple[str, ...]:
    """[campaign] languages: a non-empty list of shipped language codes, each at most
    once, optionally with a territory for number and money formats ("es_US")."""
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise UserError(f'{CONFIG_FILE}: campaign.languages must be a list such as '
                        f'["en", "es"] (shipped: {", ".join(SHIPPED_LANGUAGES)}).')
    codes: list[str] = []
    for item in value:
        match = _LANGUAGE_CODE.match(str(item)) if isinstance(item, str) else None
        if match is None or match["language"] not in SHIPPED_LANGUAGES:
            raise UserError(f"{CONFIG_FILE}: campaign.languages: {item!r} is not a language "
                            f"the kiosk has; it has {', '.join(SHIPPED_LANGUAGES)} (optionally "
                            'with a territory, as in "es_US").')
        code = str(item).replace("-", "_")
        if any(existing.split("_")[0] == match["language"] for existing in codes):
            raise UserError(f"{CONFIG_FILE}: campaign.languages lists {match['language']!r} "
                            "twice.")
        codes.append(code)
    return tuple(codes)


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"{CONFIG_FILE}: {key} must be true or false.")
    return value


def _fees(raw: Any) -> dict[str, Any]:
    """[fees] card_percent, card_fixed, crypto_percent: never negative, never over 10%."""
    if not isinstance(raw, dict):
        raise UserError(f"{CONFIG_FILE}: [fees] must be a table.")
    unknown = set(raw) - {"card_percent", "card_fixed", "crypto_percent"}
    if unknown:
        raise UserError(f"{CONFIG_FILE}: unknown [fees] keys: {', '.join(sorted(unknown))} "
                        "(card_percent, card_fixed, crypto_percent).")
    out: dict[str, Any] = {}
    for key, field_name in (("card_percent", "fee_card_percent"),
                            ("crypto_percent", "fee_crypto_percent")):
        if key in raw:
            percent = _decimal(raw[key], f"fees.{key}")
            if not Decimal(0) <= percent <= MAX_FEE_PERCENT:
                raise UserError(f"{CONFIG_FILE}: fees.{key} must be from 0 to 10 (percent), "
                                f"not {percent}.")
            out[field_name] = percent
    if "card_fixed" in raw:
        fixed = _decimal(raw["card_fixed"], "fees.card_fixed")
        if fixed < 0:
            raise UserError(f"{CONFIG_FILE}: fees.card_fixed cannot be negative.")
        out["fee_card_fixed"] = fixed
    return out


def load_settings(path: Path | None = None) -> Settings:
    """Read `kiosk.toml` (if present) and apply the environment overrides."""
    config_path = path or data_dir() / CONFIG_FILE
    raw: dict[str, Any] = {}
    if config_path.exists():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{config_path} is not valid TOML: {exc}") from None
    campaign = raw.get("campaign", {})
    kiosk = raw.get("kiosk", {})
    endpoints = raw.get("endpoints", {})
    defaults = Settings()

    mode = os.environ.get("CHARTER_KIOSK_MODE") or kiosk.get("mode", defaults.mode)
    if mode not in ("test", "live"):
        raise UserError(f"kiosk mode must be 'test' or 'live', not {mode!r}.")
    presets = tuple(
        _decimal(p, "campaign.presets") for p in campaign.get("presets", defaults.presets)
    )
    coins = tuple(str(c).lower() for c in campaign.get("coins", defaults.coins))
    return Settings(
        campaign_id=str(campaign.get("id", defaults.campaign_id)),
        campaign_name=str(campaign.get("name", defaults.campaign_name)),
        currency=str(campaign.get("currency", defaults.currency)).lower(),
        goal=_decimal(campaign.get("goal", defaults.goal), "campaign.goal"),
        max_amount=_decimal(campaign.get("max_amount", defaults.max_amount), "campaign.max_amount"),
        presets=presets,
        coins=coins,
        tagline=str(campaign.get("tagline", "")),
        languages=_languages(campaign.get("languages", list(defaults.languages))),
        kiosk_id=str(kiosk.get("id", defaults.kiosk_id)),
        mode=mode,  # type: ignore[arg-type]
        stripe_api_base=os.environ.get("STRIPE_API_BASE") or endpoints.get("stripe_api_base"),
        nowpayments_api_base=os.environ.get("NOWPAYMENTS_API_BASE")
        or endpoints.get("nowpayments_api_base"),
        relay_url=os.environ.get("CHARTER_RELAY_URL") or endpoints.get("relay_url"),
        terminal_reader_id=str(raw.get("terminal", {}).get("reader_id") or "") or None,
        monthly=_flag(campaign.get("monthly", False), "campaign.monthly"),
        **_fees(raw.get("fees", {})),
        extra={k: v for k, v in raw.items()
               if k not in ("campaign", "kiosk", "endpoints", "terminal", "fees")},
    )


def write_settings(values: dict[str, dict[str, Any]], path: Path | None = None) -> Path:
    """Write a `kiosk.toml` (used by `--demo` and tests). Values are plain TOML scalars."""
    config_path = path or data_dir() / CONFIG_FILE
    lines: list[str] = []
    for section, items in values.items():
        lines.append(f"[{section}]")
        for key, value in items.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    config_path.write_text("\n".join(lines), encoding="utf-8")
    # A rewrite within the file system's timestamp granularity keeps the same
    # mtime; never serve the old settings after writing new ones.
    _cache.clear()
    return config_path


def set_setting(section: str, key: str, value: Any, path: Path | None = None) -> Path:
    """Set (or, with None, remove) one key of `kiosk.toml`, keeping every other line —
    the operator's comments included."""
    config_path = path or data_dir() / CONFIG_FILE
    lines = config_path.read_text(encoding="utf-8").splitlines() if config_path.exists() else []
    start = next((i for i, line in enumerate(lines) if line.strip() == f"[{section}]"), None)
    new = None if value is None else f"{key} = {_toml_value(value)}"
    if start is None:
        if new is not None:
            lines += (["", f"[{section}]"] if lines else [f"[{section}]"]) + [new]
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].strip().startswith("[")), len(lines))
        found = next((i for i in range(start + 1, end)
                      if lines[i].split("=", 1)[0].strip() == key), None)
        if found is not None and new is not None:
            lines[found] = new
        elif found is not None:
            del lines[found]
        elif new is not None:
            lines.insert(start + 1, new)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _cache.clear()
    load_settings(config_path)  # refuse to leave a file we cannot read back
    return config_path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


_cache: dict[tuple[object, ...], Settings] = {}
_ENV_KEYS = ("CHARTER_KIOSK_HOME", "CHARTER_KIOSK_MODE", "STRIPE_API_BASE",
             "NOWPAYMENTS_API_BASE", "CHARTER_RELAY_URL")


def get_settings() -> Settings:
    """`load_settings()`, cached until the file or an overriding variable changes."""
    path = data_dir() / CONFIG_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = None
    key = (str(path), stamp, *(os.environ.get(k) for k in _ENV_KEYS))
    settings = _cache.get(key)
    if settings is None:
        settings = load_settings(path)
        _cache.clear()
        _cache[key] = settings
    return settings
