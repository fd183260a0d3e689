"""The provider sandbox over real HTTP: the stripe SDK and requests against it."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.sandbox import SandboxConfig, SandboxServer
from backend.sandbox.common import decimal_text, dumps
from backend.sandbox.nowpayments_app import COINS, FIAT_USD, pay_amount_for
from backend.webhooks import verify_nowpayments, verify_stripe

FAST_RETRIES = (0.05, 0.1, 0.1, 0.1, 0.1)


# --- fixtures ---------------------------------------------------------------


class Receiver:
    """A tiny webhook endpoint: records every POST, fails the first `fail_first`."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.attempts = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.attempts += 1
                    failing = receiver.attempts <= receiver.fail_first
                    if not failing:
                        receiver.received.append(
                            (self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict[str, str], bytes]]:
        wait_until(lambda: len(self.received) >= count, timeout)
        with self.lock:
            return list(self.received)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()
        r.thread.join(5)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[SandboxServer]:
    # One server per module (stopping one takes ~0.2 s); each test gets it reset.
    with SandboxServer(SandboxConfig(retry_delays=FAST_RETRIES)) as server:
        yield server


@pytest.fixture
def sb(shared_sandbox: SandboxServer) -> SandboxServer:
    shared_sandbox.reset()
    return shared_sandbox


@pytest.fixture
def client(sb: SandboxServer) -> stripe.StripeClient:
    return stripe.StripeClient(sb.config.stripe_secret_key, base_addresses={"api": sb.url},
                               max_network_retries=2)


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "submit_type": "donate",
        "line_items": [{
            "price_data": {"currency": "usd", "unit_amount": 2500,
                           "product_data": {"name": "Clean Water Appeal"}},
            "quantity": 1,
        }],
        "success_url": "https://kiosk.example/thanks?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://kiosk.example/cancel",
        "metadata": {"campaign_id": "c-1", "kiosk_id": "k-1", "intent_id": "i-1"},
        "client_reference_id": "i-1",
        "expires_at": int(time.time()) + 3600,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def create(client: stripe.StripeClient, key: str | None = None, **overrides: Any) -> Any:
    options: Any = {"idempotency_key": key} if key else {}
    return client.v1.checkout.sessions.create(params=session_params(**overrides),
                                              options=options)


def np_headers(sb: SandboxServer) -> dict[str, str]:
    return {"x-api-key": sb.config.nowpayments_api_key}


def np_create(sb: SandboxServer, **body: Any) -> requests.Response:
    payload = {"price_amount": 25, "price_currency": "usd", "pay_currency": "btc",
               "order_id": "i-1", "order_description": "Donation", **body}
    return requests.post(sb.url + "/v1/payment", json=payload, headers=np_headers(sb),
                         timeout=5)


# --- Stripe: sessions -------------------------------------------------------


def test_sdk_creates_and_retrieves_a_session(sb: SandboxServer,
                                             client: stripe.StripeClient) -> None:
    session = create(client, key="intent-1")
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.url.startswith(f"{sb.url}/checkout/{session.id}#fid")
    assert 300 <= len(session.url) <= 450, len(session.url)  # as long as a real one
    assert session.amount_total == 2500 and session.currency == "usd"
    assert session.metadata["campaign_id"] == "c-1"
    assert session.client_reference_id == "i-1" and session.submit_type == "donate"
    assert session.livemode is False and session.payment_intent is None

    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id == session.id and again.status == "open"


def test_idempotency_replays_and_conflicts(client: stripe.StripeClient) -> None:
    first = create(client, key="intent-7", expires_at=None)
    replay = create(client, key="intent-7", expires_at=None)
    assert replay.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        create(client, key="intent-7", expires_at=None, client_reference_id="other")
    assert create(client, key="intent-8", expires_at=None).id != first.id


def test_multiple_line_items_add_up(client: stripe.StripeClient) -> None:
    item = {"price_data": {"currency": "eur", "unit_amount": 700,
                           "product_data": {"name": "A"}}, "quantity": 3}
    session = create(client, line_items=[item, {**item, "quantity": 1}])
    assert session.amount_total == 2800 and session.currency == "eur"


def _line_item(**price: Any) -> list[dict[str, Any]]:
    price_data: dict[str, Any] = {"currency": "usd", "unit_amount": 2500,
                                  "product_data": {"name": "Gift"}}
    price_data.update(price)
    return [{"price_data": {k: v for k, v in price_data.items() if v is not None},
             "quantity": 1}]


UNIT = "line_items[0][price_data][unit_amount]"


