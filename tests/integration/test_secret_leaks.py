"""No configured secret value ever reaches the log file, the database, the config or an error.

Throwaway secrets, some in the environment and some in the (in-memory) keyring,
configure a kiosk against the real provider sandbox and a real relay. The
backend is then driven through success and failure: card and crypto gifts,
every provider fault, forged and malformed webhooks, a live key in test mode, a
wrong key, the full online `check`, and exceptions that carry a secret in their
message. Afterwards every file under the data directory and the log folder
(the SQLite files with their -wal and -shm read as raw bytes, every row and
column read through sqlite3) and every answer a person could see must be free of
every secret, and of any 10-character piece of its random part.
"""

from __future__ import annotations

import json
import logging
import secrets as pysecrets
import sqlite3
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backend import charter, check, nowpayments_api, stripe_api
from backend.logs import setup_logging
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.sandbox import SandboxConfig, SandboxServer
from backend.settings import data_dir, log_dir, write_settings
from tests.support.memory_keyring import MemoryKeyring
from tests.support.relay import nowpayments_headers, nowpayments_ipn, stripe_event, stripe_headers

WINDOW = 10  # a run of this many characters of a secret's random part counts as a leak
ALPHABET = string.ascii_letters + string.digits

CAMPAIGN = {"id": "leak-gala", "name": "Leak Gala", "currency": "usd", "goal": "5000",
            "max_amount": "1000", "presets": ["10", "25", "50", "100"], "coins": ["btc", "eth", "xrp"]}


def _secret(prefix: str) -> str:
    return prefix + "".join(pysecrets.choice(ALPHABET) for _ in range(28))


@dataclass
class LeakEnv:
    sandbox: SandboxServer
    relay: RelayServer
    log_file: Path
    secrets: dict[str, str]  # name -> value, every one configured somewhere
    prefixes: dict[str, str]
    answers: list[Any] = field(default_factory=list)  # everything a person could be shown

    def needles(self) -> dict[str, list[str]]:
        """Per secret: the whole value and every WINDOW-long piece of its random part."""
        found: dict[str, list[str]] = {}
        for name, value in self.secrets.items():
            random_part = value[len(self.prefixes.get(name, "")):]
            pieces = {random_part[i:i + WINDOW] for i in range(len(random_part) - WINDOW + 1)}
            found[name] = [value, *sorted(pieces)]
        return found

    def keep(self, answer: Any) -> Any:
        self.answers.append(answer)
        return answer


@pytest.fixture
def leak_env(hermetic: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeakEnv]:
    prefixes = {
        "STRIPE_SECRET_KEY_TEST": "sk_test_",
        "STRIPE_PUBLISHABLE_KEY_TEST": "pk_test_",
        "STRIPE_SECRET_KEY_LIVE": "rk_live_",
        "STRIPE_WEBHOOK_SECRET": "whsec_",
        "STRIPE_WEBHOOK_SECRET_PREVIOUS": "whsec_",
        "NOWPAYMENTS_API_KEY_TEST": "NP-",
        "NOWPAYMENTS_IPN_SECRET_TEST": "ipn_",
    }
    values = {name: _secret(prefix) for name, prefix in prefixes.items()}
    config = SandboxConfig(
        stripe_secret_key=values["STRIPE_SECRET_KEY_TEST"],
        stripe_publishable_key=values["STRIPE_PUBLISHABLE_KEY_TEST"],
        stripe_webhook_secret=values["STRIPE_WEBHOOK_SECRET"],
        nowpayments_api_key=values["NOWPAYMENTS_API_KEY_TEST"],
        nowpayments_ipn_secret=values["NOWPAYMENTS_IPN_SECRET_TEST"],
    )
    logger = logging.getLogger("charter")
    saved_handlers = list(logger.handlers)
    saved_level = logger.level
    saved_flag = getattr(logger, "_charter_configured", False)
    logger.handlers[:] = []
    logger._charter_configured = False  # type: ignore[attr-defined]

    with SandboxServer(config) as sandbox, RelayServer(
        stripe_secrets=[values["STRIPE_WEBHOOK_SECRET"]],
        nowpayments_secrets=[values["NOWPAYMENTS_IPN_SECRET_TEST"]],
    ) as relay:
        write_settings({"campaign": CAMPAIGN, "kiosk": {"id": "kiosk-leak", "mode": "test"}})
        monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
        monkeypatch.setenv("NOWPAYMENTS_API_BASE", sandbox.url)
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        # Providers deliver their webhooks to the relay, as in a deployment.
        sandbox.set_webhook_urls(stripe=f"{relay.url}/v1/webhooks/stripe",
                                 nowpayments=f"{relay.url}/v1/webhooks/nowpayments")
        values["RELAY_TOKEN"] = tokens.add_kiosk(relay.relay.store, "kiosk-leak")
        # Half in the environment, half in the keyring: both paths must stay quiet.
        for name in ("STRIPE_SECRET_KEY_TEST", "STRIPE_PUBLISHABLE_KEY_TEST", "STRIPE_WEBHOOK_SECRET"):
            monkeypatch.setenv(name, values[name])
        for name in ("STRIPE_SECRET_KEY_LIVE", "STRIPE_WEBHOOK_SECRET_PREVIOUS", "NOWPAYMENTS_API_KEY_TEST",
                     "NOWPAYMENTS_IPN_SECRET_TEST", "RELAY_TOKEN"):
            hermetic.set_password("charter-kiosk", name, values[name])
        # BASE_URL is configured too but is public by design: it is the relay's address,
        # printed into every checkout link.
        monkeypatch.setenv("BASE_URL", relay.url)
        log_file = setup_logging(verbose=True, to_stderr=False)
        try:
            yield LeakEnv(sandbox, relay, log_file, values, prefixes)
        finally:
            for handler in logger.handlers:
                handler.close()
            logger.handlers[:] = saved_handlers
            logger.setLevel(saved_level)
            logger._charter_configured = saved_flag  # type: ignore[attr-defined]


