"""Hermetic tests: a temp data directory, an in-memory keyring, no real secrets."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest

from backend.db import close_database
from backend.secrets import KNOWN_SECRETS
from tests.support.memory_keyring import MemoryKeyring

# Keep Python's bytecode cache (__pycache__, ignored by git) even where the environment sets
# PYTHONDONTWRITEBYTECODE=1, as some CI images do: otherwise each of the four xdist workers
# and every subprocess a test starts (the CLI, the relay, the kiosk, the benches) compiles
# stripe, peewee, starlette and our own modules from source again, ~4 s of CPU per worker
# just to collect the tests. Set here, before xdist starts its workers, so they and their
# children inherit it. bench/kiosk_startup.py does the same for the processes it times.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

ENDPOINT_VARS = ("STRIPE_API_BASE", "NOWPAYMENTS_API_BASE", "CHARTER_RELAY_URL", "CHARTER_KIOSK_MODE",
                 "CHARTER_RELAY_DB")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("CHARTER_KIOSK_HOME", str(home))
    for name in (*KNOWN_SECRETS, *ENDPOINT_VARS):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    close_database()
    # cli.main() configures the "charter" logger; a handler left behind would
    # write to a stream pytest has closed by the next test.
    charter_logger = logging.getLogger("charter")
    handlers, level = list(charter_logger.handlers), charter_logger.level
    configured = getattr(charter_logger, "_charter_configured", False)
    try:
        yield memory
    finally:
        close_database()
        # The provider sessions are shared by every call in the process: each test starts
        # with none (no connection pooled to an earlier test's sandbox). Imported only if
        # a test used them, as the kiosk does.
        provider_http = sys.modules.get("backend.http")
        if provider_http is not None:
            provider_http.close_all()
        keyring.set_keyring(previous)
        for handler in charter_logger.handlers[:]:
            if handler not in handlers:
                charter_logger.removeHandler(handler)
                handler.close()
        charter_logger.setLevel(level)
        charter_logger._charter_configured = configured  # type: ignore[attr-defined]


CAMPAIGN = {"id": "gala", "name": "Spring Gala", "currency": "usd", "goal": "5000",
            "max_amount": "1000", "coins": ["btc", "eth", "xrp", "xlm", "usdttrc20"]}


@pytest.fixture
def sandbox(shared_sandbox: object) -> Iterator[object]:
    """The provider sandbox on a loopback port (real HTTP), fresh for each test: one
    server for the whole run, reset before every test (records, faults, deliveries,
    clock and settings). Starting and stopping uvicorn per test cost ~0.2 s each."""
    shared_sandbox.reset()  # type: ignore[attr-defined]
    yield shared_sandbox
    shared_sandbox.reset()  # type: ignore[attr-defined]  # nothing queued leaks onward


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[object]:
    from backend.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.fixture
def kiosk_env(sandbox: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """A configured kiosk in test mode pointed at the sandbox, as a deployment would be."""
    from backend.settings import write_settings

    write_settings({"campaign": CAMPAIGN, "kiosk": {"id": "kiosk-a", "mode": "test"}})
    config = sandbox.config  # type: ignore[attr-defined]
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("NOWPAYMENTS_API_BASE", sandbox.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", config.stripe_secret_key)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY_TEST", config.stripe_publishable_key)
    monkeypatch.setenv("NOWPAYMENTS_API_KEY_TEST", config.nowpayments_api_key)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", config.stripe_webhook_secret)
    monkeypatch.setenv("NOWPAYMENTS_IPN_SECRET_TEST", config.nowpayments_ipn_secret)
    monkeypatch.setenv("BASE_URL", "https://relay.example.org")
    return sandbox


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first. With four test processes handed one test at a time
    (`--maxschedchunk 1` in pyproject.toml), the long tests start at once, side by side,
    and the many short ones fill in around them; a 10 s test handed out last would end the
    run 10 s after everything else. The sort is stable: every other test keeps its place.

    A test that asserts a tight latency bound (`latency`) stays in its place even when slow:
    beside the opening burst of slow tests and their processes, a thread can wait longer
    for a core than the margin it allows."""
    def opens_the_run(item: pytest.Item) -> bool:
        return (item.get_closest_marker("slow") is not None
                and item.get_closest_marker("latency") is None)

    items.sort(key=lambda item: not opens_the_run(item))
