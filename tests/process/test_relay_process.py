"""The relay as a real process: `python -m backend.relay`, SIGKILL mid-burst, and its CLI."""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from backend.relay import cli, tokens
from tests.support.paths import REPO
from tests.support.relay import STRIPE_SECRET, stripe_event, stripe_headers

ROOT = REPO


@contextmanager
def relay_process(db_url: str, port: int = 0,
                  env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`python -m backend.relay serve` on loopback; yields the process and its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.relay", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--db", db_url, "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("relay listening on "):
            proc.kill()
            raise AssertionError(f"relay did not start: {line!r} {proc.stderr.read()!r}")  # type: ignore[union-attr]
        url = line.split()[3]
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
def test_sigkill_mid_burst_loses_nothing_that_got_a_2xx(tmp_path: Path) -> None:
    db = tmp_path / "relay.sqlite3"
    db_url = f"sqlite:///{db}"
    senders, per_sender = 16, 30
    acked: set[str] = set()
    acked_lock = threading.Lock()
    failures: list[str] = []
    target = {"url": ""}

    def sender(n: int) -> None:
        rng = random.Random(n)
        with requests.Session() as http:
            for i in range(per_sender):
                event_id = f"evt_s{n}_{i}"
                body = stripe_event(event_id)
                deadline = time.monotonic() + 30
                delay = 0.05
                # Retry as a provider does: any non-2xx or network error, again later.
                while True:
                    try:
                        answer = http.post(f"{target['url']}/v1/webhooks/stripe", data=body,
                                           headers=stripe_headers(body), timeout=3)
                        if 200 <= answer.status_code < 300:
                            with acked_lock:
                                acked.add(event_id)
                            break
                    except requests.RequestException:
                        pass
                    if time.monotonic() > deadline:
                        failures.append(event_id)
                        return
                    time.sleep(delay * (0.5 + rng.random()))
                    delay = min(delay * 2, 0.5)

    with relay_process(db_url) as (proc, url):
        target["url"] = url
        port = int(url.rsplit(":", 1)[1])
        threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
        for thread in threads:
            thread.start()
        while len(acked) < senders * per_sender // 3:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        acked_at_kill = len(acked)
    assert acked_at_kill < senders * per_sender, "the burst was over before the kill"
    time.sleep(0.3)  # senders hit a closed port for a moment, as they would in real life
    with relay_process(db_url, port=port):
        for thread in threads:
            thread.join(60)
    assert not failures
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT dedup_key, COUNT(*) FROM relay_event GROUP BY dedup_key").fetchall()
    conn.close()
    counts = dict(rows)
    assert all(n == 1 for n in counts.values()), "an event was stored twice"
    assert acked <= set(counts), "an event that got a 2xx was lost"
    assert len(counts) == senders * per_sender


def test_cli_add_kiosk_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    db = f"sqlite:///{tmp_path}/relay.sqlite3"

    assert cli.run(parser.parse_args(["add-kiosk", "lobby", "--db", db])) == 0
    out = capsys.readouterr().out
    token = next(word for word in out.split() if word.startswith("ckr_"))
    assert cli.run(parser.parse_args(["add-kiosk", "lobby", "--db", db])) == 2
    assert "already exists" in capsys.readouterr().err

    assert cli.run(parser.parse_args(["kiosks", "--db", db])) == 0
    listing = capsys.readouterr().out
    assert "lobby" in listing and token not in listing

    assert cli.run(parser.parse_args(["revoke", "lobby", "--db", db])) == 0
    assert cli.run(parser.parse_args(["revoke", "lobby", "--db", db])) == 1
    assert cli.run(parser.parse_args(["kiosks", "--db", db])) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("lobby"))
    assert row.count("Z") == 2  # created and revoked are filled, last seen is "-"


def test_cli_reports_an_unreachable_database(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["kiosks", "--db", "postgresql://postgres:pw@127.0.0.1:1/x"])
    assert cli.run(args) == 3
    err = capsys.readouterr().err
    assert "unavailable" in err and ":pw@" not in err


def test_serve_process_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/relay.sqlite3"
    token = tokens.add_kiosk(db_url, "kiosk-p")
    with relay_process(db_url) as (proc, url):
        health = requests.get(f"{url}/healthz", timeout=5,
                              headers={"Authorization": f"Bearer {token}"}).json()
        assert health["ok"] is True
        assert health["secrets_configured"] == ["STRIPE_WEBHOOK_SECRET"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) in (0, -signal.SIGTERM)


def test_debug_logging_prints_each_line_once_and_no_donor_data(tmp_path: Path) -> None:
    """`charter-kiosk relay serve --log-level debug`, as an operator chasing a problem
    would run it: no webhook payload or donor name in the log, and no line twice."""
    db_url = f"sqlite:///{tmp_path}/relay.sqlite3"
    token = tokens.add_kiosk(db_url, "kiosk-l")
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from backend.cli import main; sys.exit(main())",
         "relay", "serve", "--port", "0", "--db", db_url, "--log-level", "debug"],
        cwd=ROOT, env={**os.environ, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
                       "CHARTER_KIOSK_HOME": str(tmp_path)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        body = stripe_event("evt_donor", obj={"id": "cs_test_donor", "customer_details": {
            "name": "Zanzibar Quokka", "email": "quokka@example.org"}})
        assert requests.post(f"{url}/v1/webhooks/stripe", data=body,
                             headers=stripe_headers(body), timeout=5).status_code == 200
        page = requests.get(f"{url}/v1/events?after=0", timeout=5,
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert page["events"][0]["id"] == "evt_donor"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert "DEBUG peewee" in err  # debug logging is on, SQL included...
    for secret in ("Zanzibar", "quokka@", "cs_test_donor", STRIPE_SECRET, token):
        assert secret not in err  # ...but never the values
    lines = [line.split(" ", 2)[-1] for line in err.splitlines() if line.strip()]
    once = [line for line in lines if "missed-webhook sweep" in line]
    assert len(once) == 1, once