@pytest.mark.parametrize(("overrides", "param", "code"), [
    ({"mode": None}, "mode", "parameter_missing"),
    ({"success_url": None}, "success_url", "parameter_missing"),
    ({"cancel_url": None}, "cancel_url", "parameter_missing"),
    ({"line_items": _line_item(currency=None)}, "line_items[0][price_data][currency]",
     "parameter_missing"),
    ({"line_items": _line_item(unit_amount=None)}, UNIT, "parameter_missing"),
    ({"line_items": _line_item(product_data={"description": "x"})},
     "line_items[0][price_data][product_data][name]", "parameter_missing"),
    ({"line_items": [{"price_data": _line_item()[0]["price_data"]}]},
     "line_items[0][quantity]", "parameter_missing"),
    ({"colour": "blue"}, "colour", "parameter_unknown"),
    ({"metadata": {"a": "b"}, "payment_intent_data": {"foo": "x"}},
     "payment_intent_data[foo]", "parameter_unknown"),
    ({"payment_method_types": ["card"]}, "payment_method_types", "parameter_unknown"),
    ({"line_items": _line_item(unit_amount=25.5)}, UNIT, "parameter_invalid_integer"),
    ({"line_items": _line_item(unit_amount=49)}, UNIT, "amount_too_small"),
    ({"line_items": _line_item(unit_amount=29, currency="gbp")}, UNIT, "amount_too_small"),
    ({"line_items": _line_item(unit_amount=100_000_000)}, UNIT, "amount_too_large"),
    ({"line_items": _line_item(currency="zzz")}, "line_items[0][price_data][currency]", None),
    ({"expires_at": int(time.time()) + 600}, "expires_at", None),
    ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at", None),
    ({"expires_at": "soon"}, "expires_at", "parameter_invalid_integer"),
    ({"submit_type": "give"}, "submit_type", None),
    ({"mode": "subscription"}, "line_items[0][price_data][recurring][interval]", None),  # one-time price
    ({"metadata": {"k" * 41: "v"}}, "metadata[" + "k" * 41 + "]", None),
])
def test_create_validation(client: stripe.StripeClient, overrides: dict[str, Any], param: str,
                           code: str | None) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, **overrides)
    assert caught.value.param == param
    assert caught.value.http_status == 400
    if code:
        assert caught.value.code == code
    assert caught.value.json_body is not None
    assert caught.value.json_body["error"]["type"] == "invalid_request_error"


