"""The relay under attack: forged bodies are refused cheaply, slow clients are cut off,
and genuine webhooks keep being acknowledged meanwhile (issue 12)."""

from __future__ import annotations

import contextlib
import json
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend.relay.server import RelayServer
from tests.process.test_relay_process import relay_process
from tests.support.relay import (
    NOWPAYMENTS_SECRET,
    STRIPE_SECRET,
    nowpayments_headers,
    nowpayments_ipn,
    stripe_event,
    stripe_headers,
)


@pytest.fixture
def server() -> Iterator[RelayServer]:
    with RelayServer(stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets=[NOWPAYMENTS_SECRET]) as relay:
        yield relay


def _forged_ipn(size: int) -> bytes:
    pad = "x" * max(0, size - 120)
    body = json.dumps({"payment_id": 1, "payment_status": "finished",
                       "pad": [{"k": pad[: len(pad) // 2], "v": 1.5}, pad[len(pad) // 2:]]})
    return body.encode()[:size] if len(body) > size else body.encode()


def test_a_forged_1_mib_ipn_costs_almost_nothing(server: RelayServer) -> None:
    body = _forged_ipn(1024 * 1024)
    headers = {"x-nowpayments-sig": "ab" * 64, "Content-Type": "application/json"}
    started = time.process_time()
    with requests.Session() as http:
        for _ in range(10):
            answer = http.post(f"{server.url}/v1/webhooks/nowpayments", data=body,
                               headers=headers, timeout=5)
            assert answer.status_code == 413
    # Before: each was parsed and re-serialised in Python, 0.2-0.45 s of CPU apiece.
    assert time.process_time() - started < 1.0


@pytest.mark.slow
@pytest.mark.latency
def test_genuine_webhooks_are_acknowledged_during_a_flood_of_forged_ipns(
        tmp_path: Path) -> None:
    # The relay in its own process: in this one it would share the senders' GIL.
    with relay_process(f"sqlite:///{tmp_path}/relay.sqlite3",
                       env={"NOWPAYMENTS_IPN_SECRET_TEST": NOWPAYMENTS_SECRET}) as (_, url):
        _flood_and_measure(url)


def _flood_and_measure(url: str) -> None:
    stop = threading.Event()
    # As in the issue: 12 senders of forged 1 MiB IPNs (and, as an attacker who read
    # the limit would, some at the limit).
    forged = [_forged_ipn(1024 * 1024), _forged_ipn(1024 * 1024), _forged_ipn(16 * 1024)]

    def flood(n: int) -> None:
        headers = {"x-nowpayments-sig": "cd" * 64, "Content-Type": "application/json"}
        with requests.Session() as http:
            while not stop.is_set():
                # The relay closes connections whose body it will not read.
                with contextlib.suppress(requests.RequestException):
                    http.post(f"{url}/v1/webhooks/nowpayments", data=forged[n % 3],
                              headers=headers, timeout=5)

    def send_genuine(http: requests.Session, first: int, count: int) -> list[float]:
        """Genuine webhooks, a Stripe event and a signed IPN in turn: each one's time to 200."""
        latencies: list[float] = []
        for i in range(first, first + count):
            if i % 2:
                body = stripe_event(f"evt_flood{i}")
                headers, path = stripe_headers(body), "/v1/webhooks/stripe"
            else:
                body = nowpayments_ipn(payment_id=1000 + i)
                headers, path = nowpayments_headers(body), "/v1/webhooks/nowpayments"
            sent = time.perf_counter()
            status = http.post(f"{url}{path}", data=body, headers=headers, timeout=10).status_code
            latencies.append(time.perf_counter() - sent)
            assert status == 200, (i, status)
            time.sleep(0.1)
        return latencies

    # The baseline, in this run: the same sends without the flood, so the bound below
    # follows how busy the machine is (the rest of the suite runs beside this test).
    with requests.Session() as http:
        quiet = send_genuine(http, 0, 10)
    floods = [threading.Thread(target=flood, args=(n,)) for n in range(12)]
    for thread in floods:
        thread.start()
    try:
        time.sleep(0.5)
        with requests.Session() as http:
            latencies = send_genuine(http, 100, 20)
    finally:
        stop.set()
        for thread in floods:
            thread.join(10)
    # The target is p99 ≤ 250 ms (bench/ipn_flood.py). Here: the flood may add at most
    # 100 ms to the median of a quiet send (twice that, for a busy machine's noise). Before
    # the fix: a median of 130-330 ms on a quiet machine, 1.9 s with a faster sender. One
    # send of the twenty may take longer (0.7 s seen here while the suite was busy).
    bound = 0.1 + 2 * statistics.median(quiet)
    slowest_first = sorted(latencies, reverse=True)
    assert statistics.median(latencies) < bound, (bound, quiet, latencies)
    assert slowest_first[1] < max(0.5, 5 * bound), (bound, quiet, latencies)
    assert slowest_first[0] < 2.0, (bound, quiet, latencies)


def _addr(server: RelayServer) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def test_slow_headers_are_cut_off(server: RelayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.relay import server as relay_server

    monkeypatch.setattr(relay_server, "HEADER_TIMEOUT_SECONDS", 0.5)
    # A slowloris: a connection that starts a request and never finishes its headers.
    with socket.create_connection(_addr(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(5)
        started = time.monotonic()
        reply = sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 408")
        assert sock.recv(4096) == b""  # and closed
        assert time.monotonic() - started < 2.0
    # A silent connection is closed too; a kept-alive one after a reply as well.
    with socket.create_connection(_addr(server)) as sock:
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 408")
    with socket.create_connection(_addr(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 408")


def test_endless_headers_are_refused(server: RelayServer) -> None:
    with socket.create_connection(_addr(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(5)
        try:
            for _ in range(40):
                sock.sendall(b"X-Pad: " + b"a" * 4000 + b"\r\n")
        except OSError:
            pass  # closed on us mid-way: that is the point
        assert sock.recv(4096).startswith(b"HTTP/1.1 431")
