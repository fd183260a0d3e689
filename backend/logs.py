"""Logging that helps at 2 a.m. and never leaks a secret.

One rotating file in the platform log folder, one named logger per area
(`charter.stripe`, `charter.ledger`, ...). A filter on every handler replaces
any secret value the process has read with `[redacted]`, in case one ever
reaches a message or a traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

from backend.secret_names import KNOWN_SECRETS
from backend.settings import log_dir

LOG_FILE = "charter-kiosk.log"
_known_values: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Called by `backend.secrets` for every value it hands out (the one way between the
    two modules: the names to redact come from `backend.secret_names`)."""
    if value and len(value) >= 6:
        with _lock:
            _known_values.add(value)


def redact(text: str) -> str:
    with _lock:
        values = sorted(_known_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, "[redacted]")
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(*, verbose: bool = False, to_stderr: bool = True) -> Path:
    """Configure the root `charter` logger once; return the log file's path."""
    for name in KNOWN_SECRETS:
        remember_secret(os.environ.get(name))
    path = log_dir() / LOG_FILE
    logger = logging.getLogger("charter")
    if getattr(logger, "_charter_configured", False):
        return path
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                        encoding="utf-8")
    file_handler.setFormatter(formatter)
    file_handler.addFilter(RedactSecrets())
    logger.addHandler(file_handler)
    if to_stderr:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.DEBUG if verbose else logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        console.addFilter(RedactSecrets())
        logger.addHandler(console)
    logger._charter_configured = True  # type: ignore[attr-defined]
    return path
