"""Running the relay under uvicorn: `serve` for the CLI, `RelayServer` for tests and benchmarks."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from backend.relay.app import FeedFastPath, Relay, create_app
from backend.sockets import listening_socket

log = logging.getLogger("charter.relay.server")

# A client gets this long to send a request's headers (from the connection, or
# from the first byte of the next request on a kept-alive one) and this many
# bytes for them; slow or endless headers (slowloris) are cut off, not held.
HEADER_TIMEOUT_SECONDS = 10.0
MAX_HEADER_BYTES = 64 * 1024
# File descriptors kept aside for the database pool, logs and the listener.
RESERVED_FDS = 64


# Kiosks reconnecting at once after a restart: each SYN must queue, not be dropped
# (a dropped SYN costs the kiosk a 1-3 s retransmission). Capped by the kernel's
# net.core.somaxconn.
LISTEN_BACKLOG = 16384


class _CoalescingTransport:
    """A response's writes go out in one `send`: uvicorn writes a response's head and
    body separately, and each write is a syscall and a TCP segment of its own. When
    an event wakes 10,000 long-polls, that halves the relay's system time. Flushed
    when the response is complete (see `on_response_complete`), else at the end
    of the event-loop step."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def flush(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending = []
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on headers.

    uvicorn times out idle kept-alive connections but not a request whose headers
    never finish: a few thousand such connections would hold the relay's file
    descriptors forever.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
        self._header_bytes = 0
        self._in_headers = True
        self._header_timer: asyncio.TimerHandle | None = self.loop.call_later(
            HEADER_TIMEOUT_SECONDS, self._headers_too_slow)

    def data_received(self, data: bytes) -> None:
        if not self._in_headers and self.cycle is not None and self.cycle.response_complete \
                and self._header_timer is None:
            # The first bytes of the next request on a kept-alive connection.
            self._in_headers = True
            self._header_bytes = 0
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT_SECONDS,
                                                      self._headers_too_slow)
        super().data_received(data)
        if self._in_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse(b"431 Request Header Fields Too Large")

    def on_response_complete(self) -> None:
        flush = getattr(self.transport, "flush", None)
        if flush is not None:
            flush()  # each answer leaves as soon as it is whole
        super().on_response_complete()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._in_headers and not self.transport.is_closing():
            self._refuse(b"408 Request Timeout")

    def _refuse(self, status: bytes) -> None:
        self._cancel_header_timer()
        self.transport.write(b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\n"
                             b"connection: close\r\n\r\n")
        self.transport.close()


def raise_fd_limit() -> tuple[int, int]:
    """Raise this process's open-file limit (RLIMIT_NOFILE) to its hard limit: every
    idle kiosk holds one connection. Returns (soft, hard) as now in force."""
    try:
        import resource
    except ImportError:  # not on Windows; the limit there is not per process
        return (0, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target,
                        exc)
    return soft, hard


def connection_limit(fd_soft_limit: int) -> int | None:
    """Most concurrent connections to accept: past it uvicorn answers 503 instead of
    failing to accept (EMFILE) and spinning."""
    if fd_soft_limit <= 0:
        return None
    return max(fd_soft_limit - RESERVED_FDS, 64)


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
    # Listening now, so a client told the address (by `on_listening`) queues in the
    # backlog instead of being refused while uvicorn is still starting.
    sock = listening_socket(host, port, backlog=LISTEN_BACKLOG)
    sock.set_inheritable(True)
    return sock


def _config(app: Starlette, log_level: str, *, limit_concurrency: int | None = None
            ) -> uvicorn.Config:
    return uvicorn.Config(
        FeedFastPath(app),
        lifespan="on",
        log_level=log_level,
        access_log=False,
        http=GuardedHttpToolsProtocol,
        # The relay reads no client address; X-Forwarded-* parsing is pure cost.
        proxy_headers=False,
        limit_concurrency=limit_concurrency,
        # Webhooks are small and answered fast; idle kiosk connections are
        # reused between polls, so keep them a little longer than a poll gap.
        timeout_keep_alive=35,
        timeout_graceful_shutdown=5,
        backlog=LISTEN_BACKLOG,
    )


def serve(app: Starlette, host: str, port: int, *, log_level: str = "info",
          on_listening: Any = None) -> None:
    """Serve until SIGINT/SIGTERM. `on_listening(url)` is called once bound."""
    soft, hard = raise_fd_limit()
    log.info("open-file limit %d (hard %d)", soft, hard)
    sock = bind_socket(host, port)
    relay: Relay = app.state.relay
    server = _RelayUvicorn(_config(app, log_level, limit_concurrency=connection_limit(soft)),
                           relay)
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

    def start(self, timeout: float = 10.0, *, sock: socket.socket | None = None) -> RelayServer:
        """Serve on `sock` (already listening, see backend.sockets; the server owns it from
        now on) or on a new socket at the host and port given."""
        if sock is None:
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
