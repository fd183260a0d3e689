"""`FakeServices`: the kiosk's one door to the backend, answered from memory.

For tests of the kiosk's own logic (the session, the flows) without HTTP or SQLite;
the screens' end-to-end tests use the real backend against the sandbox instead.
Every call is recorded in `calls`; `answers` overrides what a call returns, and a
callable there is called (to block, to fail, to count)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend.result import Result, err, ok

READY: dict[str, Any] = {
    "campaign_id": "fake-campaign", "campaign_name": "Fake Appeal", "tagline": "",
    "currency": "usd", "mode": "test", "kiosk_id": "fake-kiosk", "presets": ["10", "25"],
    "coins": ["btc"], "min_minor": 50, "crypto_min_minor": 100, "max_minor": 100_000,
    "total_minor": 0, "pending_minor": 0, "goal_minor": 100_000, "count": 0,
    "relay_url": None, "demo": False, "tap": False, "monthly": False, "languages": ["en"],
    "fees": {"card": None, "crypto": None},
}


class FakeServices:
    def __init__(self, **answers: Any) -> None:
        self.calls: list[str] = []
        self.answers: dict[str, Any] = answers
        self._lock = threading.Lock()

    def _answer(self, name: str, default: Result) -> Result:
        with self._lock:
            self.calls.append(name)
        answer = self.answers.get(name, default)
        if callable(answer):
            result: Result = answer()
            return result
        return dict(answer)  # type: ignore[return-value]

    def __getattr__(self, name: str) -> Callable[..., Result]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._answer(name, err(f"{name} is not faked"))

    def on_ready(self) -> Result:
        return self._answer("on_ready", ok(dict(READY)))

    def prepare_demo(self) -> Result:
        return self._answer("prepare_demo", ok({"demo": True, "demo_pin": "1234"}))

    def start_demo(self) -> Result:
        return self._answer("start_demo", ok({"demo": True}))

    def stop_demo(self) -> None:
        self._answer("stop_demo", ok({}))

    def database_path(self) -> Path | None:
        return None  # no totals watcher: nothing on disk

    def relay_token(self) -> str | None:
        self._answer("relay_token", ok({}))
        return self.answers.get("token")
