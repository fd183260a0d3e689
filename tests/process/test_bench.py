"""Every benchmark still runs: each in its quick mode, as its own process.

Performance is measured by the benches themselves (figures in docs/benchmarks.md), never
asserted here; these only catch a bench that rots (a schema change, a renamed button, a
moved function) before someone needs its figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import REPO

ROOT = REPO
WRK = shutil.which("wrk")


def run_bench(name: str, *args: str, timeout: float = 180) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / name), "--quick", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert done.returncode == 0, f"{name} --quick exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_totals_bench_runs_on_the_current_schema() -> None:
    out = run_bench("totals.py")
    assert "kept == sum" in out and "MISMATCH" not in out


def test_webhook_to_total_bench_runs() -> None:
    out = run_bench("webhook_to_total.py")
    assert "webhook -> relay -> sync -> get_cumulative_total (10 samples)" in out
    assert "baseline, 3 s status polling (1 samples)" in out


def test_fanout_bench_runs() -> None:
    out = run_bench("fanout.py")
    assert "200 kiosks: 200 received the event" in out


def test_relay_ingest_bench_runs() -> None:
    out = run_bench("relay_ingest.py")
    assert "lost 0, duplicated 0, non-2xx 0" in out


def test_reconnect_storm_bench_runs() -> None:
    out = run_bench("reconnect_storm.py")
    assert "database: SQLite" in out
    assert "(10 webhooks, every one 200)" in out
    assert "next event at all 300 kiosks: 300 received it" in out and "0 kiosks failed" in out


@pytest.mark.skipif(WRK is None, reason="needs wrk, a C load generator (Debian: apt-get install "
                                        "wrk; .ci/run installs it)")
def test_ipn_flood_bench_runs() -> None:
    out = run_bench("ipn_flood.py")
    assert out.count("forged requests refused") == 3
    assert "every genuine webhook answered 200, every forged one refused: yes" in out


@pytest.mark.slow
def test_kiosk_startup_bench_runs_and_completes_both_gifts() -> None:
    out = run_bench("kiosk_startup.py", "--json")
    assert '"kiosk_gifts": [\n    "card",\n    "crypto"\n  ]' in out
    assert '"kiosk_total_shown_s"' in out


@pytest.mark.slow
def test_soak_bench_runs_every_activity() -> None:
    out = run_bench("soak.py")
    # 6 gifts (bench/soak.py's QUICK): every activity at least once, none failing.
    assert out.startswith("6 gifts in ")
    assert "4 paid, 1 abandoned, 1 staff visits, 1 cash gifts, 0 errors" in out
    assert "paid: 3 by card, 1 in crypto; 1 without a webhook (the poller's); " in out
    assert "still open at the end: 1, followed up by the reconciler: 1" in out
