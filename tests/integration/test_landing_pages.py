"""The phone pages after Checkout, rendered by a real browser at a phone's size (390×844)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from backend.relay.server import RelayServer
from tests.support.relay import NOWPAYMENTS_SECRET, STRIPE_SECRET

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 844)
BACKGROUND = (0xF7, 0xF5, 0xF0)
QUERY = {"charity": "Riverside Food Bank", "amount": "$12.50"}


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayServer]:
    db = tmp_path_factory.mktemp("relay") / "relay.sqlite3"
    with RelayServer(f"sqlite:///{db}", stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets=[NOWPAYMENTS_SECRET]) as server:
        yield server


def chromium(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-dev-shm-usage", f"--window-size={PHONE[0]},{PHONE[1]}",
         *args, url],
        capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("path", "heading"), [
    ("/thanks", "Thank you"), ("/cancelled", "nothing was charged")])
def test_pages_name_the_charity_the_amount_and_what_happens_next(
        relay: RelayServer, path: str, heading: str) -> None:
    page = requests.get(f"{relay.url}{path}?{urlencode(QUERY)}", timeout=5).text
    for text in ("Riverside Food Bank", "$12.50", heading, "What happens next"):
        assert text in page
    assert 'name="viewport" content="width=device-width' in page


@pytest.mark.parametrize(("lang", "amount"), [
    ("fr", "1\u202f234,50\u00a0$"), ("es", "26,03\u00a0$"),
    ("ar", "\u200f\u0661\u066c\u0662\u0663\u0664\u066b\u0665\u0660\u00a0$"),
])
def test_the_amount_is_shown_as_the_kiosk_wrote_it_in_the_donors_language(
        relay: RelayServer, lang: str, amount: str) -> None:
    query = {**QUERY, "amount": amount, "lang": lang}
    for path in ("/thanks", "/cancelled"):
        page = requests.get(f"{relay.url}{path}", params=query, timeout=5).text
        assert amount in page, path


@pytest.mark.parametrize(("lang", "heading", "direction"), [
    ("es", "Gracias — estamos confirmando tu donativo", "ltr"),
    ("fr", "Merci — votre don est en cours de confirmation", "ltr"),
    ("ar", "شكرًا لك — جارٍ تأكيد تبرعك", "rtl"),
])
def test_the_thank_you_page_speaks_the_donors_language(
        relay: RelayServer, lang: str, heading: str, direction: str) -> None:
    answer = requests.get(f"{relay.url}/thanks", timeout=5, params={**QUERY, "lang": lang})
    page = answer.text
    assert heading in page and f'<html lang="{lang}" dir="{direction}">' in page
    assert "What happens next" not in page and "Riverside Food Bank" in page
    assert answer.headers["content-language"] == lang


def test_without_a_lang_the_phones_language_is_used_and_unknown_ones_fall_back(
        relay: RelayServer) -> None:
    french_phone = requests.get(f"{relay.url}/cancelled", timeout=5, params=QUERY,
                                headers={"Accept-Language": "fr-CA,fr;q=0.9"}).text
    assert "Pas de souci — rien n’a été débité" in french_phone
    # The kiosk's choice wins over the phone's; a language we do not have is English.
    asked = requests.get(f"{relay.url}/cancelled", timeout=5, params={**QUERY, "lang": "es"},
                         headers={"Accept-Language": "fr"}).text
    assert "No pasa nada" in asked
    unknown = requests.get(f"{relay.url}/cancelled", timeout=5,
                           params={**QUERY, "lang": "<script>"},
                           headers={"Accept-Language": "de-DE"}).text
    assert "nothing was charged" in unknown and "<script>" not in unknown


@pytest.mark.parametrize(("header", "words"), [
    ("es;q=0, fr;q=0.8", "Pas de souci"),  # q=0 means "not Spanish"
    ("en;q=0.5, ar;q=0.9", "لا بأس"),  # the highest preference wins, not the first
    ("frr, arn, es-MX", "No pasa nada"),  # Frisian and Mapudungun are not French or Arabic
    ("fr;q=junk, es", "No pasa nada"),
])
def test_the_phones_preferences_are_read_as_the_standard_says(
        relay: RelayServer, header: str, words: str) -> None:
    page = requests.get(f"{relay.url}/cancelled", timeout=5, params=QUERY,
                        headers={"Accept-Language": header}).text
    assert words in page


def test_a_monthly_gift_says_it_repeats_and_how_to_stop_it(relay: RelayServer) -> None:
    page = requests.get(f"{relay.url}/thanks", timeout=5,
                        params={**QUERY, "every": "month"}).text
    assert "your monthly gift is being confirmed" in page and "every month" in page
    assert "cancel it at any time" in page
    one_off = requests.get(f"{relay.url}/thanks", timeout=5, params=QUERY).text
    assert "monthly" not in one_off


def test_untrusted_names_are_not_shown(relay: RelayServer) -> None:
    page = requests.get(f"{relay.url}/thanks", timeout=5, params={
        "charity": "<img src=x onerror=alert(1)>", "amount": "x" * 200}).text
    assert "<img" not in page and "x" * 100 not in page
    assert "Thank you" in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
@pytest.mark.parametrize("path", ["/thanks", "/cancelled"])
def test_pages_fit_a_phone_in_headless_chromium(relay: RelayServer, tmp_path: Path,
                                                path: str) -> None:
    from PySide6.QtGui import QImage

    url = f"{relay.url}{path}?{urlencode(QUERY)}&session_id=cs_test_a1B2c3"
    shot = tmp_path / "page.png"
    run = chromium(url, f"--screenshot={shot}")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == PHONE

    def ink(x: int, y: int) -> bool:
        color = image.pixelColor(x, y)
        return abs(color.red() - BACKGROUND[0]) + abs(color.green() - BACKGROUND[1]) + \
            abs(color.blue() - BACKGROUND[2]) > 60

    columns = [x for x in range(PHONE[0]) if any(ink(x, y) for y in range(0, PHONE[1], 3))]
    rows = [y for y in range(PHONE[1]) if any(ink(x, y) for x in range(0, PHONE[0], 3))]
    assert columns and rows
    # Nothing runs off the right edge (no sideways scrolling), with a margin either side.
    assert min(columns) >= 12 and max(columns) <= PHONE[0] - 12, (min(columns), max(columns))
    # The heading and the amount are on the first screen, not below the fold.
    assert min(rows) < 200
