"""Secrets: environment over keyring, fail closed without a real keyring, never a value in a message."""

from __future__ import annotations

import io
import logging

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from backend import secrets
from backend.logs import RedactSecrets
from backend.result import UserError
from backend.secrets import KeyringUnavailable, SecretMissing
from tests.support.memory_keyring import MemoryKeyring

VALUE_ENV = "sk_test_from_environment_51Hx"
VALUE_RING = "sk_test_from_keyring_77Qz"


def test_keyring_read(hermetic: MemoryKeyring) -> None:
    secrets.set_secret("STRIPE_SECRET_KEY_TEST", VALUE_RING)
    assert hermetic.store[("charter-kiosk", "STRIPE_SECRET_KEY_TEST")] == VALUE_RING
    assert secrets.get_secret("STRIPE_SECRET_KEY_TEST") == VALUE_RING
    assert secrets.require_secret("STRIPE_SECRET_KEY_TEST") == VALUE_RING
    assert secrets.secret_source("STRIPE_SECRET_KEY_TEST") == "keyring"


def test_environment_overrides_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets.set_secret("STRIPE_SECRET_KEY_TEST", VALUE_RING)
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", VALUE_ENV)
    assert secrets.get_secret("STRIPE_SECRET_KEY_TEST") == VALUE_ENV
    assert secrets.secret_source("STRIPE_SECRET_KEY_TEST") == "environment"
    # An empty variable does not hide the keyring value.
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", "")
    assert secrets.get_secret("STRIPE_SECRET_KEY_TEST") == VALUE_RING


def test_missing_secret_names_it() -> None:
    assert secrets.get_secret("NOWPAYMENTS_API_KEY") is None
    assert secrets.secret_source("NOWPAYMENTS_API_KEY") == "missing"
    with pytest.raises(SecretMissing) as info:
        secrets.require_secret("NOWPAYMENTS_API_KEY")
    assert "NOWPAYMENTS_API_KEY" in str(info.value)
    assert isinstance(info.value, UserError)


