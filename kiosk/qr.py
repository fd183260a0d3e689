"""A QR code's module matrix, from the `qrcode` library: pure Python, no Qt, so the
payment flow builds it on a worker (kiosk/widgets/qr.py draws it)."""

from __future__ import annotations

Matrix = list[list[bool]]

QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def qr_matrix(payload: str) -> Matrix:
    """The module matrix for `payload` (pure Python: call it from a worker for long URLs)."""
    import qrcode  # on the first payment, not at start-up
    import qrcode.constants

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]