def test_payment_method_types_message_points_to_replacement(
        client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        create(client, payment_method_types=["card"])
    assert "allowed_payment_method_types" in str(caught.value.user_message)


def test_optional_params_are_accepted(client: stripe.StripeClient) -> None:
    session = create(client, customer_email="donor@example.org", locale="fr",
                     excluded_payment_method_types=["cashapp"],
                     payment_intent_data={"description": "Gift",
                                          "metadata": {"intent_id": "i-1"}},
                     expires_at=int(time.time()) + 1800 + 5)
    assert session.customer_email == "donor@example.org" and session.locale == "fr"


@pytest.mark.parametrize("key", ["sk_test_wrong", "sk_live_" + "abcdefghijkl", "pk_test_sandbox"])
def test_wrong_keys_are_refused(sb: SandboxServer, key: str) -> None:
    bad = stripe.StripeClient(key, base_addresses={"api": sb.url})
    with pytest.raises(stripe.AuthenticationError) as caught:
        bad.v1.checkout.sessions.create(params=session_params())
    assert caught.value.http_status == 401
    assert key not in str(caught.value.user_message)  # never echoed in full


def test_missing_key_is_refused_with_stripe_error_shape(sb: SandboxServer) -> None:
    response = requests.post(sb.url + "/v1/checkout/sessions", data={"mode": "payment"},
                             timeout=5)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and "API key" in error["message"]


def test_unknown_session_is_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert caught.value.http_status == 404 and caught.value.code == "resource_missing"


def test_session_past_expires_at_reads_expired(sb: SandboxServer,
                                               client: stripe.StripeClient) -> None:
    session = create(client, expires_at=int(time.time()) + 1800 + 5)
    sb.advance_time(1900)
    expired = client.v1.checkout.sessions.retrieve(session.id)
    assert expired.status == "expired" and expired.url is None
    events = client.v1.events.list(params={"type": "checkout.session.expired"})
    assert [e.data.object["id"] for e in events.data] == [session.id]
    with pytest.raises(ValueError, match="expired"):
        sb.pay_stripe_session(session.id)


def test_sdk_expire_endpoint(client: stripe.StripeClient) -> None:
    session = create(client)
    assert client.v1.checkout.sessions.expire(session.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


# --- Stripe: payments, events, webhooks ----------------------------------------


def test_pay_delivers_a_signed_webhook(sb: SandboxServer, client: stripe.StripeClient,
                                       receiver: Receiver) -> None:
    sb.set_webhook_urls(stripe=receiver.url + "/hook")
    session = create(client)
    paid = sb.pay_stripe_session(session.id)
    assert paid["status"] == "complete" and paid["payment_status"] == "paid"
    assert paid["payment_intent"].startswith("pi_test_") and paid["url"] is None

    path, headers, body = receiver.wait_for(1)[0]
    assert path == "/hook"
    event = verify_stripe(body, headers["stripe-signature"], [sb.config.stripe_webhook_secret])
    assert event.event_type == "checkout.session.completed"
    assert event.payload["data"]["object"]["id"] == session.id
    assert event.payload["data"]["object"]["payment_status"] == "paid"
    assert event.payload["api_version"] == stripe.api_version
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_webhook_retries_until_the_receiver_answers(sb: SandboxServer,
                                                     client: stripe.StripeClient,
                                                     receiver: Receiver) -> None:
    receiver.fail_first = 2
    sb.set_webhook_urls(stripe=receiver.url)
    session = create(client)
    sb.pay_stripe_session(session.id)
    receiver.wait_for(1)
    wait_until(lambda: any(d["ok"] for d in sb.deliveries()))
    attempts = sb.deliveries()
    assert [(d["attempt"], d["status_code"], d["ok"]) for d in attempts] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]
    assert len({d["event_id"] for d in attempts}) == 1
    assert attempts[0]["provider"] == "stripe"
    delivered = client.v1.events.list(params={"delivery_success": True})
    assert [e.id for e in delivered.data] == [attempts[0]["event_id"]]


def test_delivery_gives_up_and_records_connection_errors(sb: SandboxServer,
                                                         client: stripe.StripeClient) -> None:
    sb.set_webhook_urls(stripe="http://127.0.0.1:9/nothing-listens")
    session = create(client)
    sb.pay_stripe_session(session.id)
    wait_until(lambda: len(sb.deliveries()) == 6)
    assert all(d["error"] and d["status_code"] is None for d in sb.deliveries())
    undelivered = client.v1.events.list(params={"delivery_success": False})
    wait_until(lambda: client.v1.events.list(
        params={"delivery_success": False}).data[0].pending_webhooks == 0)
    assert len(undelivered.data) == 1


def test_webhook_false_completes_silently(sb: SandboxServer, client: stripe.StripeClient,
                                          receiver: Receiver) -> None:
    sb.set_webhook_urls(stripe=receiver.url)
    session = create(client)
    sb.pay_stripe_session(session.id, webhook=False)
    time.sleep(0.1)
    assert receiver.received == [] and sb.deliveries() == []
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    missed = client.v1.events.list(params={"delivery_success": False,
                                           "type": "checkout.session.completed"})
    assert [e.data.object["id"] for e in missed.data] == [session.id]
    assert client.v1.events.list(params={"delivery_success": True}).data == []


def test_expire_and_refund_emit_events(sb: SandboxServer, client: stripe.StripeClient,
                                       receiver: Receiver) -> None:
    sb.set_webhook_urls(stripe=receiver.url)
    kept = create(client, payment_intent_data={"metadata": {"intent_id": "i-9"}})
    dropped = create(client)
    sb.expire_stripe_session(dropped.id)
    paid = sb.pay_stripe_session(kept.id)
    charge = sb.refund_stripe_session(kept.id)
    assert charge["payment_intent"] == paid["payment_intent"] and charge["refunded"]
    bodies = [json.loads(b) for _, _, b in receiver.wait_for(3)]
    assert [b["type"] for b in bodies] == [
        "checkout.session.expired", "checkout.session.completed", "charge.refunded"]
    refunded = bodies[2]["data"]["object"]
    assert refunded["object"] == "charge"
    assert refunded["payment_intent"] == paid["payment_intent"]
    assert refunded["amount_refunded"] == 2500 and refunded["metadata"] == {"intent_id": "i-9"}
    with pytest.raises(ValueError, match="has already been refunded"):
        sb.refund_stripe_session(kept.id)
    with pytest.raises(ValueError, match="not been paid"):
        sb.refund_stripe_session(dropped.id)


# --- Stripe: monthly gifts' payments, refunds and disputes ------------------------------


def monthly(client: stripe.StripeClient, sb: SandboxServer) -> dict[str, Any]:
    """A monthly gift's session, paid: its first invoice is paid."""
    session = create(client, mode="subscription", submit_type=None, line_items=[{
        "price_data": {"currency": "usd", "unit_amount": 2000, "recurring": {"interval": "month"},
                       "product_data": {"name": "Clean Water Appeal"}}, "quantity": 1}],
        subscription_data={"metadata": {"campaign_id": "c-1"}})
    return sb.pay_stripe_session(session.id)


def test_each_paid_invoice_has_a_payment_intent_only_its_invoice_payment_names(
        sb: SandboxServer, client: stripe.StripeClient) -> None:
    paid = monthly(client, sb)
    # Subscription mode: the session has no PaymentIntent; real ids carry no mode.
    assert paid["payment_intent"] is None
    assert re.fullmatch(r"in_[A-Za-z0-9]{24}", paid["invoice"])
    assert re.fullmatch(r"sub_[A-Za-z0-9]{24}", paid["subscription"])
    renewal = sb.renew_subscription(paid["subscription"])
    intents = []
    for invoice in (paid["invoice"], renewal["id"]):
        plain = client.v1.invoices.retrieve(invoice)
        # Since API 2025-03-31: no payment_intent or charge on the invoice, no payments
        # unless expanded.
        assert {"payment_intent", "charge", "payments", "subscription"}.isdisjoint(plain.to_dict())
        expanded = client.v1.invoices.retrieve(invoice, params={"expand": ["payments"]})
        (payment,) = expanded.payments.data
        assert payment.object == "invoice_payment" and re.fullmatch(r"inpay_\w{24}", payment.id)
        assert (payment.invoice, payment.status, payment.amount_paid) == (invoice, "paid", 2000)
        assert payment.payment.type == "payment_intent"
        intent = client.v1.payment_intents.retrieve(payment.payment.payment_intent)
        assert (intent.status, intent.amount, intent.metadata.to_dict()) == ("succeeded", 2000, {})
        intents.append(intent.id)
        by_invoice = client.v1.invoice_payments.list(params={"invoice": invoice})
        assert [p.id for p in by_invoice.data] == [payment.id]
    assert len(set(intents)) == 2  # each month its own payment
    for intent_id, invoice in zip(intents, (paid["invoice"], renewal["id"]), strict=True):
        found = client.v1.invoice_payments.list(params={
            "payment": {"type": "payment_intent", "payment_intent": intent_id}})
        assert [p.invoice for p in found.data] == [invoice]
    every = client.v1.invoice_payments.list(params={"limit": 1})
    assert every.data[0].invoice == renewal["id"] and every.has_more  # newest first
    older = client.v1.invoice_payments.list(params={"starting_after": every.data[0].id})
    assert [p.invoice for p in older.data] == [paid["invoice"]] and not older.has_more
    with_invoice = client.v1.invoice_payments.list(params={
        "invoice": paid["invoice"], "expand": ["data.invoice"]})
    assert with_invoice.data[0].invoice.parent.subscription_details.subscription == \
        paid["subscription"]
    none = client.v1.invoice_payments.list(params={
        "payment": {"type": "payment_intent", "payment_intent": "pi_3NotAnInvoicesPayment0"}})
    assert none.data == []


@pytest.mark.parametrize(("params", "status", "param", "words"), [
    ({"payment": {"payment_intent": "pi_x"}}, 400, "payment[type]", "Missing required param"),
    ({"payment": {"type": "charge"}}, 400, "payment[type]", "must be one of payment_intent"),
    ({"payment": {"type": "payment_intent", "payment_record": "pr_1"}}, 400,
     "payment[payment_record]", "cannot be used"),
    ({"invoice": "in_NoSuchInvoice000000000000"}, 404, "invoice", "No such invoice"),
    ({"status": "refunded"}, 400, "status", "Invalid status"),
    ({"limit": 101}, 400, "limit", "between 1 and 100"),
    ({"expand": ["data.payment.payment_intent"]}, 400, "expand[0]", "cannot be expanded"),
    ({"starting_after": "inpay_unknown"}, 404, "starting_after", "No such invoice_payment"),
])
def test_invoice_payment_filters_are_checked_as_stripe_does(
        client: stripe.StripeClient, params: dict[str, Any], status: int, param: str,
        words: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.invoice_payments.list(params=params)  # type: ignore[arg-type]
    assert (caught.value.http_status, caught.value.param) == (status, param)
    assert words in str(caught.value.user_message)


def test_a_months_payment_is_refunded_in_part_then_in_full_and_disputed(
        sb: SandboxServer, client: stripe.StripeClient, receiver: Receiver) -> None:
    paid = monthly(client, sb)
    renewal = sb.renew_subscription(paid["subscription"], webhook=False)
    sb.set_webhook_urls(stripe=receiver.url)
    part = sb.refund_stripe_payment(renewal["id"], 500)
    assert (part["amount_refunded"], part["refunded"], part["object"]) == (500, False, "charge")
    assert "invoice" not in part and "refunds" not in part  # the charge names its PI only
    (payment,) = client.v1.invoice_payments.list(params={"invoice": renewal["id"]}).data
    assert part["payment_intent"] == payment.payment.payment_intent
    with pytest.raises(ValueError, match=r"Refund amount \(\$20\.00\) is greater than "
                                         r"unrefunded amount on charge \(\$15\.00\)"):
        sb.refund_stripe_payment(renewal["id"], 2000)
    rest = sb.refund_stripe_payment(part["payment_intent"])  # by PaymentIntent: the rest
    assert (rest["amount_refunded"], rest["refunded"]) == (2000, True)
    with pytest.raises(ValueError, match="has already been refunded"):
        sb.refund_stripe_payment(renewal["id"])
    # The first month, by its session; disputed, then won.
    dispute = sb.dispute_stripe_payment(paid["id"])
    assert re.fullmatch(r"dp_\w{24}", dispute["id"]) and dispute["amount"] == 2000
    assert dispute["status"] == "needs_response"
    with pytest.raises(ValueError, match="charged back"):
        sb.refund_stripe_payment(paid["id"])
    won = sb.close_stripe_dispute(dispute["id"], "won")
    assert won["status"] == "won"
    with pytest.raises(ValueError, match="already won"):
        sb.close_stripe_dispute(dispute["id"], "lost")
    bodies = [json.loads(b) for _, _, b in receiver.wait_for(6)]
    assert [b["type"] for b in bodies] == [
        "charge.refunded", "charge.refunded", "charge.dispute.created",
        "charge.dispute.funds_withdrawn", "charge.dispute.closed",
        "charge.dispute.funds_reinstated"]
    first_pi = client.v1.invoice_payments.list(
        params={"invoice": paid["invoice"]}).data[0].payment.payment_intent
    assert {b["data"]["object"]["payment_intent"] for b in bodies[2:]} == {first_pi}
    with pytest.raises(ValueError, match="has not been paid"):
        sb.refund_stripe_payment(create(client).id)
    with pytest.raises(ValueError, match="No such invoice"):
        sb.refund_stripe_payment("in_NoSuchInvoice000000000000")


def test_http_controls_refund_and_dispute_by_session_invoice_and_payment_intent(
        sb: SandboxServer, client: stripe.StripeClient) -> None:
    paid = monthly(client, sb)
    base = f"{sb.url}/_sandbox/stripe"
    renewed = requests.post(f"{base}/subscriptions/{paid['subscription']}/renew", timeout=5)
    assert renewed.status_code == 200 and renewed.json()["billing_reason"] == "subscription_cycle"
    invoice = renewed.json()["id"]
    part = requests.post(f"{base}/invoices/{invoice}/refund", json={"amount": 300}, timeout=5)
    assert part.status_code == 200 and part.json()["amount_refunded"] == 300
    bad = requests.post(f"{base}/invoices/{invoice}/refund", json={"amount": "3"}, timeout=5)
    assert bad.status_code == 400 and "whole number" in bad.json()["error"]
    pi = part.json()["payment_intent"]
    opened = requests.post(f"{base}/payment_intents/{pi}/dispute", json={"amount": 1700},
                           timeout=5)
    assert opened.status_code == 200 and opened.json()["amount"] == 1700
    lost = requests.post(f"{base}/disputes/{opened.json()['id']}/close",
                         json={"outcome": "lost"}, timeout=5)
    assert lost.json()["status"] == "lost"
    first = requests.post(f"{base}/sessions/{paid['id']}/refund", timeout=5)
    assert first.json()["refunded"] is True
    one_off = create(client)
    sb.pay_stripe_session(one_off.id)
    disputed = requests.post(f"{base}/sessions/{one_off.id}/dispute", timeout=5)
    assert disputed.json()["payment_intent"] == sb.stripe.session(one_off.id)["payment_intent"]
    assert requests.post(f"{base}/invoices/{invoice}/void", timeout=5).status_code == 404
    cancelled = requests.post(f"{base}/subscriptions/{paid['subscription']}/cancel", timeout=5)
    assert cancelled.json()["status"] == "canceled"


def test_events_listing_filters_and_pages(sb: SandboxServer,
                                          client: stripe.StripeClient) -> None:
    ids = []
    for _ in range(3):
        session = create(client)
        sb.pay_stripe_session(session.id, webhook=False)
        ids.append(session.id)
    sb.expire_stripe_session(create(client).id, webhook=False)

    everything = client.v1.events.list()
    assert everything.data[0].type == "checkout.session.expired"  # newest first
    completed = client.v1.events.list(params={"types": ["checkout.session.completed"]})
    assert [e.data.object["id"] for e in completed.data] == ids[::-1]
    page1 = client.v1.events.list(params={"limit": 2})
    assert len(page1.data) == 2 and page1.has_more
    page2 = client.v1.events.list(params={"limit": 2, "starting_after": page1.data[-1].id})
    assert len(page2.data) == 2 and not page2.has_more
    assert {e.id for e in page1.data}.isdisjoint(e.id for e in page2.data)
    wildcard = client.v1.events.list(params={"type": "checkout.session.*"})
    assert len(wildcard.data) == 4
    created = everything.data[-1].created
    assert client.v1.events.list(params={"created": {"gt": created + 10}}).data == []
    assert len(client.v1.events.list(params={"created": {"gte": created}}).data) == 4
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.events.list(params={"limit": 0})
    assert caught.value.param == "limit"


# --- faults ---------------------------------------------------------------------


def test_rate_limit_fault_raises_rate_limit_error(sb: SandboxServer,
                                                  client: stripe.StripeClient) -> None:
    sb.set_fault(provider="stripe", mode="rate_limit", count=1)
    with pytest.raises(stripe.RateLimitError):
        create(client)
    assert create(client).status == "open"  # the fault was used up


def test_down_fault_once_is_retried_by_the_sdk(sb: SandboxServer,
                                               client: stripe.StripeClient) -> None:
    sb.set_fault(provider="stripe", mode="down", count=1)
    assert create(client, key="retry-me").status == "open"


def test_error500_until_cleared(sb: SandboxServer) -> None:
    no_retry = stripe.StripeClient(sb.config.stripe_secret_key,
                                   base_addresses={"api": sb.url})
    sb.set_fault(provider="all", mode="error500")
    for _ in range(2):
        with pytest.raises(stripe.APIError) as caught:
            no_retry.v1.checkout.sessions.retrieve("cs_test_x")
        assert caught.value.http_status == 500
    response = np_create(sb)
    assert response.status_code == 500 and response.json()["statusCode"] == 500
    sb.set_fault(provider="all", mode="none")
    assert np_create(sb).status_code == 201


def test_slow_fault_times_out_clients(sb: SandboxServer) -> None:
    sb.set_fault(provider="nowpayments", mode="slow", delay=0.5, count=1)
    with pytest.raises(requests.Timeout):
        requests.get(sb.url + "/v1/status", timeout=0.1)
    started = time.monotonic()
    assert requests.get(sb.url + "/v1/status", timeout=2).json() == {"message": "OK"}
    assert time.monotonic() - started < 0.4


def test_nowpayments_rate_limit_shape(sb: SandboxServer) -> None:
    sb.set_fault(provider="nowpayments", mode="rate_limit")
    response = np_create(sb)
    assert response.status_code == 429
    assert response.json()["status"] is False and response.json()["statusCode"] == 429
    sb.set_fault(provider="nowpayments", mode="down")
    assert requests.get(sb.url + "/v1/status", timeout=5).status_code == 503


# --- NOWPayments ------------------------------------------------------------------


def test_nowpayments_status_currencies_and_estimates(sb: SandboxServer) -> None:
    assert requests.get(sb.url + "/v1/status", timeout=5).json() == {"message": "OK"}
    currencies = requests.get(sb.url + "/v1/currencies", headers=np_headers(sb),
                              timeout=5).json()["currencies"]
    assert {"btc", "eth", "ltc", "xrp", "xlm", "usdttrc20"} <= set(currencies)
    minimum = requests.get(sb.url + "/v1/min-amount", headers=np_headers(sb), timeout=5,
                           params={"currency_from": "btc", "currency_to": "btc",
                                   "fiat_equivalent": "usd"}).json()
    assert json.loads(json.dumps(minimum), parse_float=Decimal)["min_amount"] == \
        Decimal("0.00002")
    estimate = requests.get(sb.url + "/v1/estimate", headers=np_headers(sb), timeout=5,
                            params={"amount": "25", "currency_from": "usd",
                                    "currency_to": "eth"}).json()
    assert estimate["estimated_amount"] == 0.01


ADDRESS = {
    "btc": r"bc1q[02-9ac-hj-np-z]{38}", "eth": r"0x[0-9a-f]{40}",
    "ltc": r"L[1-9A-HJ-NP-Za-km-z]{33}", "xrp": r"r\w{24,34}", "xlm": r"G[A-Z2-7]{55}",
    "usdttrc20": r"T[1-9A-HJ-NP-Za-km-z]{33}",
}


@pytest.mark.parametrize("coin", sorted(ADDRESS))
def test_nowpayments_create_and_get(sb: SandboxServer, coin: str) -> None:
    response = np_create(sb, pay_currency=coin, price_amount="25.50")
    assert response.status_code == 201
    created = json.loads(response.text, parse_float=Decimal)
    assert isinstance(created["payment_id"], int)
    assert created["payment_status"] == "waiting"
    assert re.fullmatch(ADDRESS[coin], created["pay_address"])
    expected = Decimal("25.50") / COINS[coin].usd
    assert created["pay_amount"] >= expected
    assert created["pay_amount"] - expected < Decimal(1).scaleb(-COINS[coin].precision)
    assert (created["payin_extra_id"] is not None) == (coin in ("xrp", "xlm"))
    assert created["order_id"] == "i-1" and created["price_amount"] == Decimal("25.5")
    assert created["expiration_estimate_date"].endswith("Z")

    fetched = requests.get(f"{sb.url}/v1/payment/{created['payment_id']}",
                           headers=np_headers(sb), timeout=5).json()
    assert fetched["payment_id"] == str(created["payment_id"])
    assert fetched["actually_paid"] == 0 and fetched["pay_address"] == created["pay_address"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"price_amount": "0.50"}, 400, "AMOUNT_MINIMAL_ERROR"),
    ({"pay_currency": "dogecoin2"}, 400, "INVALID_REQUEST_PARAMS"),
    ({"price_amount": None}, 400, "INVALID_REQUEST_PARAMS"),
    ({"price_amount": -5}, 400, "INVALID_REQUEST_PARAMS"),
    ({"price_currency": "xyz"}, 400, "INVALID_REQUEST_PARAMS"),
    ({"surprise": 1}, 400, "INVALID_REQUEST_PARAMS"),
])
def test_nowpayments_create_errors(sb: SandboxServer, body: dict[str, Any], status: int,
                                   code: str) -> None:
    response = np_create(sb, **body)
    assert response.status_code == status
    error = response.json()
    assert error == {"status": False, "statusCode": status, "code": code,
                     "message": error["message"]}


