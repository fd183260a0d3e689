"""A local stand-in for the parts of Stripe and NOWPayments the kiosk uses.

    with SandboxServer(SandboxConfig()) as sb:
        sb.url  # STRIPE_API_BASE and NOWPAYMENTS_API_BASE

Used by the tests, by `charter-kiosk --demo` and by `charter-kiosk sandbox`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backend.sandbox.state import SandboxConfig

if TYPE_CHECKING:
    from backend.sandbox.common import SandboxError
    from backend.sandbox.server import Sandbox, SandboxServer

__all__ = ["Sandbox", "SandboxConfig", "SandboxError", "SandboxServer"]

# The server (Starlette and uvicorn, ~0.1 s) loads on first use: `--demo` reads the
# sandbox's keys from SandboxConfig before its first total, and starts the server after.
_LAZY = {"Sandbox": "backend.sandbox.server", "SandboxServer": "backend.sandbox.server",
         "SandboxError": "backend.sandbox.common"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
