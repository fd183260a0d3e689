"""The donor's choices at the moment of giving: cover the fee, make it monthly.
Against the sandbox over HTTP with the official SDK; webhooks signed as Stripe does."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from backend import charter, ledger, stripe_api
from backend.models import Donation, Subscription
from backend.result import UserError
from backend.settings import load_settings, write_settings
from backend.webhooks import stripe_signature_header
from tests.conftest import CAMPAIGN
from tests.support.paths import REPO


@pytest.fixture
def choices(kiosk_env: Any) -> Any:
    write_settings({"campaign": {**CAMPAIGN, "monthly": True},
                    "kiosk": {"id": "kiosk-a", "mode": "test"},
                    "fees": {"card_percent": "2.9", "card_fixed": "0.30",
                             "crypto_percent": "1"}})
    return kiosk_env


def deliver(sandbox: Any, *types: str) -> None:
    """The sandbox's events of these types, as Stripe would send them to the kiosk."""
    secret = sandbox.config.stripe_webhook_secret
    for event in sandbox.stripe.events():
        if event["type"] in types:
            body = json.dumps(event).encode()
            result = stripe_api.handle_webhook(body, stripe_signature_header(
                body, secret, int(time.time())))
            assert result["success"], result


def total() -> int:
    return int(charter.get_cumulative_total()["data"]["total_minor"])


def test_cover_the_fee_by_card_pays_gift_plus_fee_and_staff_see_the_fee(
        choices: Any, tmp_path: Path) -> None:
    data = charter.fiat_button_click("25", "card", cover_fee=True)["data"]
    assert (data["gift_minor"], data["fee_minor"], data["amount_minor"]) == (2500, 103, 2603)
    items = choices.stripe.line_items(data["session_id"])
    assert [(i["name"], i["unit_amount"]) for i in items] == [
        ("Gift to Spring Gala", 2500), ("Processing fee, covered by you", 103)]
    choices.pay_stripe_session(data["session_id"], webhook=False)
    assert stripe_api.get_payment_status(data["session_id"])["data"]["counted"] is True
    assert total() == 2603
    assert charter.giving_summary()["data"]["fees_minor"] == 103
    out = tmp_path / "gifts.csv"
    charter.export_donations_csv(out)
    with out.open(encoding="utf-8", newline="") as export:
        (row,) = csv.DictReader(export)
    assert (row["amount"], row["fee_covered"]) == ("26.03", "1.03")


def test_cover_the_fee_in_crypto_travels_with_the_order(choices: Any) -> None:
    data = charter.crypto_button_click("40", "eth", cover_fee=True)["data"]
    assert data["amount_minor"] == 4040
    choices.set_nowpayments_status(data["payment_id"], "finished", webhook=False)
    assert charter.get_cumulative_total()["data"]["total_minor"] == 0  # not polled yet
    payment = choices.nowpayments.payment(data["payment_id"])
    assert payment["order_id"].endswith("/40")  # another kiosk learns the fee from it
    from backend import nowpayments_api

    nowpayments_api.get_invoice_status(data["payment_id"])
    assert (total(), Donation.get().fee_minor) == (4040, 40)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: charter.fiat_button_click("1000", "card", cover_fee=True), "$1,000"),
    (lambda: charter.fiat_button_click("25", "card", cover_fee="yes"), "fee"),
    (lambda: charter.fiat_button_click("25", "card", recurring="week"), "monthly"),
    (lambda: charter.fiat_button_click("25", "tap", recurring="month"), "phone"),
    (lambda: charter.crypto_button_click("25", "btc", recurring="month"), "crypto"),
])
def test_bad_choices_are_refused_and_nothing_is_written(choices: Any, call: Any,
                                                        words: str) -> None:
    result = call()
    assert not result["success"] and words in result["error"], result
    from backend.db import ensure_database
    from backend.models import ContributionIntent

    ensure_database()
    assert ContributionIntent.select().count() == 0


def test_monthly_needs_the_campaign_to_offer_it(kiosk_env: Any) -> None:
    result = charter.fiat_button_click("25", "card", recurring="month")
    assert not result["success"] and "not offered" in result["error"]


@pytest.mark.parametrize(("fees", "words"), [
    ({"card_percent": "-1"}, "0 to 10"), ({"card_percent": "10.5"}, "0 to 10"),
    ({"crypto_percent": "11"}, "0 to 10"), ({"card_fixed": "-0.30"}, "negative"),
    ({"cash_percent": "1"}, "unknown"),
])
def test_a_fee_configuration_that_is_negative_or_over_ten_percent_is_refused(
        tmp_path: Path, fees: dict[str, Any], words: str) -> None:
    path = tmp_path / "kiosk.toml"
    write_settings({"campaign": CAMPAIGN, "fees": fees}, path)
    with pytest.raises(UserError, match=words):
        load_settings(path)


def test_a_float_fee_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[fees]\ncard_percent = 2.9\n", encoding="utf-8")
    with pytest.raises(UserError, match="quoted decimal"):
        load_settings(path)