@pytest.mark.parametrize("key", [None, "NP-WRONG"])
def test_nowpayments_bad_key(sb: SandboxServer, key: str | None) -> None:
    headers = {"x-api-key": key} if key else {}
    response = requests.post(sb.url + "/v1/payment", headers=headers, timeout=5,
                             json={"price_amount": 25, "price_currency": "usd",
                                   "pay_currency": "btc"})
    assert response.status_code == 403
    assert response.json() == {"status": False, "statusCode": 403, "code": "INVALID_API_KEY",
                               "message": "Invalid api key"}


def test_nowpayments_unknown_payment(sb: SandboxServer) -> None:
    response = requests.get(sb.url + "/v1/payment/123", headers=np_headers(sb), timeout=5)
    assert response.status_code == 404 and response.json()["statusCode"] == 404


def test_partially_paid_then_finished_sends_signed_ipns(sb: SandboxServer,
                                                        receiver: Receiver) -> None:
    created = np_create(sb, ipn_callback_url=receiver.url + "/ipn").json()
    payment_id = created["payment_id"]
    sb.set_nowpayments_status(payment_id, "partially_paid", actually_paid=Decimal("0.0002"))
    sb.set_nowpayments_status(str(payment_id), "finished")
    first, second = receiver.wait_for(2)
    events = [verify_nowpayments(body, headers["x-nowpayments-sig"],
                                 [sb.config.nowpayments_ipn_secret]) for _, headers, body in
              (first, second)]
    assert [e.event_type for e in events] == ["payment.partially_paid", "payment.finished"]
    assert events[0].dedup_key != events[1].dedup_key
    ipn = json.loads(first[2], parse_float=Decimal)
    assert ipn["payment_id"] == payment_id and ipn["actually_paid"] == Decimal("0.0002")
    assert {"parent_payment_id", "invoice_id", "pay_address", "payin_extra_id", "fee",
            "outcome_amount", "purchase_id", "actually_paid_at_fiat"} <= set(ipn)
    assert first[0] == "/ipn"
    final = json.loads(second[2], parse_float=Decimal)
    assert final["actually_paid"] == final["pay_amount"]
    assert final["updated_at"] > ipn["updated_at"]
    fetched = requests.get(f"{sb.url}/v1/payment/{payment_id}", headers=np_headers(sb),
                           timeout=5).json()
    assert fetched["payment_status"] == "finished"


