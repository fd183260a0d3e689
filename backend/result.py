"""The `Result` envelope every public backend function answers with.

`{"success": True, "data": {...}}` or `{"success": False, "error": "..."}`: the
caller never sees an exception. `public` turns the exceptions a function raises
on purpose (`UserError`) into their message, and anything unexpected into a
calm message while the traceback goes to the log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, Literal, NotRequired, ParamSpec, TypedDict

log = logging.getLogger("charter.backend")

P = ParamSpec("P")


class Result(TypedDict):
    success: bool
    data: NotRequired[dict[str, Any]]
    error: NotRequired[str]


class Ok(TypedDict):
    success: Literal[True]
    data: dict[str, Any]


class UserError(Exception):
    """A failure a person can act on; its message is safe to show on screen."""


class ProviderUnavailable(UserError):
    """The provider could not be reached, timed out or failed (5xx): try later."""


class ProviderBusy(ProviderUnavailable):
    """The provider asked us to slow down (429)."""


def ok(data: Mapping[str, Any] | None = None) -> Result:
    return {"success": True, "data": dict(data or {})}


def err(message: str) -> Result:
    return {"success": False, "error": message}


def public(func: Callable[P, Result]) -> Callable[P, Result]:
    """Wrap a public backend function so that it always answers a `Result`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Result:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            log.info("%s refused: %s", func.__qualname__, exc)
            return err(str(exc))
        except Exception:
            # The traceback goes to the log only; secrets never reach exception
            # messages we build, and the caller gets a message without internals.
            log.exception("%s failed unexpectedly", func.__qualname__)
            return err(
                "Something went wrong on our side; the details are in the kiosk log. "
                "Nothing was charged by this step."
            )

    wrapper.__charter_public__ = True  # type: ignore[attr-defined]
    return wrapper
