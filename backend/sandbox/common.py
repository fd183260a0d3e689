"""Pieces the Stripe and NOWPayments halves share: errors, faults, JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from backend.sandbox.state import Fault, Provider, SandboxState

Endpoint = Callable[[Request], Awaitable[Response]]


class SandboxError(ValueError):
    """A control call that cannot be done (unknown id, wrong state); carries an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, headers=headers,
                    media_type="application/json")


def dumps(value: Any) -> str:
    """JSON with `Decimal` written as a plain JSON number, never through float."""
    return _encode(value)


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + _encode(v) for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not allowed in sandbox JSON; use Decimal")
    return json.dumps(value)


def decimal_text(value: Decimal) -> str:
    """`Decimal("1.2300")` → `"1.23"`, `Decimal("1E+2")` → `"100"`: no exponent, no trailing zeros."""
    if not value.is_finite():
        raise ValueError("not a finite decimal")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_fault(
    state: SandboxState,
    provider: Provider,
    endpoint: Endpoint,
    error_body: Callable[[int, str], Response],
) -> Endpoint:
    """Wrap an API endpoint so the configured fault for `provider` applies first."""

    async def wrapped(request: Request) -> Response:
        fault: Fault | None = state.take_fault(provider)
        if fault is not None:
            if fault.mode == "slow":
                await asyncio.sleep(fault.delay)
            elif fault.mode == "down":
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                return error_body(503, "down")
            elif fault.mode == "rate_limit":
                return error_body(429, "rate_limit")
            elif fault.mode == "error500":
                return error_body(500, "error500")
        return await endpoint(request)

    return wrapped
