"""The names of the secrets Charter Kiosk reads (names only; the values live in the keyring
or the environment).

A module of its own so `backend.logs` can learn every name to redact without importing
`backend.secrets`, which imports the logs to report each value it hands out.
"""

from __future__ import annotations

KNOWN_SECRETS = (
    "STRIPE_SECRET_KEY_TEST",
    "STRIPE_SECRET_KEY_LIVE",
    "STRIPE_PUBLISHABLE_KEY_TEST",
    "STRIPE_PUBLISHABLE_KEY_LIVE",
    "NOWPAYMENTS_API_KEY_TEST",
    "NOWPAYMENTS_API_KEY_LIVE",
    "NOWPAYMENTS_IPN_SECRET_TEST",
    "NOWPAYMENTS_IPN_SECRET_LIVE",
    "NOWPAYMENTS_IPN_SECRET_TEST_PREVIOUS",
    "NOWPAYMENTS_IPN_SECRET_LIVE_PREVIOUS",
    # The original single names, read only as a fallback for live mode (with a
    # warning): NOWPayments' sandbox is a separate account with keys of its own.
    "NOWPAYMENTS_API_KEY",
    "NOWPAYMENTS_IPN_SECRET",
    "BASE_URL",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_WEBHOOK_SECRET_PREVIOUS",
    "NOWPAYMENTS_IPN_SECRET_PREVIOUS",
    "RELAY_TOKEN",
    "STAFF_PIN_HASH",
)
