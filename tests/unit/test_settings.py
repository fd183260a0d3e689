"""Settings: kiosk.toml in CHARTER_KIOSK_HOME, environment overrides, clear errors."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from backend import settings as settings_mod
from backend.result import UserError
from backend.settings import get_settings, load_settings, write_settings


def _home() -> Path:
    return Path(os.environ["CHARTER_KIOSK_HOME"])


def test_defaults_without_a_file() -> None:
    assert not (_home() / "kiosk.toml").exists()
    s = load_settings()
    assert s.campaign_id == "default-campaign"
    assert s.currency == "usd"
    assert s.mode == "test"
    assert s.goal == Decimal("10000")
    assert s.max_amount == Decimal("10000")
    assert s.presets == (Decimal(10), Decimal(25), Decimal(50), Decimal(100))
    assert s.coins == settings_mod.DEFAULT_COINS
    assert (s.stripe_api_base, s.nowpayments_api_base, s.relay_url) == (None, None, None)
    assert s.data_path == _home()
    assert settings_mod.data_dir() == _home()
    assert settings_mod.log_dir() == _home() / "logs"


def test_reads_kiosk_toml() -> None:
    (_home() / "kiosk.toml").write_text(
        """
[campaign]
id = "gala-2026"
name = "Spring \\"Gala\\""
currency = "EUR"
goal = "25000.50"
max_amount = 500
presets = [5, "7.50", 20]
coins = ["BTC", "eth"]
tagline = "Thank you"

[kiosk]
id = "lobby"
mode = "live"

[endpoints]
stripe_api_base = "http://127.0.0.1:9001"
nowpayments_api_base = "http://127.0.0.1:9002"
relay_url = "https://relay.example.org"

[display]
theme = "dark"
""",
        encoding="utf-8",
    )
    s = load_settings()
    assert s.campaign_id == "gala-2026"
    assert s.campaign_name == 'Spring "Gala"'
    assert s.currency == "eur"
    assert s.goal == Decimal("25000.50")
    assert s.max_amount == Decimal(500)
    assert s.presets == (Decimal(5), Decimal("7.50"), Decimal(20))
    assert s.coins == ("btc", "eth")
    assert s.tagline == "Thank you"
    assert s.kiosk_id == "lobby"
    assert s.mode == "live"
    assert s.stripe_api_base == "http://127.0.0.1:9001"
    assert s.nowpayments_api_base == "http://127.0.0.1:9002"
    assert s.relay_url == "https://relay.example.org"
    assert s.extra == {"display": {"theme": "dark"}}


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    write_settings({"kiosk": {"mode": "test"},
                    "endpoints": {"stripe_api_base": "http://file", "nowpayments_api_base": "http://file",
                                  "relay_url": "http://file"}})
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:1111")
    monkeypatch.setenv("NOWPAYMENTS_API_BASE", "http://127.0.0.1:2222")
    monkeypatch.setenv("CHARTER_RELAY_URL", "http://127.0.0.1:3333")
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "live")
    s = get_settings()
    assert s.stripe_api_base == "http://127.0.0.1:1111"
    assert s.nowpayments_api_base == "http://127.0.0.1:2222"
    assert s.relay_url == "http://127.0.0.1:3333"
    assert s.mode == "live"
    monkeypatch.delenv("CHARTER_KIOSK_MODE")
    monkeypatch.delenv("STRIPE_API_BASE")
    s = get_settings()
    assert s.mode == "test"
    assert s.stripe_api_base == "http://file"


def test_home_variable_moves_the_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other-home"
    write_settings({"campaign": {"id": "first"}})
    assert get_settings().campaign_id == "first"
    monkeypatch.setenv("CHARTER_KIOSK_HOME", str(other))
    assert get_settings().campaign_id == "default-campaign"
    assert other.is_dir()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[campaign\nid = 1", "not valid TOML"),
        ("[campaign]\nid = ", "not valid TOML"),
        ("\xff\xfe", "not valid TOML"),
        ("[kiosk]\nmode = \"production\"", "'test' or 'live'"),
        ("[kiosk]\nmode = 1", "'test' or 'live'"),
        ("[campaign]\ngoal = 100.5", "campaign.goal must be an integer or a quoted decimal"),
        ("[campaign]\ngoal = true", "campaign.goal must be"),
        ("[campaign]\ngoal = \"lots\"", "campaign.goal is not a number"),
        ("[campaign]\nmax_amount = 1e3", "campaign.max_amount must be"),
        ("[campaign]\npresets = [5, 10.5]", "campaign.presets must be"),
    ],
)
def test_bad_files_are_user_errors(text: str, fragment: str) -> None:
    path = _home() / "kiosk.toml"
    if text == "\xff\xfe":
        path.write_bytes(b"\xff\xfe[\x00")
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=fragment):
        load_settings()
    with pytest.raises(UserError, match=fragment):
        get_settings()


def test_bad_mode_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "LIVE")
    with pytest.raises(UserError, match="'test' or 'live'"):
        get_settings()


def test_get_settings_cache_follows_the_file() -> None:
    write_settings({"campaign": {"id": "one", "currency": "usd"}})
    first = get_settings()
    assert first.campaign_id == "one"
    assert get_settings() is first  # cached while nothing changed
    write_settings({"campaign": {"id": "two", "currency": "usd"}})  # same size, maybe same mtime tick
    assert get_settings().campaign_id == "two"
    (_home() / "kiosk.toml").write_text('[campaign]\nid = "three-edited-by-hand"\n', encoding="utf-8")
    assert get_settings().campaign_id == "three-edited-by-hand"
    (_home() / "kiosk.toml").unlink()
    assert get_settings().campaign_id == "default-campaign"


def test_write_settings_round_trip(tmp_path: Path) -> None:
    path = write_settings(
        {"campaign": {"id": 'a "quoted" \\ id', "goal": 500, "coins": ["btc", "xrp"], "flag": True}},
        path=tmp_path / "k.toml",
    )
    s = load_settings(path)
    assert s.campaign_id == 'a "quoted" \\ id'
    assert s.goal == Decimal(500)
    assert s.coins == ("btc", "xrp")


def test_the_default_kiosk_id_comes_from_the_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from backend.settings import load_settings

    monkeypatch.setattr(socket, "gethostname", lambda: "Lobby PC #2.local")
    assert load_settings().kiosk_id == "kiosk-lobby-pc-2-local"
