"""Hermetic tests: a temp data directory, an in-memory keyring, no real secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest

from backend.db import close_database
from backend.secrets import KNOWN_SECRETS
from tests.memory_keyring import MemoryKeyring

ENDPOINT_VARS = ("STRIPE_API_BASE", "NOWPAYMENTS_API_BASE", "CHARTER_RELAY_URL", "CHARTER_KIOSK_MODE")


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
    try:
        yield memory
    finally:
        close_database()
        keyring.set_keyring(previous)