def test_ipn_goes_to_default_url_with_retries(sb: SandboxServer, receiver: Receiver) -> None:
    receiver.fail_first = 1
    sb.set_webhook_urls(nowpayments=receiver.url)
    payment_id = np_create(sb).json()["payment_id"]
    sb.set_nowpayments_status(payment_id, "confirming")
    receiver.wait_for(1)
    wait_until(lambda: len(sb.deliveries()) == 2)
    assert [(d["provider"], d["attempt"], d["ok"]) for d in sb.deliveries()] == [
        ("nowpayments", 1, False), ("nowpayments", 2, True)]
    sb.set_nowpayments_status(payment_id, "expired", webhook=False)
    with pytest.raises(ValueError, match="Unknown NOWPayments status"):
        sb.set_nowpayments_status(payment_id, "lost")


@settings(max_examples=50, deadline=None)
@given(cents=st.integers(min_value=100, max_value=10**9),
       coin=st.sampled_from(sorted(COINS)), fiat=st.sampled_from(sorted(FIAT_USD)))
def test_pay_amount_covers_the_price(cents: int, coin: str, fiat: str) -> None:
    price = Decimal(cents).scaleb(-2)
    amount = pay_amount_for(price, fiat, COINS[coin], fee_by_user=False)
    assert amount.as_tuple().exponent == -COINS[coin].precision
    assert amount * COINS[coin].usd >= price * FIAT_USD[fiat]
    text = decimal_text(amount)
    assert "E" not in text and Decimal(text) == amount
    assert dumps({"a": amount}) == '{"a":' + text + "}"


