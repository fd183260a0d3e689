"""One abortable session per provider: closing it ends a call waiting on a provider that
never answers at once, well under the provider's read timeout, against real sockets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from backend import http, nowpayments_api, stripe_api
from backend.result import Result

# Both providers' read timeouts are 10 s or more; "at once" is well under that.
PROMPT_S = 1.0


class SilentServer:
    """Accepts connections and reads each request, and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        self.received = threading.Event()
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(30)
        while b"\r\n\r\n" not in data:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            data += chunk
        self.requests.append(data)
        self.received.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._connections:
            conn.close()
        self._listener.close()


class AnsweringServer(ThreadingHTTPServer):
    """Answers every GET with {"message": "OK"}, remembering each request's API key."""

    daemon_threads = True

    def __init__(self) -> None:
        self.keys: list[str | None] = []
        keys = self.keys

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                keys.append(self.headers.get("x-api-key"))
                body = json.dumps({"message": "OK"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, name="answering-server", daemon=True).start()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        http.close_all()  # a failed test must not leave a call waiting 10 s on the server
        server.close()


@pytest.fixture
def answering() -> Iterator[AnsweringServer]:
    server = AnsweringServer()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def providers_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def point(url: str) -> None:
        monkeypatch.setenv("STRIPE_API_BASE", url)
        monkeypatch.setenv("NOWPAYMENTS_API_BASE", url)
        monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "sk_test_" + "k" * 24)
        monkeypatch.setenv("NOWPAYMENTS_API_KEY_TEST", "np-test-key")
    return point


def in_flight(call: Callable[[], Any], server: SilentServer) -> tuple[threading.Thread, list[Any]]:
    """Start `call` in a thread and return once the server holds its request."""
    answer: list[Any] = []

    def run() -> None:
        try:
            answer.append(call())
        except Exception as exc:
            answer.append(exc)

    thread = threading.Thread(target=run, name="provider-call", daemon=True)
    thread.start()
    assert server.received.wait(10), "the call never reached the server"
    return thread, answer


def ended_by_close_all(thread: threading.Thread) -> tuple[float, list[str]]:
    time.sleep(0.2)  # the call is now blocked reading the answer
    assert thread.is_alive()
    started = time.monotonic()
    closed = http.close_all()
    thread.join(5)
    return time.monotonic() - started, closed


@pytest.mark.parametrize("provider", ["stripe", "nowpayments"])
def test_close_all_ends_a_status_read_in_flight_at_once(
        silent: SilentServer, providers_at: Callable[[str], None], provider: str) -> None:
    providers_at(silent.url)
    call: Callable[[], Result] = (
        (lambda: stripe_api.get_payment_status("cs_test_waiting")) if provider == "stripe"
        else (lambda: nowpayments_api.get_invoice_status("4242")))
    thread, answer = in_flight(call, silent)
    elapsed, closed = ended_by_close_all(thread)
    assert not thread.is_alive()
    assert elapsed < PROMPT_S
    assert provider in closed
    assert answer[0]["success"] is False
    assert "unavailable" in answer[0]["error"]


def test_a_stripe_create_ends_at_once_without_retrying(
        silent: SilentServer, providers_at: Callable[[str], None]) -> None:
    """Creation retries connection errors (twice, after a pause): an ended call must not
    look like one, or shutdown would wait out the retries."""
    providers_at(silent.url)
    client = stripe_api.stripe_client()
    thread, answer = in_flight(
        lambda: client.v1.checkout.sessions.create(params={"mode": "payment"}), silent)
    elapsed, _ = ended_by_close_all(thread)
    assert elapsed < PROMPT_S
    assert isinstance(answer[0], stripe.APIConnectionError)
    assert answer[0].should_retry is False
    time.sleep(0.3)
    assert len(silent.requests) == 1  # no second attempt


def test_an_injected_session_is_the_one_used_and_closing_it_ends_the_call(
        silent: SilentServer) -> None:
    own = http.AbortableSession("mine")
    client = nowpayments_api.NowPaymentsClient("np-key", silent.url, session=own)
    thread, answer = in_flight(client.status, silent)
    started = time.monotonic()
    own.close()
    thread.join(5)
    assert time.monotonic() - started < PROMPT_S
    assert isinstance(answer[0], nowpayments_api.ProviderUnavailable)
    assert http.close_all() == []  # the shared sessions were never involved


def test_after_close_all_the_next_call_gets_a_new_session(
        answering: AnsweringServer, providers_at: Callable[[str], None]) -> None:
    providers_at(answering.url)
    first = nowpayments_api.nowpayments_client()
    assert first.status() == {"message": "OK"}
    assert http.close_all() == ["nowpayments"]
    with pytest.raises(nowpayments_api.ProviderUnavailable):
        first.status()  # a client still holding the closed session is refused at once
    second = nowpayments_api.nowpayments_client()
    assert second.session is not first.session
    assert second.status() == {"message": "OK"}
    assert answering.keys == ["np-test-key", "np-test-key"]


def test_clients_sharing_a_session_each_send_their_own_key(answering: AnsweringServer) -> None:
    shared = http.shared_session("nowpayments")
    test = nowpayments_api.NowPaymentsClient("key-for-test", answering.url)
    live = nowpayments_api.NowPaymentsClient("key-for-live", answering.url)
    assert test.session is shared and live.session is shared
    test.status()
    live.status()
    test.status()
    assert answering.keys == ["key-for-test", "key-for-live", "key-for-test"]
    assert "x-api-key" not in shared.headers


def test_the_kiosk_shutdown_cuts_a_worker_stuck_on_a_provider(
        qapp: Any, silent: SilentServer, providers_at: Callable[[str], None]) -> None:
    """kiosk.workers.wait_stopped gives a busy worker a moment, then closes the provider
    sessions: the worker stops well before the provider's timeout."""
    from kiosk.workers import ABORT_CALLS_AFTER_MS, TaskThread, wait_stopped

    providers_at(silent.url)
    worker = TaskThread("stuck-worker")
    worker.submit("status", lambda: stripe_api.get_payment_status("cs_test_waiting"))
    assert silent.received.wait(10)
    worker.request_stop()
    started = time.monotonic()
    assert wait_stopped(worker, 20_000)
    elapsed = time.monotonic() - started
    assert not worker.isRunning()
    assert elapsed < ABORT_CALLS_AFTER_MS / 1000 + PROMPT_S
