"""Plain data the screens show, built from the backend's answers (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.money import exponent


@dataclass(frozen=True)
class Campaign:
    campaign_id: str = ""
    name: str = ""
    tagline: str = ""
    currency: str = "usd"
    goal_minor: int = 0
    mode: str = "test"
    kiosk_id: str = ""
    presets: tuple[str, ...] = ()
    coins: tuple[str, ...] = ()
    min_minor: int = 100
    crypto_min_minor: int = 0
    max_minor: int = 1_000_000
    relay_url: str | None = None
    demo: bool = False
    tap: bool = False  # a card reader is set up: offer "Tap card"

    @classmethod
    def from_ready(cls, data: dict[str, Any]) -> Campaign:
        return cls(
            campaign_id=str(data.get("campaign_id", "")),
            name=str(data.get("campaign_name", "")),
            tagline=str(data.get("tagline") or ""),
            currency=str(data.get("currency", "usd")),
            goal_minor=int(data.get("goal_minor") or 0),
            mode=str(data.get("mode", "test")),
            kiosk_id=str(data.get("kiosk_id", "")),
            presets=tuple(str(p) for p in data.get("presets", ())),
            coins=tuple(str(c).lower() for c in data.get("coins", ())),
            min_minor=int(data.get("min_minor") or 100),
            crypto_min_minor=int(data.get("crypto_min_minor") or 0),
            max_minor=int(data.get("max_minor") or 1_000_000),
            relay_url=data.get("relay_url") or None,
            demo=bool(data.get("demo", False)),
            tap=bool(data.get("tap", False)),
        )

    @property
    def decimals(self) -> int:
        return exponent(self.currency)


@dataclass
class Totals:
    total_minor: int = 0
    pending_minor: int = 0
    goal_minor: int = 0
    count: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    revision: int = 0
    gross_minor: int = 0
    corrections_minor: int = 0  # refunds, disputes, voids: zero or less

    def update_from(self, data: dict[str, Any]) -> None:
        self.total_minor = int(data.get("total_minor", self.total_minor) or 0)
        self.pending_minor = int(data.get("pending_minor", self.pending_minor) or 0)
        self.goal_minor = int(data.get("goal_minor", self.goal_minor) or 0)
        self.count = int(data.get("count", self.count) or 0)
        self.by_method = dict(data.get("by_method", self.by_method) or {})
        self.revision = int(data.get("revision", self.revision) or 0)
        self.gross_minor = int(data.get("gross_minor", self.gross_minor) or 0)
        self.corrections_minor = int(data.get("corrections_minor", self.corrections_minor) or 0)


@dataclass(frozen=True)
class Choice:
    """What the donor picked so far."""

    amount: str  # major units, as typed or preset ("25", "12.50")
    method: str = ""  # card | crypto
    coin: str | None = None
    display_name: str | None = None
