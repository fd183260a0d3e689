"""The relay on PostgreSQL: one database, several relay processes.

Needs the server at 127.0.0.1:5432 (user postgres, database test); every test
here skips, saying why, when it does not answer. Each test gets its own schema.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg2
import pytest
import requests

from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.relay.store import RelayStore
from tests.process.test_relay_process import relay_process
from tests.support.relay import (
    NOWPAYMENTS_SECRET,
    PG_DATABASE,
    PG_HOST,
    PG_PORT,
    PG_USER,
    STRIPE_SECRET,
    nowpayments_headers,
    nowpayments_ipn,
    postgres_problem,
    scratch_schema,
    stripe_event,
    stripe_headers,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    with scratch_schema() as url:
        yield url


def _token(url: str, name: str = "kiosk-pg") -> str:
    store = RelayStore(url, max_connections=2)
    try:
        return tokens.add_kiosk(store, name)
    finally:
        store.close()


def _post(http: requests.Session, base: str, body: bytes) -> int:
    return http.post(f"{base}/v1/webhooks/stripe", data=body, headers=stripe_headers(body),
                     timeout=5).status_code


def test_roundtrip_and_duplicates_on_postgres(pg_url: str) -> None:
    with RelayServer(pg_url, stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets=[NOWPAYMENTS_SECRET]) as relay, requests.Session() as http:
        token = _token(pg_url)
        body = stripe_event("evt_pg_1")
        assert _post(http, relay.url, body) == 200
        assert http.post(f"{relay.url}/v1/webhooks/stripe", data=body,
                         headers=stripe_headers(body)).json()["duplicate"] is True
        ipn = nowpayments_ipn(payment_id=42)
        assert http.post(f"{relay.url}/v1/webhooks/nowpayments", data=ipn,
                         headers=nowpayments_headers(ipn)).status_code == 200
        page = http.get(f"{relay.url}/v1/events?after=0",
                        headers={"Authorization": f"Bearer {token}"}).json()
        assert [e["id"] for e in page["events"]] == ["evt_pg_1", "42:finished:2026-01-01T00:00:00.000Z"]
        assert page["events"][0]["payload"].encode() == body
        health = http.get(f"{relay.url}/healthz",
                          headers={"Authorization": f"Bearer {token}"}).json()
        assert health["database"] == {"kind": "postgresql", "reachable": True}
        assert health["events"]["stored"] == 2


@pytest.mark.slow
def test_two_relay_processes_one_database(pg_url: str) -> None:
    token = _token(pg_url)
    auth = {"Authorization": f"Bearer {token}"}
    with relay_process(pg_url) as (_, relay_a), relay_process(pg_url) as (_, relay_b), \
            requests.Session() as http:
        # An event posted to A reaches a kiosk long-polling B within a second.
        after = 0
        for i in range(3):
            result: dict[str, Any] = {}

            def poll(after: int = after, result: dict[str, Any] = result) -> None:
                with requests.Session() as session:
                    result["page"] = session.get(f"{relay_b}/v1/events?after={after}&wait=10",
                                                 headers=auth, timeout=15).json()
                result["at"] = time.monotonic()

            waiter = threading.Thread(target=poll)
            waiter.start()
            time.sleep(0.3)
            sent = time.monotonic()
            assert _post(http, relay_a, stripe_event(f"evt_ab{i}")) == 200
            waiter.join(5)
            assert [e["id"] for e in result["page"]["events"]] == [f"evt_ab{i}"]
            assert result["at"] - sent < 1.0
            after = result["page"]["next"]

        # Concurrent senders on both relays while a kiosk follows B: it sees every
        # event exactly once and in seq order (commit order equals seq order).
        seen: list[dict[str, Any]] = []
        done = threading.Event()

        def follow() -> None:
            cursor = after
            with requests.Session() as session:
                while not (done.is_set() and len(seen) >= 120):
                    page = session.get(f"{relay_b}/v1/events?after={cursor}&wait=1",
                                       headers=auth, timeout=10).json()
                    seen.extend(page["events"])
                    cursor = page["next"]
                    if done.is_set() and not page["events"]:
                        break

        follower = threading.Thread(target=follow)
        follower.start()
        local = threading.local()

        def send(i: int) -> int:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            return _post(session, relay_a if i % 2 else relay_b, stripe_event(f"evt_cc{i}"))

        with ThreadPoolExecutor(max_workers=16) as pool:
            assert list(pool.map(send, range(120))) == [200] * 120
        done.set()
        follower.join(15)
        seqs = [e["seq"] for e in seen]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert sorted(e["id"] for e in seen) == sorted(f"evt_cc{i}" for i in range(120))


def test_lost_connections_answer_503_then_recover(pg_url: str) -> None:
    app_name = f"relay_{uuid.uuid4().hex[:8]}"
    url = f"{pg_url}&application_name={app_name}"
    with RelayServer(url, stripe_secrets=[STRIPE_SECRET]) as relay, requests.Session() as http:
        token = _token(pg_url)
        assert _post(http, relay.url, stripe_event("evt_before")) == 200
        admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE)
        admin.autocommit = True
        with admin.cursor() as cur:
            # What a database restart does to a relay's connections.
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = %s", (app_name,))
            assert cur.rowcount >= 1
        admin.close()
        acked = []
        for i in range(6):
            code = _post(http, relay.url, stripe_event(f"evt_after{i}"))
            assert code in (200, 503)
            if code == 200:
                acked.append(f"evt_after{i}")
        assert acked, "the relay never recovered"
        assert acked[-1] == "evt_after5"
        page = http.get(f"{relay.url}/v1/events?after=0",
                        headers={"Authorization": f"Bearer {token}"}).json()
        assert [e["id"] for e in page["events"]] == ["evt_before", *acked]


def _holds_ingest_lock(application_name: str) -> bool:
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE,
                             connect_timeout=2)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                        "WHERE l.locktype = 'advisory' AND l.granted "
                        "AND a.application_name = %s", (application_name,))
            row = cur.fetchone()
            return bool(row and row[0])
    finally:
        admin.close()


@pytest.mark.slow
def test_a_frozen_relay_does_not_stall_the_others(pg_url: str) -> None:
    """Relay B is SIGSTOPped while it holds the ingest lock mid-transaction; relay A
    keeps acknowledging within 5 s, B recovers when resumed, nothing acked is lost."""
    token = _token(pg_url)
    acked: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()
    name_b = f"relay_b_{uuid.uuid4().hex[:8]}"
    with relay_process(pg_url) as (_, relay_a), \
            relay_process(f"{pg_url}&application_name={name_b}") as (proc_b, relay_b):

        def load(n: int) -> None:
            with requests.Session() as http:
                i = 0
                while not stop.is_set():
                    event_id = f"evt_load{n}_{i}"
                    i += 1
                    body = stripe_event(event_id)
                    try:
                        if http.post(f"{relay_b}/v1/webhooks/stripe", data=body,
                                     headers=stripe_headers(body), timeout=3).status_code == 200:
                            with lock:
                                acked.add(event_id)
                    except requests.RequestException:
                        time.sleep(0.05)

        loaders = [threading.Thread(target=load, args=(n,)) for n in range(4)]
        for thread in loaders:
            thread.start()
        caught = False
        try:
            time.sleep(0.5)
            for _ in range(200):
                os.kill(proc_b.pid, signal.SIGSTOP)
                time.sleep(0.05)
                if _holds_ingest_lock(name_b):
                    caught = True
                    break
                os.kill(proc_b.pid, signal.SIGCONT)
                time.sleep(0.02)
            assert caught, "never caught relay B holding the ingest lock"
            with requests.Session() as http:
                for i in range(3):
                    body = stripe_event(f"evt_during{i}")
                    sent = time.monotonic()
                    answer = http.post(f"{relay_a}/v1/webhooks/stripe", data=body,
                                       headers=stripe_headers(body), timeout=10)
                    took = time.monotonic() - sent
                    if answer.status_code == 503:
                        # A provider retries a 503; the retry must then succeed in time.
                        answer = http.post(f"{relay_a}/v1/webhooks/stripe", data=body,
                                           headers=stripe_headers(body), timeout=10)
                        took = time.monotonic() - sent
                    assert answer.status_code == 200
                    assert took < 5.0, f"relay A took {took:.1f} s while B was frozen"
                    acked.add(f"evt_during{i}")
            assert not _holds_ingest_lock(name_b), "the frozen relay still holds the lock"
        finally:
            if caught:
                os.kill(proc_b.pid, signal.SIGCONT)
        # B, resumed, recovers by itself: its loaders get 200s again.
        with lock:
            before = len(acked)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with lock:
                if len(acked) > before + 10:
                    break
            time.sleep(0.1)
        stop.set()
        for thread in loaders:
            thread.join(10)
        with lock:
            assert len(acked) > before + 10, "relay B did not recover after SIGCONT"
        stored: set[str] = set()
        with requests.Session() as http:
            after = 0
            while True:
                page = http.get(f"{relay_a}/v1/events?after={after}&limit=1000",
                                headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
                stored |= {e["id"] for e in page["events"]}
                if not page["events"]:
                    break
                after = page["next"]
    assert acked <= stored, f"acknowledged but lost: {sorted(acked - stored)[:5]}"