# --- pages ---------------------------------------------------------------------


def test_checkout_page_pay_redirects_to_success(sb: SandboxServer, client: stripe.StripeClient,
                                                receiver: Receiver) -> None:
    sb.set_webhook_urls(stripe=receiver.url)
    session = create(client)
    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200
    assert "25.00 USD" in page.text and "Clean Water Appeal" in page.text
    assert "Donate" in page.text and "Cancel" in page.text
    paid = requests.post(f"{sb.url}/checkout/{session.id}/pay", allow_redirects=False,
                         timeout=5)
    assert paid.status_code == 303
    assert paid.headers["location"] == \
        f"https://kiosk.example/thanks?session_id={session.id}"
    assert json.loads(receiver.wait_for(1)[0][2])["type"] == "checkout.session.completed"
    assert "already paid" in requests.get(session.url, timeout=5).text.lower()
    again = requests.post(f"{sb.url}/checkout/{session.id}/pay", allow_redirects=False,
                          timeout=5)
    assert again.status_code == 409


def test_checkout_page_cancel_and_expired(sb: SandboxServer,
                                          client: stripe.StripeClient) -> None:
    session = create(client)
    cancelled = requests.post(f"{sb.url}/checkout/{session.id}/cancel",
                              allow_redirects=False, timeout=5)
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == "https://kiosk.example/cancel"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    sb.expire_stripe_session(session.id)
    page = requests.get(f"{sb.url}/checkout/{session.id}", timeout=5)
    assert "expired" in page.text.lower()
    assert requests.get(f"{sb.url}/checkout/cs_test_nope", timeout=5).status_code == 404


