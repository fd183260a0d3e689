"""A TCP socket that listens before its server has started.

A client told the address queues in the kernel's backlog until the server takes the
socket over, instead of being refused: `charter-kiosk --demo` hands its kiosk the
sandbox's and relay's addresses first and starts them after the first total is shown.
"""

from __future__ import annotations

import contextlib
import socket


def listening_socket(host: str, port: int = 0, *, backlog: int = 128) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP (socket.socket(family, SOCK_STREAM) leaves it 0), and without it Nagle
    # plus delayed ACKs add ~40 ms to every keep-alive response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # inherited by accepted connections
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def reach_url(sock: socket.socket) -> str:
    """`http://host:port` that reaches `sock` from this machine (loopback for a wildcard)."""
    host, port = sock.getsockname()[:2]
    reach = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host)
    if reach is None:
        reach = f"[{host}]" if ":" in host else host
    return f"http://{reach}:{port}"
