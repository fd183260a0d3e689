"""Secrets: the environment first, then the OS keyring (service `charter-kiosk`).

Never a file, the database or a log line. Where no real keyring backend exists
we fail closed with a message that says how to fix it: a plaintext fallback
(keyrings.alt) on a kiosk in a public room is worse than no kiosk.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from backend.logs import remember_secret
from backend.result import UserError
from backend.secret_names import KNOWN_SECRETS

log = logging.getLogger("charter.secrets")


def _keyring() -> Any:
    """The keyring package, imported on first use: with its backends' entry points it costs
    ~70 ms and ~15 MB, which a process that only needs the environment should not pay."""
    import keyring
    import keyring.errors

    return keyring


def __getattr__(name: str) -> Any:  # `secrets.keyring`, as before the import moved
    if name == "keyring":
        return _keyring()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


SERVICE = "charter-kiosk"


class SecretMissing(UserError):
    pass


class KeyringUnavailable(UserError):
    pass


def keyring_backend_name() -> str:
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:  # a backend forced by PYTHON_KEYRING_BACKEND that cannot load
        return f"unusable ({type(exc).__name__})"
    return f"{type(backend).__module__}.{type(backend).__name__}"


def keyring_available() -> bool:
    """True when a real, non-plaintext keyring backend is in use."""
    try:
        backend = _keyring().get_keyring()
    except Exception:  # a forced backend that cannot load is no keyring at all
        log.warning("the configured keyring backend cannot be loaded")
        return False
    module = type(backend).__module__
    if module.startswith("keyrings.alt") or module == "keyring.backends.fail":
        return False
    # The chainer with nothing to chain behaves like the fail backend.
    backends = getattr(backend, "backends", None)
    return not (backends is not None and len(backends) == 0)


def _check_name(name: str) -> None:
    if name not in KNOWN_SECRETS:
        raise UserError(f"{name!r} is not a secret Charter Kiosk knows about.")


def get_secret(name: str) -> str | None:
    """The secret's value, or None when neither the environment nor the keyring has it.

    Raises `KeyringUnavailable` when the environment lacks it and no keyring
    backend can be asked: an absent keyring must not look like an absent secret.
    """
    _check_name(name)
    value = os.environ.get(name)
    if value:
        remember_secret(value)
        return value
    if not keyring_available():
        raise KeyringUnavailable(
            f"{name} is not in the environment and no OS keyring is available "
            f"(backend {keyring_backend_name()}). Set {name} in the environment, or "
            "install a keyring service (Secret Service, KWallet, macOS Keychain, "
            "Windows Credential Locker)."
        )
    try:
        stored = _keyring().get_password(SERVICE, name) or None
    except _keyring().errors.KeyringError as exc:
        raise KeyringUnavailable(
            f"The OS keyring could not be read for {name}: {type(exc).__name__}."
        ) from None
    remember_secret(stored)
    return stored


def require_secret(name: str) -> str:
    value = get_secret(name)
    if not value:
        raise SecretMissing(
            f"The secret {name} is not configured. Run `charter-kiosk secrets set {name}` "
            f"or set the {name} environment variable."
        )
    return value


def mode_secret_name(base: str, mode: str) -> str:
    """`NOWPAYMENTS_API_KEY` + live → `NOWPAYMENTS_API_KEY_LIVE` (and `..._PREVIOUS` kept last)."""
    if base.endswith("_PREVIOUS"):
        return f"{base.removesuffix('_PREVIOUS')}_{mode.upper()}_PREVIOUS"
    return f"{base}_{mode.upper()}"


_warned_legacy: set[str] = set()


def get_mode_secret(base: str, mode: str) -> str | None:
    """The secret of one mode, e.g. `NOWPAYMENTS_API_KEY_TEST`.

    The original single name (`NOWPAYMENTS_API_KEY`) is read as a fallback for
    live mode only, with a warning: it always held a production key, and test
    mode must never reach a production account.
    """
    value = get_secret(mode_secret_name(base, mode))
    if value or mode != "live" or base not in KNOWN_SECRETS:
        return value
    legacy = get_secret(base)
    if legacy and base not in _warned_legacy:
        _warned_legacy.add(base)
        log.warning("%s is read as %s; rename it (charter-kiosk secrets set %s)", base,
                    mode_secret_name(base, mode), mode_secret_name(base, mode))
    return legacy


def require_mode_secret(base: str, mode: str) -> str:
    value = get_mode_secret(base, mode)
    if not value:
        name = mode_secret_name(base, mode)
        raise SecretMissing(
            f"The secret {name} is not configured ({mode} mode). Run `charter-kiosk secrets set "
            f"{name}` or set the {name} environment variable."
        )
    return value


def secret_source(name: str) -> str:
    """Where a secret comes from: 'environment', 'keyring' or 'missing' (never its value)."""
    _check_name(name)
    if os.environ.get(name):
        return "environment"
    try:
        return "keyring" if get_secret(name) else "missing"
    except KeyringUnavailable:
        return "missing"


def set_secret(name: str, value: str) -> None:
    _check_name(name)
    if not value:
        raise UserError(f"An empty value cannot be stored for {name}.")
    if not keyring_available():
        raise KeyringUnavailable(
            f"No OS keyring is available to store {name} (backend {keyring_backend_name()})."
        )
    remember_secret(value)
    _keyring().set_password(SERVICE, name, value)
    log.info("stored secret %s in the keyring", name)


def delete_secret(name: str) -> bool:
    _check_name(name)
    if not keyring_available():
        raise KeyringUnavailable(f"No OS keyring is available (backend {keyring_backend_name()}).")
    try:
        _keyring().delete_password(SERVICE, name)
    except _keyring().errors.PasswordDeleteError:
        return False
    log.info("deleted secret %s from the keyring", name)
    return True
