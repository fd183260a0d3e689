"""HTTP sessions a shutdown can end at once: one per provider, shared by its calls.

Closing a `requests.Session` only drops idle pooled connections; a call waiting for an
answer keeps waiting until its read timeout (15 s for a Stripe create). So each socket
these sessions open is remembered, and `close()` shuts it down from the closing thread,
which wakes the blocked read at once with an error. `close_all()` does that for every
provider session: the kiosk's shutdown calls it (kiosk/workers.py) so a slow provider
delays the exit by a moment, not by a timeout.

The relay sync uses the same socket registry for its long-poll (backend/sync.py).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

import requests
import requests.adapters
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class SocketRegistry:
    """The sockets a set of connections opened, to be shut down from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = False

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if not self._closed:
                self._sockets = {s for s in self._sockets if s.fileno() != -1}
                self._sockets.add(sock)
                return
        _shut_down(sock)  # connected while the owner was closing: end it too

    def abort_all(self) -> None:
        """End every call in flight; later connections are tracked again."""
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut_down(sock)

    def close(self) -> None:
        """End every call in flight and any connection still being made."""
        with self._lock:
            self._closed = True
        self.abort_all()


def _shut_down(sock: socket.socket) -> None:
    # shutdown(), not close(): the reading thread still owns the file descriptor, and
    # closing it under that thread could hand the number to an unrelated file.
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def abortable_adapter(registry: SocketRegistry) -> requests.adapters.HTTPAdapter:
    """A transport adapter whose connections (direct or through an HTTP proxy) register
    their sockets with `registry`. No urllib3 retries: callers retry, and know about stop."""

    class TrackedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            registry.add(self.sock)

    class TrackedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            registry.add(self.sock)

    class TrackedHTTPPool(HTTPConnectionPool):
        ConnectionCls = TrackedHTTPConnection

    class TrackedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = TrackedHTTPSConnection

    tracked = {"http": TrackedHTTPPool, "https": TrackedHTTPSPool}

    class Adapter(requests.adapters.HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = dict(tracked)

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> urllib3.PoolManager:
            manager: urllib3.PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if type(manager) is urllib3.ProxyManager:  # a SOCKS manager has its own classes
                manager.pool_classes_by_scheme = dict(tracked)
            return manager

    return Adapter(max_retries=0)


class SessionClosed(requests.RequestException):
    """The session was closed (the kiosk is stopping): the call was ended or refused.

    Not a ConnectionError on purpose: the Stripe SDK retries those, after a pause."""


class AbortableSession(requests.Session):
    """A `requests.Session` whose `close()` also ends the calls waiting on it."""

    def __init__(self, name: str = "http") -> None:
        super().__init__()
        self.name = name
        self.closed = False
        self._sockets = SocketRegistry()
        adapter = abortable_adapter(self._sockets)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.closed:
            raise SessionClosed(f"the {self.name} session is closed", request=request)
        try:
            return super().send(request, **kwargs)
        except requests.RequestException as exc:
            if self.closed:
                raise SessionClosed(f"the {self.name} session was closed during the call",
                                    request=request) from exc
            raise

    def close(self) -> None:
        self.closed = True
        self._sockets.close()
        super().close()


_lock = threading.Lock()
_sessions: dict[str, AbortableSession] = {}


def shared_session(name: str) -> AbortableSession:
    """The open session for `name` ("stripe", "nowpayments"), made on first use. After
    `close_all()` the next call gets a new one: a job queued to run on the way out (a
    checkout cancelled on exit) may still reach its provider."""
    with _lock:
        current = _sessions.get(name)
        if current is None or current.closed:
            current = _sessions[name] = AbortableSession(name)
        return current


def close_all() -> list[str]:
    """Close every shared session, ending their calls in flight at once; the names closed."""
    with _lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        session.close()
    return sorted(s.name for s in sessions)
