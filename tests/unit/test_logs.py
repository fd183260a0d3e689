"""Log redaction: any secret value the process has handed out never reaches a log line."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from backend import logs
from backend.logs import RedactSecrets, redact, remember_secret


def test_redact_known_values() -> None:
    remember_secret("tok_abcdef_1")
    remember_secret("tok_abcdef_1_longer")
    remember_secret("short")  # under 6 characters: too common to redact
    remember_secret(None)
    remember_secret("")
    assert redact("a tok_abcdef_1_longer b tok_abcdef_1 c") == "a [redacted] b [redacted] c"
    assert redact("short and sweet") == "short and sweet"
    assert redact("nothing here") == "nothing here"


def test_filter_redacts_args_messages_and_tracebacks() -> None:
    value = "np_ipn_secret_for_log_test_9"
    remember_secret(value)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("charter.test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.debug("plain %s and %d", "text", 5)
    logger.info("dict %(key)s", {"key": value})
    try:
        {}[value]
    except KeyError:
        logger.exception("lookup of %s failed", value)
    try:
        raise ValueError("outer") from RuntimeError(f"cause {value}")
    except ValueError:
        logger.error("chained", exc_info=True)
    output = stream.getvalue()
    assert value not in output
    assert "plain text and 5" in output
    assert "dict [redacted]" in output
    assert "KeyError: '[redacted]'" in output
    assert "RuntimeError: cause [redacted]" in output


def test_setup_logging_writes_a_redacted_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    value = "rk_live_" + "configured_in_env_55"  # split: a fake key must not look real to scanners
    monkeypatch.setenv("STRIPE_SECRET_KEY_LIVE", value)
    logger = logging.getLogger("charter")
    before = list(logger.handlers)
    monkeypatch.setattr(logger, "_charter_configured", False, raising=False)
    monkeypatch.setattr(logger, "level", logger.level)
    try:
        path = logs.setup_logging(to_stderr=False)
        assert path.parent == tmp_path / "home" / "logs"
        logging.getLogger("charter.stripe").warning("key in use: %s", value)
        for handler in logger.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "key in use: [redacted]" in text
        assert value not in text
        # A second call does not add handlers.
        count = len(logger.handlers)
        logs.setup_logging(to_stderr=False)
        assert len(logger.handlers) == count
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(handler)
            handler.close()