def test_a_monthly_gift_counts_each_paid_month_once_until_cancelled(choices: Any) -> None:
    data = charter.fiat_button_click("20", "card", recurring="month")["data"]
    session = choices.stripe.session(data["session_id"])
    assert session["mode"] == "subscription"
    assert choices.stripe.line_items(data["session_id"])[0]["unit_amount"] == 2000
    choices.pay_stripe_session(data["session_id"], webhook=False)
    assert stripe_api.get_payment_status(data["session_id"])["data"]["counted"] is True
    assert total() == 2000  # the first month counts at once
    deliver(choices, "checkout.session.completed", "invoice.paid")  # the same payment
    assert total() == 2000 and Donation.select().count() == 1
    subscription = choices.stripe.session(data["session_id"])["subscription"]
    summary = charter.giving_summary()["data"]
    assert (summary["monthly_donors"], summary["monthly_yearly_minor"]) == (1, 24000)
    choices.renew_subscription(subscription, webhook=False)
    deliver(choices, "invoice.paid")
    deliver(choices, "invoice.paid")  # repeated deliveries change nothing
    assert total() == 4000 and Donation.select().count() == 2
    assert {d.subscription for d in Donation.select()} == {subscription}
    choices.cancel_subscription(subscription, webhook=False)
    deliver(choices, "customer.subscription.deleted")
    assert Subscription.get_by_id(subscription).status == "cancelled"
    assert ledger.monthly_summary()["monthly_donors"] == 0
    assert total() == 4000  # what was given stays


# --- the donor's language ---------------------------------------------------------


@pytest.mark.parametrize(("languages", "words"), [
    (["en", "xx"], "'xx' is not a language the kiosk has"),
    (["en", "de"], "'de' is not a language"),
    (["en", "es", "es_MX"], "lists 'es' twice"),
    ([], "must be a list"),
    ("es", "must be a list"),
    (["en", 7], "7 is not a language"),
])
def test_an_unknown_language_in_settings_is_refused_by_name(
        tmp_path: Path, languages: Any, words: str) -> None:
    path = tmp_path / "kiosk.toml"
    write_settings({"campaign": {**CAMPAIGN, "languages": languages}}, path)
    with pytest.raises(UserError, match=words):
        load_settings(path)


def test_languages_may_name_a_territory_for_their_formats(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    write_settings({"campaign": {**CAMPAIGN, "languages": ["es_US", "en", "fr-CA"]}}, path)
    assert load_settings(path).languages == ("es_US", "en", "fr_CA")


def test_every_shipped_language_has_its_translations() -> None:
    from backend.settings import SHIPPED_LANGUAGES

    folder = REPO / "resources" / "translations"
    shipped = {path.stem.removeprefix("charter_") for path in folder.glob("charter_*.ts")}
    assert {"en", *shipped} == set(SHIPPED_LANGUAGES)


@pytest.mark.parametrize(("language", "locale"), [
    ("en", "en"), ("es", "es"), ("es_MX", "es-419"), ("es_US", "es-419"), ("es_ES", "es"),
    ("fr", "fr"), ("fr_CA", "fr-CA"), ("ar", "auto"), ("en_GB", "en-GB"),
])
def test_checkout_opens_in_the_donors_language(language: str, locale: str) -> None:
    # Stripe Checkout has no Arabic: "auto" follows the phone's language instead.
    assert stripe_api.checkout_locale(language) == locale


def test_the_session_and_its_landing_pages_carry_the_language(kiosk_env: Any) -> None:
    write_settings({"campaign": {**CAMPAIGN, "languages": ["en", "es", "ar"]},
                    "kiosk": {"id": "kiosk-a", "mode": "test"}})
    spanish = charter.fiat_button_click("25", "card", language="es")["data"]
    session = kiosk_env.stripe.session(spanish["session_id"])
    assert session["locale"] == "es"
    assert "lang=es" in session["success_url"] and "lang=es" in session["cancel_url"]
    arabic = kiosk_env.stripe.session(
        charter.fiat_button_click("25", "card", language="ar")["data"]["session_id"])
    assert arabic["locale"] == "auto" and "lang=ar" in arabic["success_url"]
    default = kiosk_env.stripe.session(
        charter.fiat_button_click("25", "card")["data"]["session_id"])
    # English too: a donor who chose English is not switched by a French phone.
    assert default["locale"] == "en" and "lang=en" in default["success_url"]
    refused = charter.fiat_button_click("25", "card", language="fr")
    assert not refused["success"] and "not one of this campaign's languages" in refused["error"]


def test_the_landing_pages_show_the_amount_as_the_kiosk_did(kiosk_env: Any) -> None:
    write_settings({"campaign": {**CAMPAIGN, "languages": ["en", "fr", "ar"], "max_amount": "5000"},
                    "kiosk": {"id": "kiosk-a", "mode": "test"}})

    def landing_amount(**kwargs: Any) -> str:
        answer = charter.fiat_button_click("1234.5", "card", **kwargs)
        assert answer["success"], answer
        data = answer["data"]
        session = kiosk_env.stripe.session(data["session_id"])
        amounts = {parse_qs(urlsplit(session[url]).query)["amount"][0]
                   for url in ("success_url", "cancel_url")}
        assert len(amounts) == 1
        return amounts.pop()

    french = "1\u202f234,50\u00a0$"
    assert landing_amount(language="fr", amount_text=french) == french
    arabic = "\u200f\u0661\u066c\u0662\u0663\u0664\u066b\u0665\u0660\u00a0$"
    assert landing_amount(language="ar", amount_text=arabic) == arabic
    # Text that is not the amount charged (here the gift without a fee, or junk) is not
    # shown: the page says the charged amount in the campaign's own format instead.
    assert landing_amount(language="fr", amount_text="1\u202f000,00\u00a0$") == "$1,234.50"
    assert landing_amount(language="fr", amount_text=12345) == "$1,234.50"  # type: ignore[arg-type]
    assert landing_amount(language="fr") == "$1,234.50"
