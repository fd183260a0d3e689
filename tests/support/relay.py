"""Helpers for tests and benchmarks of the relay: signed webhooks and scratch PostgreSQL schemas.

Nothing here is used by the relay itself; it lives under tests/ so it never ships.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from backend.webhooks import nowpayments_signature, stripe_signature_header

# Fixed values for tests and benchmarks only; they sign nothing real.
STRIPE_SECRET = "whsec_test_relay_current"
STRIPE_SECRET_PREVIOUS = "whsec_test_relay_previous"
NOWPAYMENTS_SECRET = "IPN_relay_current"
NOWPAYMENTS_SECRET_PREVIOUS = "IPN_relay_previous"

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
PG_DATABASE = "test"


def stripe_event(
    event_id: str | None = None,
    event_type: str = "checkout.session.completed",
    obj: Mapping[str, Any] | None = None,
) -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": dict(obj or {"id": f"cs_test_{uuid.uuid4().hex}"})},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def stripe_headers(body: bytes, secret: str = STRIPE_SECRET,
                   timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {"Stripe-Signature": stripe_signature_header(body, secret, ts),
            "Content-Type": "application/json"}


def nowpayments_ipn(payment_id: int | str | None = None, status: str = "finished",
                    **fields: Any) -> bytes:
    body: dict[str, Any] = {
        "payment_id": payment_id if payment_id is not None else uuid.uuid4().int % 10**10,
        "payment_status": status,
        "price_amount": 25,
        "price_currency": "usd",
        "pay_currency": "btc",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }
    body.update(fields)
    return json.dumps(body, separators=(",", ":")).encode()


def nowpayments_headers(body: bytes, secret: str = NOWPAYMENTS_SECRET) -> dict[str, str]:
    return {"x-nowpayments-sig": nowpayments_signature(body, secret),
            "Content-Type": "application/json"}


def postgres_problem() -> str | None:
    """None when the test PostgreSQL server answers, else why not (for pytest.skip)."""
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed"
    try:
        conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE,
                                connect_timeout=2)
    except Exception as exc:
        return (f"no PostgreSQL server answers at {PG_HOST}:{PG_PORT} "
                f"(user {PG_USER}, database {PG_DATABASE}): {str(exc).strip()}")
    conn.close()
    return None


@contextmanager
def scratch_schema(prefix: str = "relay_test") -> Iterator[str]:
    """A fresh PostgreSQL schema; yields a relay URL whose search_path points at it.

    Every relay process given the URL uses the same tables, and parallel test
    runs never see each other's; the schema is dropped afterwards.
    """
    import psycopg2

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_DATABASE,
                             connect_timeout=2)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE SCHEMA "{schema}"')
        options = quote(f"-csearch_path={schema}", safe="")
        yield (f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}"
               f"?options={options}")
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()
