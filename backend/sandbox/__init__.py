"""A local stand-in for the parts of Stripe and NOWPayments the kiosk uses.

    with SandboxServer(SandboxConfig()) as sb:
        sb.url  # STRIPE_API_BASE and NOWPAYMENTS_API_BASE

Used by the tests, by `charter-kiosk --demo` and by `charter-kiosk sandbox`.
"""

from backend.sandbox.common import SandboxError
from backend.sandbox.server import Sandbox, SandboxServer
from backend.sandbox.state import SandboxConfig

__all__ = ["Sandbox", "SandboxConfig", "SandboxError", "SandboxServer"]
