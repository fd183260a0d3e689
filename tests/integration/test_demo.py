"""`--demo` in two steps: addresses first (before the kiosk's first total), servers after.

A request made between the two waits for its server instead of being refused or reaching a
real provider; a demo whose servers cannot start refuses every request to its addresses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import demo
from backend.settings import load_settings
from backend.staff_pin import pin_matches
from kiosk.services import DEMO_PIN, DEMO_PIN_HASH, BackendServices
from tests.support.paths import REPO

ROOT = REPO
DEMO_VARS = ("STRIPE_API_BASE", "NOWPAYMENTS_API_BASE", "STRIPE_SECRET_KEY_TEST",
             "NOWPAYMENTS_API_KEY_TEST", "BASE_URL", "CHARTER_RELAY_URL", "RELAY_TOKEN")


@pytest.fixture
def stopped() -> Iterator[None]:
    yield
    demo.stop_demo()


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_prepare_sets_every_address_and_starts_nothing(tmp_path: Path, stopped: None) -> None:
    environment = demo.prepare_demo(tmp_path / "demo")
    assert not environment.started and environment.sandbox is None
    assert all(os.environ.get(name) for name in DEMO_VARS)
    assert os.environ["CHARTER_KIOSK_HOME"] == str(tmp_path / "demo")
    assert os.environ["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    # The reader the sandbox will register is in kiosk.toml already: the first total's
    # campaign offers "Tap card".
    assert load_settings(tmp_path / "demo" / "kiosk.toml").terminal_reader_id == \
        environment.reader_id
    assert demo.prepare_demo() is environment  # once per process


def test_a_request_made_before_the_servers_start_is_answered_once_they_do(
        tmp_path: Path, stopped: None) -> None:
    environment = demo.prepare_demo(tmp_path / "demo")
    answers: dict[str, tuple[int, bytes]] = {}

    def ask(name: str, url: str, token: str | None = None) -> None:
        answers[name] = get(url, token)

    early = [threading.Thread(target=ask, args=("sandbox", os.environ["STRIPE_API_BASE"]
                                                + "/_sandbox/health")),
             threading.Thread(target=ask, args=("relay", os.environ["CHARTER_RELAY_URL"]
                                                + "/v1/events?after=0&wait=0",
                                                os.environ["RELAY_TOKEN"]))]
    for thread in early:
        thread.start()
    assert demo.start_demo() is environment and environment.started
    for thread in early:
        thread.join(timeout=20)
    assert answers["sandbox"][0] == 200
    assert answers["relay"][0] == 200, answers["relay"]  # the token handed out first works
    assert json.loads(answers["relay"][1]) is not None
    # The sandbox knows the reader kiosk.toml names, and sends webhooks to the relay.
    assert environment.reader_id in environment.sandbox.stripe.terminal.readers
    assert environment.config.stripe_webhook_url == \
        f"{os.environ['CHARTER_RELAY_URL']}/v1/webhooks/stripe"


def test_servers_that_cannot_start_leave_addresses_that_refuse(
        tmp_path: Path, stopped: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.sandbox.server import SandboxServer

    def broken(self: SandboxServer, *args: object, **kwargs: object) -> SandboxServer:
        raise OSError("no event loop today")

    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "sk_test_a_real_account")
    demo.prepare_demo(tmp_path / "demo")
    monkeypatch.setattr(SandboxServer, "start", broken)
    with pytest.raises(RuntimeError, match="did not start"):
        demo.start_demo()
    with pytest.raises(RuntimeError, match="did not start"):
        demo.start_demo()  # the same answer, not a half-started second try
    # Still the sandbox's address and key, never a real provider's: and it refuses.
    assert os.environ["STRIPE_SECRET_KEY_TEST"] != "sk_test_a_real_account"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(os.environ["STRIPE_API_BASE"] + "/_sandbox/health", timeout=5)
    demo.stop_demo()
    assert os.environ["STRIPE_SECRET_KEY_TEST"] == "sk_test_a_real_account"  # restored


def test_preparing_loads_no_server_or_http_client(tmp_path: Path) -> None:
    code = ("import sys; from backend import demo; demo.prepare_demo(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('starlette', 'uvicorn', 'requests', 'urllib3', 'peewee', 'playhouse') "
            "or m in ('backend.sandbox.server', 'backend.relay.store', 'backend.relay.app')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "CHARTER_KIOSK_HOME": str(tmp_path)})
    assert done.stdout.strip() == "[]", done.stderr


def test_the_demo_pin_hash_is_the_demo_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pin_matches(DEMO_PIN, DEMO_PIN_HASH) and not pin_matches("4321", DEMO_PIN_HASH)
    monkeypatch.delenv("STAFF_PIN_HASH", raising=False)
    assert BackendServices._demo_pin() == DEMO_PIN
    assert BackendServices._demo_pin() == DEMO_PIN  # prepare, then start: the same PIN
    monkeypatch.setenv("STAFF_PIN_HASH", "scrypt$16384$8$1$c2FsdA==$aGFzaA==")
    assert BackendServices._demo_pin() is None  # the environment's own PIN wins


def test_a_demo_stopped_by_its_window_is_not_handed_to_the_next(tmp_path: Path,
                                                                stopped: None) -> None:
    """The kiosk's services stop the environment itself (not through stop_demo()): the
    next prepare must configure a fresh demo, not return the stopped one."""
    first = BackendServices()
    assert first.prepare_demo()["success"]
    prepared = demo._current
    assert prepared is not None
    first.stop_demo()
    assert demo._current is None
    second = demo.prepare_demo(tmp_path / "again")
    assert second is not prepared and all(os.environ.get(name) for name in DEMO_VARS)
