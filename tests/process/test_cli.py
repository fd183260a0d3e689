"""The `charter-kiosk` entry point: headless commands never load Qt; secrets never echo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend.cli import main
from tests.support.imports import imports_of, modules_under
from tests.support.paths import REPO


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


HEADLESS = [["check", "--offline", "--json"], ["relay", "kiosks"], ["reconcile", "--json"],
            ["secrets", "list"], ["--version"]]

# One process runs every headless command in turn, each in its own data directory, and
# reports after each which Qt modules are loaded so far: a command that loads Qt is the first
# one reported with any (a fresh process per command cost ~0.2 s of CPU each).
HEADLESS_RUN = """
import json, os, sys
from kiosk.cli import main  # the real entry point
for argv, home in json.loads(sys.argv[1]):
    os.environ["CHARTER_KIOSK_HOME"] = home
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    except Exception as e:
        code = f"raised {e!r}"
    if "backend.db" in sys.modules:
        sys.modules["backend.db"].close_database()  # the next command opens its own
    qt = sorted(m for m in sys.modules if m.startswith("PySide6"))
    print("RESULT", json.dumps({"argv": argv, "exit": code, "qt": qt}), flush=True)
"""


def test_headless_commands_never_import_qt(tmp_path: Path) -> None:
    plan = [(argv, str(tmp_path / f"home-{n}")) for n, argv in enumerate(HEADLESS)]
    env = dict(os.environ)  # the hermetic fixture has taken out every secret and endpoint
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-c", HEADLESS_RUN, json.dumps(plan)], cwd=REPO,
                          env=env, text=True, capture_output=True, timeout=120, check=False)
    results = [json.loads(line.removeprefix("RESULT "))
               for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert [r["argv"] for r in results] == HEADLESS, done.stderr  # every command ran
    loading_qt = [(r["argv"], r["qt"]) for r in results if r["qt"]]
    assert not loading_qt, f"Qt was loaded, first after {loading_qt[0][0]}: {loading_qt[0][1][:2]}"
    raised = [(r["argv"], r["exit"]) for r in results if str(r["exit"]).startswith("raised")]
    assert not raised, done.stderr


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
    """The installed `charter-kiosk` command, as a person runs it: its own process, its exit
    code, and what it prints."""
    script = shutil.which("charter-kiosk", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the charter-kiosk console script is not installed beside this Python "
                    "(uv sync installs it)")
    result = subprocess.run([script, "--demo", "--terminal"], cwd=REPO,
                            env={**os.environ, "CHARTER_KIOSK_HOME": str(tmp_path)}, text=True,
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Total before: $0.00" in result.stdout
    assert "Total after: $35.00 from 2 gifts" in result.stdout
    assert json.loads(result.stdout.split("gifts ", 1)[1].splitlines()[0]) == {
        "card": 2500, "crypto": 1000, "cash": 0}


def test_the_demo_never_writes_into_a_real_kiosks_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Where the demo writes is a matter of paths, not of being a process: the entry point runs
    here, on a data directory that holds a real kiosk's settings."""
    from backend.settings import write_settings
    from kiosk.cli import main as kiosk_main

    home = tmp_path / "real-kiosk"
    home.mkdir()
    write_settings({"campaign": {"id": "real-campaign", "currency": "usd"}}, home / "kiosk.toml")
    monkeypatch.setenv("CHARTER_KIOSK_HOME", str(home))
    before = sorted(p.name for p in home.iterdir())
    assert kiosk_main(["--demo", "--terminal"]) == 0, capsys.readouterr().err
    assert "Total after: $35.00 from 2 gifts" in capsys.readouterr().out  # the demo did run
    after = sorted(p.name for p in home.iterdir() if p.name not in ("demo", "logs"))
    assert after == before == ["kiosk.toml"]  # no kiosk database appeared beside the real config
    assert list((home / "demo").glob("kiosk*.sqlite3"))


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
