"""`charter-kiosk check`: each group passes when things are right and fails with a fix when not."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from backend import charter, nowpayments_api, stripe_api
from backend.check import run_checks
from backend.cli import main
from backend.db import database_path
from backend.models import CampaignTotal


def by_name(checks: list[Any]) -> dict[str, Any]:
    return {f"{c.group}:{c.name}": c for c in checks}


def test_a_configured_kiosk_passes_offline(kiosk_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "All checks passed." in out
    assert "FAIL" not in out


def test_json_output_is_machine_readable(kiosk_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--offline", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    groups = {c["group"] for c in report["checks"]}
    assert {"functions", "database", "secrets", "pending", "errors"} <= groups
    for check in report["checks"]:
        assert check["status"] in ("pass", "warn", "skip")


def test_online_checks_reach_the_providers(kiosk_env: Any) -> None:
    checks = by_name(run_checks(offline=False))
    assert checks["services:stripe"].status == "pass"
    assert checks["services:nowpayments"].status == "pass"
    assert checks["services:relay"].status == "warn"  # none configured in this test


def test_a_refused_key_fails_the_stripe_check(kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "sk_test_not_the_sandbox_key")
    checks = by_name(run_checks(offline=False))
    assert checks["services:stripe"].status == "fail"
    assert "sk_test_not_the_sandbox_key" not in checks["services:stripe"].detail


def test_unreachable_relay_fails_with_a_fix(kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_RELAY_URL", "http://127.0.0.1:9")
    checks = by_name(run_checks(offline=False))
    assert checks["services:relay"].status == "fail"
    assert checks["services:relay"].fix


def test_missing_secret_fails_naming_it(kiosk_env: Any, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NOWPAYMENTS_API_KEY_TEST")
    assert main(["check", "--offline"]) == 1
    out = capsys.readouterr().out
    assert "NOWPAYMENTS_API_KEY_TEST — missing" in out
    assert "fix: charter-kiosk secrets set NOWPAYMENTS_API_KEY_TEST" in out


def test_secret_values_never_printed(kiosk_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--json"])
    out = capsys.readouterr().out
    config = kiosk_env.config
    for value in (config.stripe_secret_key, config.nowpayments_api_key, config.stripe_webhook_secret):
        assert value not in out


def test_live_key_in_test_mode_fails(kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "sk_live_" + "a" * 24)
    assert by_name(run_checks(offline=True))["secrets:stripe mode"].status == "fail"


def test_full_live_key_on_a_kiosk_warns(kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "live")
    monkeypatch.setenv("STRIPE_SECRET_KEY_LIVE", "sk_live_" + "b" * 24)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY_LIVE", "pk_test_" + "c" * 24)
    checks = by_name(run_checks(offline=True))
    assert checks["secrets:stripe key scope"].status == "warn"
    assert "rk_live_" in checks["secrets:stripe key scope"].fix
    assert checks["secrets:stripe keys mixed"].status == "warn"
    assert checks["secrets:mode"].detail == "live mode"


def test_missing_keyring_backend_warns(kiosk_env: Any) -> None:
    keyring.set_keyring(FailKeyring())
    assert by_name(run_checks(offline=True))["secrets:keyring"].status == "warn"


def test_kept_total_drift_fails(kiosk_env: Any) -> None:
    charter.record_cash_gift("10")
    CampaignTotal.update(total_minor=CampaignTotal.total_minor + 1).execute()
    assert by_name(run_checks(offline=True))["database:total"].status == "fail"


def test_bad_input_check_writes_nothing(kiosk_env: Any) -> None:
    assert by_name(run_checks(offline=True))["errors:bad input refused"].status == "pass"


def _every_row(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read through a connection of its own (committed data only)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        # Table names from sqlite_master, not from input.
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr)  # noqa: S608
                for t in tables}
    finally:
        conn.close()


def _kiosk_with_records(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kiosk's database with a cash gift waiting for the relay, an open card payment and an
    open crypto payment: rows in the ledger, donation, outbox and payment tables."""
    with monkeypatch.context() as relay_down:
        relay_down.setenv("CHARTER_RELAY_URL", "http://127.0.0.1:9")  # the gift stays queued
        assert charter.record_cash_gift("10", display_name="Ada")["success"]
    assert charter.fiat_button_click("25", "card")["success"]
    assert charter.crypto_button_click("15", "btc")["success"]
    path = database_path()
    assert path is not None
    rows = _every_row(path)
    for table in ("ledger_entry", "donation", "outbox", "campaign_total", "contribution_intent",
                  "stripe_payment", "crypto_payment"):
        assert rows[table], table  # the snapshot below would see a change to each of these
    return path