def _wait(poll: Callable[[], dict[str, Any]], want: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    answer = poll()
    while time.monotonic() < deadline:
        answer = poll()
        if answer["success"] and answer["data"].get("status") == want:
            return answer
        time.sleep(0.1)
    return answer


def _drive_successes(env: LeakEnv) -> None:
    keep = env.keep
    assert keep(charter.on_ready())["success"]
    # The publishable key is the one value meant to be handed out (to a browser): not kept.
    publishable = stripe_api.get_publishable_key()
    assert publishable["data"]["publishable_key"] == env.secrets["STRIPE_PUBLISHABLE_KEY_TEST"]

    card = keep(charter.fiat_button_click("25", "card"))
    assert card["success"], card
    session_id = card["data"]["session_id"]
    env.sandbox.pay_stripe_session(session_id)  # signed webhook to the relay
    assert keep(_wait(lambda: stripe_api.get_payment_status(session_id), "paid"))["success"]

    crypto = keep(charter.crypto_button_click("10", "btc"))
    assert crypto["success"], crypto
    payment_id = crypto["data"]["payment_id"]
    env.sandbox.set_nowpayments_status(payment_id, "finished")
    assert keep(_wait(lambda: nowpayments_api.get_invoice_status(payment_id), "paid"))["success"]

    keep(charter.redirect_back_to_charter("25", "card"))
    total = keep(charter.get_cumulative_total())
    assert total["data"]["total_minor"] == 3500, total

    # A correctly signed webhook, straight to the kiosk's handler.
    body = stripe_event(obj={"id": session_id, "object": "checkout.session"})
    keep(charter.after_payment_webhook(body, stripe_headers(body, env.secrets["STRIPE_WEBHOOK_SECRET"])))
    ipn = nowpayments_ipn(payment_id, "finished")
    keep(charter.after_payment_webhook(
        ipn, nowpayments_headers(ipn, env.secrets["NOWPAYMENTS_IPN_SECRET_TEST"])))


def _drive_failures(env: LeakEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = env.keep
    # Every provider fault, for both providers.
    for mode in ("down", "rate_limit", "error500"):
        env.sandbox.set_fault(provider="all", mode=mode)
        assert not keep(charter.fiat_button_click("12", "card"))["success"]
        assert not keep(charter.crypto_button_click("12", "eth"))["success"]
        keep(stripe_api.get_payment_status("cs_test_" + "a" * 24))
        keep(nowpayments_api.get_invoice_status("5077125051"))
    env.sandbox.set_fault(provider="all", mode="none")

    # Forged, stale and malformed webhooks.
    body = stripe_event()
    forged_key = _secret("whsec_")
    for headers in (stripe_headers(body, forged_key),
                    stripe_headers(body, env.secrets["STRIPE_WEBHOOK_SECRET"], timestamp=1_000_000_000),
                    {"Stripe-Signature": "t=1,v1=00"}, {"Stripe-Signature": ""}, {}):
        assert not keep(charter.after_payment_webhook(body, headers))["success"]
    ipn = nowpayments_ipn(status="finished")
    for headers in (nowpayments_headers(ipn, forged_key), {"x-nowpayments-sig": "0" * 128}):
        assert not keep(charter.after_payment_webhook(ipn, headers))["success"]
    keep(charter.after_payment_webhook(b"{not json", stripe_headers(b"{not json",
                                                                   env.secrets["STRIPE_WEBHOOK_SECRET"])))

    # A live key in test mode, then a well-formed key the provider refuses.
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", env.secrets["STRIPE_SECRET_KEY_LIVE"])
    assert not keep(charter.fiat_button_click("15", "card"))["success"]
    env.answers.extend(asdict(c) for c in check.run_checks(offline=False))
    wrong = _secret("sk_test_")
    env.secrets["WRONG_STRIPE_KEY"] = wrong
    env.prefixes["WRONG_STRIPE_KEY"] = "sk_test_"
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", wrong)
    assert not keep(charter.fiat_button_click("15", "card"))["success"]
    env.answers.extend(asdict(c) for c in check.run_checks(offline=False))
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", env.secrets["STRIPE_SECRET_KEY_TEST"])

    # An unexpected exception carrying the key, inside a public function.
    def exploding_client(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError(f"connection pool broke holding {env.secrets['STRIPE_SECRET_KEY_TEST']}")

    with monkeypatch.context() as patch:
        patch.setattr(stripe_api, "stripe_client", exploding_client)
        assert not keep(charter.fiat_button_click("20", "card"))["success"]

    # The full online check with everything configured.
    env.answers.extend(asdict(c) for c in check.run_checks(offline=False))

    # Code that logs a secret by mistake, in the message, the arguments and the traceback.
    log = logging.getLogger("charter.x")
    for name, value in env.secrets.items():
        try:
            raise ValueError(f"bad {name}: {value}") from KeyError(value)
        except ValueError:
            log.exception("while using %s=%s", name, value)
        log.warning(f"formatted straight in: {value}")


def _files_under(*roots: Path) -> list[Path]:
    seen: set[Path] = set()
    for root in roots:
        if root.exists():
            seen.update(p for p in root.rglob("*") if p.is_file())
    return sorted(seen)


def _sqlite_cells(path: Path) -> Iterator[tuple[str, str, Any]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from sqlite_master)
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, cell in zip(columns, row, strict=True):
                    yield table, column, cell
    finally:
        conn.close()


def _leaks_in(text: str | bytes, needles: dict[str, list[str]]) -> list[str]:
    found = []
    for name, pieces in needles.items():
        for piece in pieces:
            hit = piece.encode() in text if isinstance(text, bytes) else piece in text
            if hit:
                found.append(f"{name} ({'whole value' if piece == pieces[0] else repr(piece)})")
                break
    return found


@pytest.mark.slow
def test_no_secret_reaches_logs_database_or_errors(leak_env: LeakEnv,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env = leak_env
    _drive_successes(env)
    _drive_failures(env, monkeypatch)
    for handler in logging.getLogger("charter").handlers:
        handler.flush()
    from backend.db import close_database

    close_database()  # checkpoint nothing away: the -wal is read as it stands, then the main file
    needles = env.needles()

    problems: list[str] = []
    files = _files_under(data_dir(), log_dir())
    assert env.log_file in files
    sqlite_files = [p for p in files if p.name.endswith(".sqlite3")]
    assert {p.name for p in sqlite_files} >= {"kiosk-test.sqlite3", "relay.sqlite3"}, files
    for path in files:
        problems += [f"{path.name}: {leak}" for leak in _leaks_in(path.read_bytes(), needles)]
    for path in sqlite_files:
        for table, column, cell in _sqlite_cells(path):
            text = cell if isinstance(cell, str | bytes) else str(cell)
            problems += [f"{path.name} {table}.{column}: {leak}" for leak in _leaks_in(text, needles)]
    shown = json.dumps(env.answers, default=str)
    problems += [f"an answer: {leak}" for leak in _leaks_in(shown, needles)]
    assert not problems, "secrets leaked:\n" + "\n".join(problems)

    # The test did reach what it claims to: real logging, errors and redaction happened.
    log_text = env.log_file.read_text(encoding="utf-8")
    assert log_text.count("[redacted]") >= 2 * len(env.secrets)
    assert "Traceback" in log_text
    errors = [a["error"] for a in env.answers if isinstance(a, dict) and a.get("success") is False]
    assert len(errors) >= 15
    assert any("live" in e for e in errors), errors
    check_rows = [a for a in env.answers if isinstance(a, dict) and "group" in a]
    assert any(r["group"] == "services" and r["status"] == "fail" for r in check_rows)
    assert any(r["name"] == "relay token" and r["status"] == "pass" for r in check_rows), check_rows


@pytest.mark.slow
def test_error_screens_show_no_secret(leak_env: LeakEnv, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screens a donor sees when paying fails: their texts carry no secret."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

    from kiosk.app import create_window
    from tests.gui.conftest import FAST, tap

    env = leak_env
    window = create_window(["--windowed", "--size", "1280x800"], timings=FAST)
    try:
        qtbot.waitUntil(lambda: window.is_ready, timeout=15_000)

        def screen() -> str:
            return window.stack.currentWidget().objectName()

        def texts(root: QWidget) -> list[str]:
            found = [root.accessibleName(), root.accessibleDescription(), root.toolTip()]
            for label in root.findChildren(QLabel):
                found += [label.text(), label.accessibleName(), label.toolTip()]
            for button in root.findChildren(QAbstractButton):
                found += [button.text(), button.accessibleName()]
            # As a person reads it: the zero-width spaces that let long words wrap are
            # invisible, and must not hide a secret from this check.
            return [text.replace("\u200b", "") for text in found]

        def pay_by_card_and_read_error() -> list[str]:
            tap(qtbot, window, "startButton")
            qtbot.waitUntil(lambda: screen() == "amountScreen", timeout=10_000)
            tap(qtbot, window, "amountButton_25")
            qtbot.waitUntil(lambda: screen() == "methodScreen", timeout=10_000)
            tap(qtbot, window, "payCardButton")
            qtbot.waitUntil(lambda: screen() == "errorScreen", timeout=20_000)
            shown = texts(window)
            message = window.findChild(QLabel, "errorLabel")
            assert message is not None and message.text().strip()
            tap(qtbot, window, "errorHomeButton")
            qtbot.waitUntil(lambda: screen() == "attractScreen", timeout=10_000)
            return shown

        shown: list[str] = texts(window)
        env.sandbox.set_fault(provider="all", mode="down")
        shown += pay_by_card_and_read_error()
        env.sandbox.set_fault(provider="all", mode="none")
        monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", env.secrets["STRIPE_SECRET_KEY_LIVE"])
        shown += pay_by_card_and_read_error()
        wrong = _secret("sk_test_")
        env.secrets["WRONG_STRIPE_KEY"] = wrong
        env.prefixes["WRONG_STRIPE_KEY"] = "sk_test_"
        monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", wrong)
        shown += pay_by_card_and_read_error()
        monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", env.secrets["STRIPE_SECRET_KEY_TEST"])

        def exploding_client(*_args: object, **_kwargs: object) -> object:
            raise RuntimeError(f"pool broke holding {env.secrets['STRIPE_SECRET_KEY_TEST']}")

        with monkeypatch.context() as patch:
            patch.setattr(stripe_api, "stripe_client", exploding_client)
            shown += pay_by_card_and_read_error()
    finally:
        window.shutdown()  # type: ignore[attr-defined]
        window._allow_close = True  # type: ignore[attr-defined]
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    assert any("live" in text for text in shown), shown
    leaks = _leaks_in("\n".join(t for t in shown if t), env.needles())
    assert not leaks, f"on screen: {leaks}"
    for handler in logging.getLogger("charter").handlers:
        handler.flush()
    log_leaks = _leaks_in(env.log_file.read_bytes(), env.needles())
    assert not log_leaks, f"in the log: {log_leaks}"
