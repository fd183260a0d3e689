"""Short pay links on the relay: a kiosk's QR code carries `/p/<code>`, not 400 characters."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.short_links import shorten
from tests.support.relay import NOWPAYMENTS_SECRET, STRIPE_SECRET

CHECKOUT = "https://checkout.stripe.com/c/pay/cs_test_a1b2c3#fid" + "x" * 300


@pytest.fixture
def relay() -> Iterator[tuple[RelayServer, str]]:
    with RelayServer(stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets=[NOWPAYMENTS_SECRET]) as server:
        yield server, tokens.add_kiosk(server.relay.store, "kiosk-a")


def test_short_link_redirects_to_checkout_until_it_expires(relay: tuple[RelayServer, str]
                                                           ) -> None:
    server, token = relay
    expires = time.time() + 1.5
    short = shorten(server.url, token, CHECKOUT, expires)
    assert short is not None and short.startswith(f"{server.url}/p/")
    code = short.rsplit("/", 1)[1]
    assert len(code) >= 22  # 128 random bits: not guessable
    assert len(short) < 70, "the point is a small QR code"
    answer = requests.get(short, allow_redirects=False, timeout=5)
    assert answer.status_code == 303
    assert answer.headers["location"] == CHECKOUT
    assert answer.headers["cache-control"] == "no-store"
    time.sleep(1.6)
    gone = requests.get(short, allow_redirects=False, timeout=5)
    assert gone.status_code == 410 and "expired" in gone.text
    # The link names no language: the page speaks the phone's.
    spanish = requests.get(short, allow_redirects=False, timeout=5,
                           headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert spanish.status_code == 410 and "ha caducado" in spanish.text
    assert spanish.headers["content-language"] == "es"
    arabic = requests.get(short, allow_redirects=False, timeout=5,
                          headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.text and "انتهت" in arabic.text


def test_unknown_code_is_404_and_codes_differ(relay: tuple[RelayServer, str]) -> None:
    server, token = relay
    assert requests.get(f"{server.url}/p/not-a-code", timeout=5).status_code == 404
    first = shorten(server.url, token, CHECKOUT, time.time() + 600)
    second = shorten(server.url, token, CHECKOUT, time.time() + 600)
    assert first and second and first != second


@pytest.mark.parametrize("body", [
    {"url": "javascript:alert(1)", "expires_at": "soon"},
    {"url": "ftp://example.org/x", "expires_at": 0},
    {"url": CHECKOUT, "expires_at": 1},                       # already expired
    {"url": CHECKOUT, "expires_at": 10**12},                  # far beyond a session
    {"url": "https://example.org/" + "a" * 3000, "expires_at": 2 * 10**9},
])
def test_bad_requests_are_refused(relay: tuple[RelayServer, str], body: dict[str, object]
                                  ) -> None:
    server, token = relay
    answer = requests.post(f"{server.url}/v1/paylinks", json=body, timeout=5,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400


def test_a_kiosk_token_is_required(relay: tuple[RelayServer, str]) -> None:
    server, _token = relay
    body = {"url": CHECKOUT, "expires_at": time.time() + 60}
    assert requests.post(f"{server.url}/v1/paylinks", json=body, timeout=5).status_code == 401
    assert shorten(server.url, "wrong-token", CHECKOUT, time.time() + 60) is None


def test_no_relay_means_the_long_url() -> None:
    assert shorten("http://127.0.0.1:9", "t", CHECKOUT, time.time() + 60) is None