def test_invoice_page_pay_and_cancel(sb: SandboxServer, receiver: Receiver) -> None:
    invoice = requests.post(sb.url + "/v1/invoice", headers=np_headers(sb), timeout=5, json={
        "price_amount": 20, "price_currency": "usd", "order_id": "i-3",
        "order_description": "Donation to Clean Water", "ipn_callback_url": receiver.url,
        "success_url": "https://kiosk.example/ok", "cancel_url": "https://kiosk.example/no",
    }).json()
    assert invoice["invoice_url"] == f"{sb.url}/invoice/{invoice['id']}"
    page = requests.get(invoice["invoice_url"], timeout=5)
    assert "20 USD" in page.text and "Donation to Clean Water" in page.text
    cancel = requests.post(invoice["invoice_url"] + "/cancel", allow_redirects=False,
                           timeout=5)
    assert cancel.headers["location"] == "https://kiosk.example/no"
    paid = requests.post(invoice["invoice_url"] + "/pay", data={"pay_currency": "eth"},
                         allow_redirects=False, timeout=5)
    assert paid.status_code == 303 and paid.headers["location"] == "https://kiosk.example/ok"
    _, headers, body = receiver.wait_for(1)[0]
    event = verify_nowpayments(body, headers["x-nowpayments-sig"],
                               [sb.config.nowpayments_ipn_secret])
    assert event.payload["payment_status"] == "finished"
    assert event.payload["invoice_id"] == int(invoice["id"])
    assert event.payload["pay_currency"] == "eth" and event.payload["order_id"] == "i-3"


