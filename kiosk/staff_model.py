"""Plain data the staff pages show, read once from the backend's answers by kiosk/answers.py
(no Qt here). kiosk/model.py holds the donor's side; these are kept apart so that file
stays one screenful of the donor's data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PendingPayment:
    """A payment still open, or partly paid and waiting for staff (`pending_payments`)."""

    intent_id: str
    method: str  # card | crypto | tap
    amount_minor: int
    currency: str
    status: str  # awaiting_payment | confirming | partially_paid | ...
    age_s: int | None = None  # since it was opened; None when the answer did not say
    coin: str | None = None
    needs_staff: bool = False  # partly paid: staff accept or refuse it
    provider_ref: str = ""  # what accepting or refusing it names (NOWPayments' payment id)


@dataclass(frozen=True)
class StalePayment:
    """A payment past its expiry that the provider has not closed yet."""

    provider: str
    ref: str
    status: str


@dataclass(frozen=True)
class LateGift:
    """A gift counted after its donor had left the screen."""

    donation_id: int
    amount_minor: int
    currency: str
    method: str
    created_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class ReconcileSummary:
    """What the reconciler knows (`reconciliation_status`)."""

    by_age: tuple[tuple[str, int], ...]  # (bucket, open payments), youngest bucket first
    stale: tuple[StalePayment, ...] = ()
    late_gifts: tuple[LateGift, ...] = ()
    last_checked_at: float | None = None  # when its last pass ended (epoch seconds)

    @property
    def open_count(self) -> int:
        return sum(count for _, count in self.by_age)

    @property
    def oldest(self) -> str | None:
        """The oldest bucket with a payment in it."""
        filled = [bucket for bucket, count in self.by_age if count]
        return filled[-1] if filled else None


@dataclass(frozen=True)
class GivingSummary:
    """Monthly donors still giving (and their year), and the fees donors covered."""

    monthly_donors: int
    monthly_yearly_minor: int
    fees_minor: int


@dataclass(frozen=True)
class SyncState:
    """The relay sync as the staff screen shows it (kiosk.workers.RelaySyncThread.state)."""

    available: bool
    connected: bool = False
    cursor: int | None = None
    last_event_age_s: float | None = None
    lag_s: float | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class StaffOverview:
    """The staff screen's lists and status, asked for together; None where the backend
    did not answer (the page keeps what it showed)."""

    pending: tuple[PendingPayment, ...] | None
    reconcile: ReconcileSummary | None
    giving: GivingSummary | None
    sync: SyncState | None  # None: no relay sync is running here


@dataclass(frozen=True)
class KioskCheck:
    """One of `charter-kiosk check`'s checks (backend/check.py's Check)."""

    group: str
    name: str
    status: str  # pass | warn | fail | skip
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Reader:
    """This kiosk's card reader, as Stripe sees it."""

    reader_id: str
    label: str
    device_type: str
    status: str  # online | offline
    mode: str  # test | live
    location: str | None = None

    @property
    def online(self) -> bool:
        return self.status == "online"


@dataclass(frozen=True)
class ReaderLocation:
    """A Stripe Terminal location a reader can be paired at."""

    location_id: str
    display_name: str


@dataclass(frozen=True)
class ReaderSetup:
    """The card-reader page: this kiosk's reader (None when none is paired or it could not
    be read, with `error` saying which), and the account's locations."""

    reader: Reader | None = None
    locations: tuple[ReaderLocation, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class PinAccepted:
    """The staff PIN was right."""


@dataclass(frozen=True)
class CashRecorded:
    donation_id: int
    total_minor: int | None = None


@dataclass(frozen=True)
class CashVoided:
    donation_id: int
    voided_minor: int


@dataclass(frozen=True)
class PartialResolved:
    status: str


@dataclass(frozen=True)
class CsvExport:
    path: str
    rows: int
