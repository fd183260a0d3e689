"""The sandbox's shared state: configuration, clock, faults and delivery records.

Everything here is touched from the uvicorn thread, the delivery thread and the
caller's thread, so every read and write goes through `SandboxState.lock`.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

Provider = Literal["stripe", "nowpayments"]
FaultMode = Literal["down", "slow", "rate_limit", "error500", "none"]

PROVIDERS: tuple[Provider, ...] = ("stripe", "nowpayments")
FAULT_MODES: tuple[str, ...] = ("down", "slow", "rate_limit", "error500", "none")

# Waits before each retry of a failed delivery: six attempts in all, about
# four seconds end to end, so tests see retries without waiting Stripe's days.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0)

_ALNUM = string.ascii_letters + string.digits


def random_token(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_reader_id() -> str:
    """A Terminal reader's id, as Stripe writes them."""
    return "tmr_" + random_token(24)


@dataclass
class SandboxConfig:
    """Keys, secrets and endpoints of one sandbox. The defaults are throwaway test values."""

    stripe_secret_key: str = "sk_test_sandbox_4eC39HqLyjWDarjtT1zdp7dc"
    stripe_publishable_key: str = "pk_test_sandbox_TYooMQauvdEDq54NiTphI7jx"
    stripe_webhook_secret: str = "whsec_sandbox_8bE2d5c1a7f94e0b"
    nowpayments_api_key: str = "NP-SANDBOX-7K2Q9XW-4M8T1RZ-H6C3VJD-5B0NPLE"
    nowpayments_ipn_secret: str = "ipn_sandbox_9f8a7b6c5d4e3f2a"
    stripe_webhook_url: str | None = None
    nowpayments_ipn_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    # Base URL written into checkout and invoice links, for a phone on the
    # network when the server listens on 0.0.0.0. None: the server's own URL.
    public_url: str | None = None
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    delivery_timeout: float = 3.0


@dataclass
class Fault:
    mode: FaultMode = "none"
    delay: float = 0.0
    remaining: int | None = None  # None: until cleared

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "delay": Decimal(str(self.delay)), "count": self.remaining}


@dataclass
class SandboxState:
    config: SandboxConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock_offset: float = 0.0
    base_url: str = ""
    faults: dict[str, Fault] = field(
        default_factory=lambda: {p: Fault() for p in PROVIDERS}
    )
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> float:
        """Sandbox time: real time shifted by `advance_time`, for expiry tests."""
        return time.time() + self.clock_offset

    def public_base(self) -> str:
        return (self.config.public_url or self.base_url).rstrip("/")

    def set_fault(
        self, provider: str, mode: str, delay: float = 0.0, count: int | None = None
    ) -> None:
        if provider not in (*PROVIDERS, "all"):
            raise ValueError(f"provider must be stripe, nowpayments or all, not {provider!r}")
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}, not {mode!r}")
        if delay < 0:
            raise ValueError("delay must not be negative")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1, or None for until cleared")
        targets = PROVIDERS if provider == "all" else (provider,)
        with self.lock:
            for name in targets:
                self.faults[name] = Fault(mode, float(delay), count)  # type: ignore[arg-type]

    def take_fault(self, provider: Provider) -> Fault | None:
        """The fault to apply to this request, counting it down; None when healthy."""
        with self.lock:
            fault = self.faults[provider]
            if fault.mode == "none":
                return None
            taken = Fault(fault.mode, fault.delay, fault.remaining)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults[provider] = Fault()
            return taken

    def record_delivery(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.deliveries.append(record)


def iso_millis(timestamp: float) -> str:
    """NOWPayments' timestamp form: `2021-04-12T14:22:54.942Z`."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
