"""Plain data the screens show, built from the backend's answers (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.money import cover_fee_minor, exponent


def to_minor(amount: str, decimals: int) -> int | None:
    """A typed or preset amount ("12.50") in minor units, or None if it has more decimals
    than the currency (the screens only let through what this accepts)."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return None
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


@dataclass(frozen=True)
class FeeQuote:
    """What covering the fee adds to a gift, computed as the backend will charge it."""

    method: str  # card | crypto
    gift_minor: int
    fee_minor: int
    currency: str
    max_minor: int

    @property
    def total_minor(self) -> int:
        return self.gift_minor + self.fee_minor

    @property
    def over_limit(self) -> bool:
        """With the fee, the gift would be over the campaign's maximum: not offered."""
        return self.total_minor > self.max_minor


def _fee_rates(data: Any) -> dict[str, tuple[Decimal, Decimal]]:
    rates: dict[str, tuple[Decimal, Decimal]] = {}
    if not isinstance(data, dict):
        return rates
    for method, rate in data.items():
        if not isinstance(rate, dict):
            continue
        try:
            percent, fixed = (Decimal(str(rate.get("percent"))),
                              Decimal(str(rate.get("fixed") or "0")))
        except InvalidOperation:
            continue
        if percent or fixed:  # a rate of nothing is no fee to cover: no toggle adding $0.00
            rates[str(method)] = (percent, fixed)
    return rates


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
    monthly: bool = False  # offer "Make it monthly" (card on the donor's phone)
    languages: tuple[str, ...] = ("en",)  # the first is the campaign's default
    fee_rates: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

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
            monthly=bool(data.get("monthly", False)),
            languages=tuple(str(code) for code in data.get("languages") or ("en",)),
            fee_rates=_fee_rates(data.get("fees")),
        )

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"

    def has_fee(self, method: str) -> bool:
        """[fees] sets a rate for this method (card, crypto): covering the fee applies."""
        return method in self.fee_rates

    def fee_quote(self, method: str, gift_minor: int) -> FeeQuote | None:
        """Covering the fee for `method` (card or crypto), or None where it is not offered."""
        rate = self.fee_rates.get(method)
        if rate is None:
            return None
        percent, fixed = rate
        return FeeQuote(method, gift_minor, cover_fee_minor(gift_minor, self.currency, percent,
                                                            fixed), self.currency,
                        self.max_minor)

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

    @classmethod
    def from_answer(cls, data: dict[str, Any]) -> Totals:
        totals = cls()
        totals.update_from(data)
        return totals

    def take(self, other: Totals) -> None:
        """Become `other` (in place: the screens hold this object)."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(other, name))

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
    method: str = ""  # card | crypto | tap
    coin: str | None = None
    display_name: str | None = None
    monthly: bool = False  # the same amount every month (card on the phone only)
    cover_fee: bool = False  # the donor adds the processing fee


@dataclass(frozen=True)
class Refusal:
    """The backend said no, or could not be asked: its words (English, for the log; the
    donor is shown them, or a sentence in their language)."""

    error: str


@dataclass(frozen=True)
class PaymentStart:
    """A payment the provider has opened: what the donor's phone, wallet or card needs.

    Built once from the backend's answer by `kiosk.services.payment_start`."""

    method: str  # card | crypto | tap
    intent_id: str
    ref: str  # what the poller follows: Checkout Session, NOWPayments payment, PaymentIntent
    amount_minor: int | None = None  # what the provider will charge (the fee included)
    gift_minor: int | None = None
    fee_minor: int = 0
    payload: str = ""  # what the QR code holds: the Checkout link (or its short link), a URI
    recurring: bool = False  # a monthly gift's first payment
    expires_at: float | None = None
    pay_amount: str = ""  # crypto: the exact amount, as the provider states it
    pay_currency: str = ""
    network: str = ""
    pay_address: str = ""
    memo: str | None = None  # the memo / destination tag some coins need
    memo_label: str | None = None
    matrix: list[list[bool]] | None = None  # the QR code's modules, drawn off the GUI thread


@dataclass(frozen=True)
class PaymentUpdate:
    """The provider's latest word on the payment on screen (`payment_update`)."""

    status: str  # paid | confirming | partially_paid | expired | cancelled | failed | ...
    total_minor: int | None = None  # the campaign's total, counted with it
    reader_action: str | None = None  # tap: in_progress | failed | succeeded
    failure_message: str | None = None  # tap: the decline, in English
    failure_code: str | None = None


@dataclass(frozen=True)
class Notice:
    """What the error screen says: why, and whether "Try again" is offered."""

    kind: str  # unreachable | expired | on_its_way | partial | failed | ...
    title: str
    message: str
    can_retry: bool
    tone: str = "error"  # error | info | help


@dataclass(frozen=True)
class Thanks:
    """A gift that went through, for the thank-you screen."""

    amount_minor: int
    total_minor: int | None  # the campaign's total with it, when the provider's answer said
    monthly: bool = False
    receipt: bool = False  # offer an emailed receipt (a card tapped on the reader)


@dataclass(frozen=True)
class RecentGift:
    """One of the latest gifts, for the ticker, the board and the staff pages."""

    donation_id: int
    amount_minor: int
    currency: str
    method: str  # card | crypto | tap | cash
    created_at: str  # ISO 8601, UTC
    coin: str | None = None
    display_name: str | None = None
    status: str = "counted"  # counted | refunded | disputed | voided | ...
    kiosk_id: str = ""
    voidable: bool = False  # a cash gift recorded on this kiosk, not voided yet


@dataclass(frozen=True)
class GiftPoint:
    """The campaign's running total at the end of a time bucket (the board's chart)."""

    at: str  # ISO 8601, UTC
    total_minor: int


@dataclass(frozen=True)
class Standing:
    """Where the campaign stands: its totals and, when asked for and answered, its latest
    gifts and its total over time."""

    totals: Totals
    recent: tuple[RecentGift, ...] | None = None
    points: tuple[GiftPoint, ...] | None = None


@dataclass(frozen=True)
class Ready:
    """What the first screen needs: the campaign, its totals, its languages' compiled
    catalogues (code -> .qm path) and, with --demo, the demo's staff PIN."""

    campaign: Campaign
    totals: Totals
    catalogs: dict[str, str] = field(default_factory=dict)
    demo_pin: str | None = None
