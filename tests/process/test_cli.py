"""The `charter-kiosk` entry point: headless commands never load Qt; secrets never echo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.cli import main
from tests.support.imports import imports_of, modules_under
from tests.support.paths import REPO


def run_python(code: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CHARTER_KIOSK_HOME": str(home), **env}
    full_env.pop("QT_QPA_PLATFORM", None)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full_env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_no_backend_module_imports_the_gui() -> None:
    """The relay host and `check` run without Qt: nothing under backend/ may import
    kiosk or PySide6, not even inside a function."""
    found = [f"{path.relative_to(REPO)}:{imp.lineno} {imp.module}"
             for name, path in modules_under(REPO, ["backend"]).items()
             for imp in imports_of(name, path)
             if imp.module.split(".")[0] in ("kiosk", "PySide6")]
    assert not found, found


def test_the_backend_alone_refuses_the_window_commands(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["display"]) == 2
    assert "kiosk.cli" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["check", "--offline", "--json"], ["relay", "kiosks"],
                                  ["reconcile", "--json"], ["secrets", "list"], ["--version"]])
def test_headless_commands_never_import_qt(argv: list[str], tmp_path: Path) -> None:
    code = ("import sys\nfrom kiosk.cli import main\n"  # the real entry point
            f"try:\n    code = main({argv!r})\nexcept SystemExit as e:\n    code = e.code\n"
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt was loaded'\n"
            "print('exit', code)\n")
    result = run_python(code, tmp_path)
    assert "Qt was loaded" not in result.stderr, result.stderr
    assert "exit" in result.stdout, result.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("charter-kiosk ")


def test_secrets_set_prompts_and_never_prints_the_value(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str],
                                                        hermetic: Any) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "sk_test_cli_value_123456")
    assert main(["secrets", "set", "STRIPE_SECRET_KEY_TEST"]) == 0
    assert hermetic.store[("charter-kiosk", "STRIPE_SECRET_KEY_TEST")] == "sk_test_cli_value_123456"
    assert main(["secrets", "list"]) == 0
    out = capsys.readouterr().out
    assert "sk_test_cli_value_123456" not in out
    assert "STRIPE_SECRET_KEY_TEST" in out and "keyring" in out
    assert main(["secrets", "delete", "STRIPE_SECRET_KEY_TEST"]) == 0
    assert ("charter-kiosk", "STRIPE_SECRET_KEY_TEST") not in hermetic.store


def test_unknown_secret_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["secrets", "set", "MY_PASSWORD"]) == 2
    assert "not a known secret" in capsys.readouterr().err


def test_export_writes_csv(kiosk_env: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from backend import charter

    charter.record_cash_gift("20")
    target = tmp_path / "out.csv"
    assert main(["export", str(target)]) == 0
    assert "Wrote 1 ledger entries" in capsys.readouterr().out
    assert target.read_text().count("\n") == 2


def test_export_to_a_missing_folder_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "/nonexistent-dir/x.csv"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_terminal_demo_walks_a_card_and_a_crypto_gift(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "--demo", "--terminal"], cwd=REPO,
                            env={**os.environ, "CHARTER_KIOSK_HOME": str(tmp_path)}, text=True,
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Total before: $0.00" in result.stdout
    assert "Total after: $35.00 from 2 gifts" in result.stdout
    assert json.loads(result.stdout.split("gifts ", 1)[1].splitlines()[0]) == {
        "card": 2500, "crypto": 1000, "cash": 0}


def test_the_demo_never_writes_into_a_real_kiosks_records(tmp_path: Path) -> None:
    from backend.settings import write_settings

    tmp_path = tmp_path / "real-kiosk"
    tmp_path.mkdir()
    write_settings({"campaign": {"id": "real-campaign", "currency": "usd"}},
                   tmp_path / "kiosk.toml")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "--demo", "--terminal"], cwd=REPO,
                            env={**os.environ, "CHARTER_KIOSK_HOME": str(tmp_path)}, text=True,
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    after = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("demo", "logs"))
    assert after == before == ["kiosk.toml"]  # no kiosk database appeared beside the real config
    assert list((tmp_path / "demo").glob("kiosk*.sqlite3"))


@pytest.mark.parametrize(("argv", "window_argv"), [
    (["--windowed", "--size", "1024x600"], ["--windowed", "--size", "1024x600"]),
    (["--screen", "1", "--hide-cursor"], ["--hide-cursor", "--screen", "1"]),
    (["--demo", "--windowed"], ["--demo", "--windowed"]),
    (["display", "--windowed", "--size", "1080x1920"],
     ["display", "--windowed", "--size", "1080x1920"]),
    (["--windowed", "display", "--screen", "0"], ["display", "--windowed", "--screen", "0"]),
    (["display", "--demo", "--size", "800X480"], ["display", "--demo", "--size", "800x480"]),
])
def test_every_window_flag_reaches_the_window(argv: list[str], window_argv: list[str]) -> None:
    from backend.cli import main

    seen: list[list[str]] = []
    assert main(argv, run_window=lambda args: seen.append(args) or 0) == 0
    assert seen == [window_argv]


@pytest.mark.parametrize(("argv", "words"), [
    (["--size", "big"], "'big' is not a size"), (["--size", "0x600"], "is not a size"),
    (["display", "--screen", "-1"], "is not a screen number"),
])
def test_a_bad_window_flag_is_refused_before_any_window(
        argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    from backend.cli import main

    assert main(argv, run_window=lambda args: pytest.fail("no window for a bad flag")) == 2
    assert words in capsys.readouterr().err
