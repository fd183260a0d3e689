"""Running the relay under uvicorn: `serve` for the CLI, `RelayServer` for tests and benchmarks."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from backend.relay.app import Relay, create_app

log = logging.getLogger("charter.relay.server")


class _RelayUvicorn(uvicorn.Server):
    """uvicorn waits for open requests before stopping; a long-poll may hold one
    for 30 s, so release every waiting kiosk first (they reconnect elsewhere)."""

    def __init__(self, config: uvicorn.Config, relay: Relay) -> None:
        super().__init__(config)
        self._relay = relay

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._relay.release_waiters()
        await super().shutdown(sockets)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted
    # sockets whose proto says TCP, and without it Nagle plus delayed ACKs add
    # 40 ms to every keep-alive response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listen now, so a client told the address (by `on_listening`) queues in the
    # backlog instead of being refused while uvicorn is still starting.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _config(app: Starlette, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        # Webhooks are small and answered fast; idle kiosk connections are
        # reused between polls, so keep them a little longer than a poll gap.
        timeout_keep_alive=35,
        timeout_graceful_shutdown=5,
        backlog=2048,
    )


def serve(app: Starlette, host: str, port: int, *, log_level: str = "info",
          on_listening: Any = None) -> None:
    """Serve until SIGINT/SIGTERM. `on_listening(url)` is called once bound."""
    sock = bind_socket(host, port)
    relay: Relay = app.state.relay
    server = _RelayUvicorn(_config(app, log_level), relay)
    bound_host, bound_port = sock.getsockname()[:2]
    if on_listening is not None:
        on_listening(_url(bound_host, bound_port))
    server.run(sockets=[sock])


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class RelayServer:
    """The relay under real uvicorn on 127.0.0.1, a free port, in a background thread.

        with RelayServer(db_url, stripe_secrets=["whsec_..."]) as relay:
            requests.post(relay.url + "/v1/webhooks/stripe", ...)
    """

    def __init__(
        self,
        db_url: str | None = None,
        *,
        stripe_secrets: Sequence[str] | None = None,
        nowpayments_secrets: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        **app_kwargs: Any,
    ) -> None:
        self.app = create_app(
            db_url,
            stripe_secrets=stripe_secrets,
            nowpayments_secrets=nowpayments_secrets,
            **app_kwargs,
        )
        self.relay: Relay = self.app.state.relay
        self._host = host
        self._port = port
        self._log_level = log_level
        self._server: _RelayUvicorn | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self, timeout: float = 10.0) -> RelayServer:
        sock = bind_socket(self._host, self._port)
        host, port = sock.getsockname()[:2]
        self.url = _url(host, port)
        self._server = _RelayUvicorn(_config(self.app, self._log_level), self.relay)
        server = self._server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="relay-uvicorn", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while self._thread.is_alive() and not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            self.stop()
            sock.close()
            raise RuntimeError("the relay did not start (see the log)")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> RelayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