def test_no_value_in_any_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every refusal names the secret, never a value the process holds."""
    secrets.set_secret("STRIPE_SECRET_KEY_LIVE", VALUE_RING)
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", VALUE_ENV)
    messages = []
    with pytest.raises(SecretMissing) as missing:
        secrets.require_secret("RELAY_TOKEN")
    messages.append(str(missing.value))
    with pytest.raises(UserError) as empty:
        secrets.set_secret("RELAY_TOKEN", "")
    messages.append(str(empty.value))
    keyring.set_keyring(fail.Keyring())
    for call in (lambda: secrets.get_secret("STRIPE_SECRET_KEY_LIVE"),
                 lambda: secrets.set_secret("RELAY_TOKEN", VALUE_RING),
                 lambda: secrets.delete_secret("STRIPE_SECRET_KEY_LIVE")):
        with pytest.raises(KeyringUnavailable) as info:
            call()
        messages.append(str(info.value))
    assert len(messages) == 5
    for message in messages:
        assert VALUE_ENV not in message
        assert VALUE_RING not in message


@pytest.mark.parametrize("name", ["STRIPE_SECRET_KEY", "stripe_secret_key_test", "PATH", ""])
def test_unknown_name_rejected(name: str) -> None:
    for call in (secrets.get_secret, secrets.require_secret, secrets.secret_source, secrets.delete_secret):
        with pytest.raises(UserError, match="not a secret Charter Kiosk knows about"):
            call(name)
    with pytest.raises(UserError, match="not a secret"):
        secrets.set_secret(name, "value-123456")


def test_fail_backend_fails_closed(monkeypatch: pytest.MonkeyPatch, hermetic: MemoryKeyring) -> None:
    keyring.set_keyring(fail.Keyring())
    assert not secrets.keyring_available()
    assert secrets.keyring_backend_name() == "keyring.backends.fail.Keyring"
    with pytest.raises(KeyringUnavailable) as info:
        secrets.get_secret("NOWPAYMENTS_API_KEY")
    assert "NOWPAYMENTS_API_KEY" in str(info.value)
    assert "keyring.backends.fail.Keyring" in str(info.value)
    # An absent keyring must not look like an absent secret.
    assert not isinstance(info.value, SecretMissing)
    with pytest.raises(KeyringUnavailable):
        secrets.require_secret("NOWPAYMENTS_API_KEY")
    with pytest.raises(KeyringUnavailable):
        secrets.set_secret("NOWPAYMENTS_API_KEY", "np-key-123456")
    assert hermetic.store == {}
    # The environment still works.
    monkeypatch.setenv("NOWPAYMENTS_API_KEY", "np-env-key-987")
    assert secrets.get_secret("NOWPAYMENTS_API_KEY") == "np-env-key-987"
    assert secrets.secret_source("NOWPAYMENTS_API_KEY") == "environment"
    assert secrets.secret_source("RELAY_TOKEN") == "missing"


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring: works, but writes secrets to a file."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {("charter-kiosk", "RELAY_TOKEN"): "plaintext-token"}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_plaintext_backend_treated_as_unavailable() -> None:
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    assert secrets.keyring_backend_name() == "keyrings.alt.file.PlaintextKeyring"
    assert not secrets.keyring_available()
    with pytest.raises(KeyringUnavailable):
        secrets.get_secret("RELAY_TOKEN")  # the value is there, but we must not read it
    with pytest.raises(KeyringUnavailable):
        secrets.set_secret("BASE_URL", "https://example.org")
    assert ("charter-kiosk", "BASE_URL") not in backend.store


def test_empty_chainer_is_unavailable() -> None:
    from keyring.backends import chainer

    class EmptyChainer(chainer.ChainerBackend):
        @property
        def backends(self) -> list[KeyringBackend]:  # type: ignore[override]
            return []

    keyring.set_keyring(EmptyChainer())
    assert not secrets.keyring_available()
    with pytest.raises(KeyringUnavailable):
        secrets.get_secret("RELAY_TOKEN")


def test_keyring_error_is_reported_as_unavailable() -> None:
    class BrokenKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("locked")

    keyring.set_keyring(BrokenKeyring())
    with pytest.raises(KeyringUnavailable, match="KeyringLocked"):
        secrets.get_secret("RELAY_TOKEN")


def test_delete_secret(hermetic: MemoryKeyring) -> None:
    secrets.set_secret("RELAY_TOKEN", "relay-token-abcdef")
    assert secrets.delete_secret("RELAY_TOKEN") is True
    assert secrets.delete_secret("RELAY_TOKEN") is False
    assert secrets.get_secret("RELAY_TOKEN") is None


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("charter.test.secrets")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


@pytest.mark.parametrize("source", ["env", "keyring"])
def test_values_handed_out_are_redacted_from_logs(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    value = f"sk_live_{source}_never_in_a_log_0042"
    if source == "env":
        monkeypatch.setenv("STRIPE_SECRET_KEY_LIVE", value)
    else:
        keyring.get_keyring().set_password("charter-kiosk", "STRIPE_SECRET_KEY_LIVE", value)
    assert secrets.get_secret("STRIPE_SECRET_KEY_LIVE") == value
    logger, stream = _capture()
    logger.info("calling Stripe with %s", value)
    logger.warning(f"inline {value} in the message")
    try:
        raise RuntimeError(f"auth failed for key {value}")
    except RuntimeError:
        logger.exception("request failed")
    output = stream.getvalue()
    assert value not in output
    assert output.count("[redacted]") == 3
    assert "RuntimeError: auth failed for key [redacted]" in output
    assert "calling Stripe with [redacted]" in output


def test_set_secret_value_is_redacted() -> None:
    value = "whsec_stored_by_staff_1234"
    secrets.set_secret("STRIPE_WEBHOOK_SECRET", value)
    logger, stream = _capture()
    logger.error("webhook secret is %r", value)
    assert value not in stream.getvalue()


def test_a_keyring_backend_that_cannot_load_counts_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend import secrets

    def broken() -> None:
        raise RuntimeError("no D-Bus session")

    monkeypatch.setattr(secrets.keyring, "get_keyring", broken)
    assert secrets.keyring_available() is False
    assert "unusable" in secrets.keyring_backend_name()
    with pytest.raises(secrets.KeyringUnavailable):
        secrets.get_secret("NOWPAYMENTS_API_KEY")