# --- the HTTP control surface -------------------------------------------------------


def test_http_controls(sb: SandboxServer, client: stripe.StripeClient,
                       receiver: Receiver) -> None:
    config = requests.post(sb.url + "/_sandbox/config", timeout=5,
                           json={"stripe_webhook_url": receiver.url,
                                 "nowpayments_ipn_url": receiver.url}).json()
    assert config["stripe_webhook_url"] == receiver.url
    session = create(client)
    paid = requests.post(f"{sb.url}/_sandbox/stripe/sessions/{session.id}/pay",
                         json={"webhook": True}, timeout=5)
    assert paid.status_code == 200 and paid.json()["payment_status"] == "paid"
    again = requests.post(f"{sb.url}/_sandbox/stripe/sessions/{session.id}/pay", timeout=5)
    assert again.status_code == 409 and "error" in again.json()
    refund = requests.post(f"{sb.url}/_sandbox/stripe/sessions/{session.id}/refund",
                           json={"webhook": False}, timeout=5)
    assert refund.json()["object"] == "charge"
    other = create(client)
    expired = requests.post(f"{sb.url}/_sandbox/stripe/sessions/{other.id}/expire", timeout=5)
    assert expired.json()["status"] == "expired"
    missing = requests.post(f"{sb.url}/_sandbox/stripe/sessions/cs_test_no/pay", timeout=5)
    assert missing.status_code == 404

    payment_id = np_create(sb, pay_currency="ltc").json()["payment_id"]
    status = requests.post(f"{sb.url}/_sandbox/nowpayments/payments/{payment_id}/status",
                           timeout=5, json={"status": "partially_paid",
                                            "actually_paid": "0.01", "webhook": True})
    assert status.status_code == 200
    assert status.json()["payment_status"] == "partially_paid"
    assert status.json()["actually_paid"] == 0.01

    receiver.wait_for(3)  # completed, expired, partially_paid
    wait_until(lambda: len(requests.get(sb.url + "/_sandbox/deliveries",
                                        timeout=5).json()["data"]) == 3)
    deliveries = requests.get(sb.url + "/_sandbox/deliveries", timeout=5).json()["data"]
    assert {d["provider"] for d in deliveries} == {"stripe", "nowpayments"}
    assert all({"url", "event_id", "attempt", "status_code", "error"} <= set(d)
               for d in deliveries)

    faults = requests.post(sb.url + "/_sandbox/faults", timeout=5,
                           json={"provider": "stripe", "mode": "rate_limit", "count": 1})
    assert faults.json()["stripe"]["mode"] == "rate_limit"
    with pytest.raises(stripe.RateLimitError):
        client.v1.checkout.sessions.retrieve(session.id)
    bad = requests.post(sb.url + "/_sandbox/faults", json={"mode": "explode"}, timeout=5)
    assert bad.status_code == 400


def test_http_clock_and_reset(sb: SandboxServer, client: stripe.StripeClient) -> None:
    session = create(client, expires_at=int(time.time()) + 1800 + 5)
    clock = requests.post(sb.url + "/_sandbox/clock", json={"advance": 3600}, timeout=5)
    assert clock.json()["now"] >= int(time.time()) + 3500
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert requests.post(sb.url + "/_sandbox/reset", timeout=5).json() == {"ok": True}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve(session.id)
    assert create(client).status == "open"  # the clock is back to now


def test_stop_leaves_no_threads() -> None:
    before = set(threading.enumerate())
    with SandboxServer() as server:
        assert requests.get(server.url + "/_sandbox/health", timeout=5).ok
        started = set(threading.enumerate()) - before
        assert {t.name for t in started} >= {"sandbox-uvicorn", "sandbox-webhook-delivery"}
    assert not [t for t in started if t.is_alive()]
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/_sandbox/health", timeout=1)


# --- command line ------------------------------------------------------------------


def test_cli_arguments_defaults() -> None:
    import argparse

    from backend.sandbox.cli import DEFAULT_PORT, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    assert (args.host, args.port, args.stripe_webhook_url, args.nowpayments_ipn_url) == (
        "127.0.0.1", DEFAULT_PORT, None, None)
    args = parser.parse_args(["--port", "0", "--stripe-webhook-url", "http://relay/x"])
    assert args.port == 0 and args.stripe_webhook_url == "http://relay/x"


def test_cli_runs_prints_exports_and_stops_on_ctrl_c() -> None:
    import signal
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "backend.sandbox.cli", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export "):].strip().partition("=")
                exports[name] = value
            if "Ctrl-C" in line:
                break
        assert exports["STRIPE_SECRET_KEY_TEST"].startswith("sk_test_")
        assert exports["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
        assert {"NOWPAYMENTS_API_KEY_TEST", "NOWPAYMENTS_IPN_SECRET_TEST",
                "STRIPE_PUBLISHABLE_KEY_TEST"} <= set(exports)
        base = exports["STRIPE_API_BASE"]
        assert base == exports["NOWPAYMENTS_API_BASE"]
        assert requests.get(base + "/v1/status", timeout=5).json() == {"message": "OK"}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
