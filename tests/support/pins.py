"""A staff PIN for the tests of the staff screens and the lock, not of the hash.

`staff_pin.set_pin` hashes at the kiosk's real scrypt cost (~50 ms, on purpose), and every
check of a PIN costs the same again: the lock tests alone check ~20 PINs. These tests store
the same kind of hash at a low cost instead; `pin_matches` follows the cost written in the
stored text, so the check runs exactly the code a kiosk runs. The real cost is tested in
tests/gui/test_staff_pin.py.
"""

from __future__ import annotations

from backend import staff_pin
from backend.secrets import set_secret

LOW_COST = 2**8


def store_pin(pin: str) -> None:
    staff_pin.check_pin_format(pin)
    set_secret(staff_pin.SECRET_NAME, staff_pin.hash_pin(pin, cost=LOW_COST))