@pytest.mark.parametrize("offline", [True, False])
def test_check_writes_nothing_to_the_kiosks_database(kiosk_env: Any, offline: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = _kiosk_with_records(monkeypatch)
    before = _every_row(path)
    checks = run_checks(offline=offline)
    assert not [c for c in checks if c.status == "fail"], checks
    assert by_name(checks)["errors:bad input refused"].status == "pass"
    assert _every_row(path) == before


@pytest.mark.parametrize(("module", "probe"), [
    (stripe_api, "card -5"), (nowpayments_api, "crypto 0.5 (a float)"), (charter, "cash 1.001")])
def test_a_broken_amount_check_fails_check_and_still_writes_nothing(
        kiosk_env: Any, monkeypatch: pytest.MonkeyPatch, module: Any, probe: str) -> None:
    path = _kiosk_with_records(monkeypatch)
    before = _every_row(path)
    # The regression `check` is there to catch: an amount reader that accepts anything.
    monkeypatch.setattr(module, "to_minor", lambda value, currency, **kw: 100)
    failed = by_name(run_checks(offline=True))["errors:bad input refused"]
    assert _every_row(path) == before
    assert failed.status == "fail"
    assert failed.detail == f"accepted: {probe}"
    if module is charter:
        # The same regression lets the real cash path write: `check` probes what it uses.
        assert charter.record_cash_gift("1.001")["success"]
        assert len(_every_row(path)["donation"]) == len(before["donation"]) + 1


def test_usage_error_exits_2() -> None:
    assert main(["check", "--no-such-flag"]) == 2


def test_relay_checks_against_a_real_relay(kiosk_env: Any, tmp_path: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.relay import tokens
    from backend.relay.server import RelayServer

    url = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    config = kiosk_env.config
    with RelayServer(url, stripe_secrets=[config.stripe_webhook_secret],
                     nowpayments_secrets=[config.nowpayments_ipn_secret]) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        monkeypatch.setenv("RELAY_TOKEN", tokens.add_kiosk(url, "kiosk-a"))
        checks = by_name(run_checks(offline=False))
        assert checks["services:relay"].status == "pass"
        assert checks["services:relay token"].status == "pass"
        assert "services:relay STRIPE_WEBHOOK_SECRET" not in checks
        assert checks["secrets:RELAY_TOKEN"].status == "pass"
        tokens.revoke_kiosk(url, "kiosk-a")
        checks = by_name(run_checks(offline=False))
        assert checks["services:relay token"].status == "fail"
        assert "add-kiosk" in checks["services:relay token"].fix or "RELAY_TOKEN" in \
            checks["services:relay token"].fix


def test_a_card_only_kiosk_passes_without_the_ipn_secret_but_hears_of_a_silent_relay(
        kiosk_env: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.relay import tokens
    from backend.relay.server import RelayServer
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "gala", "currency": "usd", "coins": []},
                    "kiosk": {"id": "kiosk-a", "mode": "test"}})
    url = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    with RelayServer(url, stripe_secrets=[kiosk_env.config.stripe_webhook_secret],
                     nowpayments_secrets=[]) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        monkeypatch.setenv("RELAY_TOKEN", tokens.add_kiosk(url, "kiosk-a"))
        checks = by_name(run_checks(offline=False))
    assert checks["services:relay NOWPAYMENTS_IPN_SECRET_TEST"].status == "warn"
    assert checks["services:relay events"].status == "warn"
    assert "test webhook" in checks["services:relay events"].fix
    assert not [c for c in checks.values() if c.status == "fail"], checks


def test_the_sweep_prefers_the_live_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.relay.sweep import sweep_client

    assert sweep_client() is None
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "rk_test_" + "t" * 24)
    monkeypatch.setenv("STRIPE_SECRET_KEY_LIVE", "rk_live_" + "l" * 24)
    client = sweep_client()
    assert client is not None
    assert client._requestor.api_key == "rk_live_" + "l" * 24  # type: ignore[attr-defined]
