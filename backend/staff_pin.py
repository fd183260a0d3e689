"""The staff PIN: a salted scrypt hash in the keyring, and a lock after wrong tries.

The hash lives in the `STAFF_PIN_HASH` secret (the environment overrides the
keyring, like every secret). Five wrong tries in a row lock staff mode for a
few minutes; the lock is kept in a small file in the data directory so that a
restart does not reset it. Nothing here ever logs or returns the PIN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backend.result import Result, UserError, ok, public
from backend.secrets import get_secret, set_secret
from backend.settings import data_dir

log = logging.getLogger("charter.staff")

SECRET_NAME = "STAFF_PIN_HASH"
MAX_TRIES = 5
LOCK_SECONDS = 5 * 60
MAX_LOCK_SECONDS = 24 * 3600
MIN_LENGTH = 4
MAX_LENGTH = 12
LOCK_FILE = "staff_pin_lock.json"

# scrypt cost: about 50 ms on a kiosk-class CPU, which makes guessing offline
# slow while a person tapping a PIN never notices.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


def hash_pin(pin: str, *, salt: bytes | None = None, cost: int = _N) -> str:
    """`scrypt$N$r$p$salt$hash`, both parts base64: the text stored in the keyring.

    The text carries its own cost, which `pin_matches` follows; only tests of the staff
    screens pass a lower `cost`, to spend their time on what they test."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=cost, r=_R, p=_P, dklen=32)
    return "$".join(
        [_SCHEME, str(cost), str(_R), str(_P), _b64(salt), _b64(digest)]
    )


def pin_matches(pin: str, stored: str) -> bool:
    """Constant-time check of `pin` against a stored hash; False for anything malformed."""
    try:
        scheme, n, r, p, salt_text, digest_text = stored.split("$")
        if scheme != _SCHEME:
            return False
        salt = base64.b64decode(salt_text)
        expected = base64.b64decode(digest_text)
        digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def check_pin_format(pin: str) -> None:
    if not pin.isdigit() or not MIN_LENGTH <= len(pin) <= MAX_LENGTH:
        raise UserError(f"A staff PIN is {MIN_LENGTH} to {MAX_LENGTH} digits.")


class PinGuard:
    """Counts wrong tries and keeps the lock; the clock and the lock file are injectable."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        lock_path: Path | None = None,
        max_tries: int = MAX_TRIES,
        lock_seconds: float = LOCK_SECONDS,
    ) -> None:
        self._clock = clock
        self._lock_path = lock_path
        self._max_tries = max_tries
        self._lock_seconds = lock_seconds
        self._mutex = threading.Lock()

    def _path(self) -> Path:
        return self._lock_path or data_dir() / LOCK_FILE

    def _load(self) -> tuple[int, float, int]:
        try:
            raw = json.loads(self._path().read_text(encoding="utf-8"))
            return (int(raw.get("failures", 0)), float(raw.get("locked_until", 0.0)),
                    int(raw.get("lockouts", 0)))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0, 0.0, 0

    def _save(self, failures: int, locked_until: float, lockouts: int = 0) -> None:
        path = self._path()
        try:
            path.write_text(json.dumps({"failures": failures, "locked_until": locked_until,
                                        "lockouts": lockouts}), encoding="utf-8")
        except OSError:
            log.warning("could not write the staff PIN lock file %s", path)

    def locked_for(self) -> float:
        """Seconds left on the lock, 0 when unlocked."""
        with self._mutex:
            _, locked_until, _ = self._load()
            return max(0.0, locked_until - self._clock())

    def verify(self, pin: str) -> dict[str, object]:
        """Check a PIN; raises `UserError` with a message for the person at the screen."""
        with self._mutex:
            failures, locked_until, lockouts = self._load()
            now = self._clock()
            if locked_until > now:
                raise UserError(_locked_message(locked_until - now))
            if locked_until:
                failures, locked_until = 0, 0.0  # the lock ran out: five more tries
            stored = get_secret(SECRET_NAME)
            if not stored:
                raise UserError(
                    "No staff PIN is set on this kiosk. Set one with "
                    "`charter-kiosk secrets set-pin`."
                )
            if pin_matches(pin, stored):
                self._save(0, 0.0)
                log.info("staff PIN accepted")
                return {"ok": True}
            failures += 1
            log.warning("wrong staff PIN (%d in a row)", failures)
            if failures >= self._max_tries:
                # Each lock in a row lasts twice as long (to a day): five guesses every
                # few minutes would otherwise find a 4-digit PIN within a week.
                seconds = min(self._lock_seconds * 2 ** lockouts, MAX_LOCK_SECONDS)
                self._save(0, now + seconds, lockouts + 1)
                raise UserError(_locked_message(seconds))
            self._save(failures, 0.0, lockouts)
            left = self._max_tries - failures
            raise UserError(
                f"That PIN is not right. {left} {'try' if left == 1 else 'tries'} left."
            )


def _locked_message(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return (
        f"Too many wrong PINs. Staff mode is locked for about {minutes} "
        f"minute{'s' if minutes != 1 else ''}."
    )


_guard = PinGuard()


def default_guard() -> PinGuard:
    return _guard


@public
def verify_pin(pin: str, *, guard: PinGuard | None = None) -> Result:
    """`{"ok": True}` for the right PIN; an error (wrong, locked, not set) otherwise."""
    return ok((guard or _guard).verify(str(pin)))


@public
def set_pin(pin: str) -> Result:
    """Store a new staff PIN (as a salted hash) in the keyring."""
    check_pin_format(pin)
    set_secret(SECRET_NAME, hash_pin(pin))
    return ok({"set": True})


@public
def pin_status(*, guard: PinGuard | None = None) -> Result:
    """Whether a PIN is set and how long the lock has left (never the PIN or its hash)."""
    return ok({"is_set": bool(get_secret(SECRET_NAME)),
               "locked_for_s": int((guard or _guard).locked_for())})
