"""Webhook verification: PROVIDERS.md test vectors, tolerance, rotation, canonical forms."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import webhooks
from backend.result import UserError
from backend.webhooks import WebhookError, canonical_js, js_number, verify_nowpayments, verify_stripe

STRIPE_SECRET = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_T = 1767225600
STRIPE_BODY = (
    b'{"id":"evt_test_donation_1","object":"event","api_version":"2026-10-28.endive",'
    b'"created":1767225600,"type":"checkout.session.completed","livemode":false,"data":{"object":'
    b'{"id":"cs_test_a1b2c3","object":"checkout.session","amount_total":2500,"currency":"usd",'
    b'"client_reference_id":"d-42","metadata":{"donation_id":"d-42"},"mode":"payment",'
    b'"payment_intent":"pi_test_123","payment_status":"paid","status":"complete"}}}'
)
STRIPE_HEADER = "t=1767225600,v1=93904ce5b20dc11f911e6a0cd1f578b0220d3a7e674284e8a030a371da69583f"

NP_SECRET = "IPN_SECRET_test_9f8a7b6c"
NP_BODY = (
    b'{"payment_id":5077125051,"parent_payment_id":null,"invoice_id":null,"payment_status":"finished",'
    b'"pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","payin_extra_id":null,"price_amount":170,'
    b'"price_currency":"usd","pay_amount":155.38559757,"actually_paid":155.38559757,'
    b'"actually_paid_at_fiat":0,"pay_currency":"mana","order_id":"donation-42",'
    b'"order_description":"Donation","purchase_id":"6084744717","outcome_amount":1131.7812095,'
    b'"outcome_currency":"trx","payment_extra_ids":null,"fee":{"currency":"mana",'
    b'"depositFee":0.09853637216235617,"withdrawalFee":0,"serviceFee":0},'
    b'"created_at":"2021-04-12T14:22:54.942Z","updated_at":"2021-04-12T14:23:06.244Z"}'
)
NP_SIG = (
    "6bcc2851912d5c7f49542d01bd312a0b3deb424c6aff845cc433511bd77a95cc"
    "4a3928b453e9c10fe715e54166f544aa8e8e4e00506de1ad5213de88e19d5590"
)


def _np_sig(form: str, secret: str = NP_SECRET) -> str:
    return hmac.new(secret.encode(), form.encode(), hashlib.sha512).hexdigest()


# --- Stripe -----------------------------------------------------------------


def test_stripe_vector() -> None:
    assert len(STRIPE_BODY) == 415
    assert webhooks.stripe_signature_header(STRIPE_BODY, STRIPE_SECRET, STRIPE_T) == STRIPE_HEADER
    event = verify_stripe(STRIPE_BODY, STRIPE_HEADER, [STRIPE_SECRET], now=STRIPE_T)
    assert event.provider == "stripe"
    assert event.dedup_key == "evt_test_donation_1"
    assert event.event_type == "checkout.session.completed"
    assert event.payload["data"]["object"]["amount_total"] == 2500


@pytest.mark.parametrize("offset", [0, 1, -1, 299, -299, 300, -300])
def test_stripe_within_tolerance(offset: int) -> None:
    event = verify_stripe(STRIPE_BODY, STRIPE_HEADER, [STRIPE_SECRET], now=STRIPE_T + offset)
    assert event.dedup_key == "evt_test_donation_1"


@pytest.mark.parametrize("offset", [301, -301, 86_400, -86_400])
def test_stripe_outside_tolerance(offset: int) -> None:
    # now = t + 301: the signature is stale; now = t - 301: it claims to come from the future.
    with pytest.raises(WebhookError, match="tolerance"):
        verify_stripe(STRIPE_BODY, STRIPE_HEADER, [STRIPE_SECRET], now=STRIPE_T + offset)


def test_stripe_tolerance_uses_the_clock_by_default() -> None:
    with pytest.raises(WebhookError, match="tolerance"):
        verify_stripe(STRIPE_BODY, STRIPE_HEADER, [STRIPE_SECRET])  # t is long past
    import time

    now = int(time.time())
    header = webhooks.stripe_signature_header(STRIPE_BODY, STRIPE_SECRET, now)
    assert verify_stripe(STRIPE_BODY, header, [STRIPE_SECRET]).event_type == "checkout.session.completed"


@pytest.mark.parametrize(
    ("body", "header", "fragment"),
    [
        (STRIPE_BODY.replace(b"2500", b"9500"), STRIPE_HEADER, "does not match"),
        (STRIPE_BODY, STRIPE_HEADER[:-1] + "0", "does not match"),
        (STRIPE_BODY, STRIPE_HEADER.upper().replace("T=", "t=").replace("V1=", "v1="), "does not match"),
        (STRIPE_BODY, "t=1767225600,v1=", "does not match"),
        (STRIPE_BODY, "t=1767225600,v1=\u00e9\u00e9", "does not match"),
        (STRIPE_BODY, None, "missing"),
        (STRIPE_BODY, "", "missing"),
        (STRIPE_BODY, "t=1767225600", "no v1"),
        (STRIPE_BODY, "t=1767225600,v0=" + STRIPE_HEADER.split("v1=")[1], "no v1"),
        (STRIPE_BODY, "v1=" + STRIPE_HEADER.split("v1=")[1], "no timestamp"),
        (STRIPE_BODY, "garbage", "no timestamp"),
        (STRIPE_BODY, "t=soon,v1=" + STRIPE_HEADER.split("v1=")[1], "not a number"),
        (STRIPE_BODY, "t=1767225600.5,v1=" + STRIPE_HEADER.split("v1=")[1], "not a number"),
    ],
)
def test_stripe_rejects(body: bytes, header: str | None, fragment: str) -> None:
    with pytest.raises(WebhookError, match=fragment) as info:
        verify_stripe(body, header, [STRIPE_SECRET], now=STRIPE_T)
    assert isinstance(info.value, UserError)
    assert STRIPE_SECRET not in str(info.value)


def test_stripe_wrong_secret_is_forged() -> None:
    with pytest.raises(WebhookError, match="does not match"):
        verify_stripe(STRIPE_BODY, STRIPE_HEADER, ["whsec_other"], now=STRIPE_T)


def test_stripe_multiple_v1_any_matching_passes() -> None:
    good = STRIPE_HEADER.split("v1=")[1]
    for header in (
        f"t={STRIPE_T},v1={'0' * 64},v1={good}",
        f"t={STRIPE_T},v1={good},v1={'f' * 64}",
        f"t={STRIPE_T}, v0={'a' * 64}, v1={'b' * 64}, v1={good}",
    ):
        assert verify_stripe(STRIPE_BODY, header, [STRIPE_SECRET], now=STRIPE_T).dedup_key
    with pytest.raises(WebhookError):
        verify_stripe(STRIPE_BODY, f"t={STRIPE_T},v1={'0' * 64},v1={'1' * 64}", [STRIPE_SECRET],
                      now=STRIPE_T)


def test_stripe_secret_rotation() -> None:
    new = "whsec_new_rotated_secret"
    header_old = STRIPE_HEADER
    header_new = webhooks.stripe_signature_header(STRIPE_BODY, new, STRIPE_T)
    for header in (header_old, header_new):
        assert verify_stripe(STRIPE_BODY, header, [new, STRIPE_SECRET], now=STRIPE_T).dedup_key
    # Without the previous secret, the old signature no longer passes.
    with pytest.raises(WebhookError):
        verify_stripe(STRIPE_BODY, header_old, [new], now=STRIPE_T)


@pytest.mark.parametrize("secrets", [[], [""], ["", ""]])
def test_stripe_no_secret_configured(secrets: list[str]) -> None:
    with pytest.raises(WebhookError, match="STRIPE_WEBHOOK_SECRET"):
        verify_stripe(STRIPE_BODY, STRIPE_HEADER, secrets, now=STRIPE_T)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b"not json", "not valid JSON"), (b"[1,2]", "not a JSON object"), (b"", "empty"),
     (b'{"object":"event"}', "no id or type"), (b"\xff\xfe{}", "not valid JSON")],
)
def test_stripe_signed_but_unreadable_body(body: bytes, fragment: str) -> None:
    header = webhooks.stripe_signature_header(body, STRIPE_SECRET, STRIPE_T)
    with pytest.raises(WebhookError, match=fragment):
        verify_stripe(body, header, [STRIPE_SECRET], now=STRIPE_T)


def test_stripe_body_size_limit() -> None:
    base = b'{"id":"evt_1","type":"x","pad":""}'
    exact = base.replace(b'"pad":""', b'"pad":"' + b"a" * (webhooks.MAX_WEBHOOK_BYTES - len(base)) + b'"')
    assert len(exact) == webhooks.MAX_WEBHOOK_BYTES
    header = webhooks.stripe_signature_header(exact, STRIPE_SECRET, STRIPE_T)
    assert verify_stripe(exact, header, [STRIPE_SECRET], now=STRIPE_T).dedup_key == "evt_1"
    bigger = exact.replace(b'"pad":"', b'"pad":"a')
    header = webhooks.stripe_signature_header(bigger, STRIPE_SECRET, STRIPE_T)
    with pytest.raises(WebhookError, match="1 MiB"):
        verify_stripe(bigger, header, [STRIPE_SECRET], now=STRIPE_T)


def test_stripe_event_amounts_are_decimal() -> None:
    body = b'{"id":"evt_2","type":"t","data":{"object":{"x":0.1}}}'
    event = webhooks.parse_stripe_event(body)
    assert event.payload["data"]["object"]["x"] == Decimal("0.1")


# --- NOWPayments ------------------------------------------------------------


def test_nowpayments_vector() -> None:
    assert webhooks.nowpayments_signature(NP_BODY, NP_SECRET) == NP_SIG
    event = verify_nowpayments(NP_BODY, NP_SIG, [NP_SECRET])
    assert event.provider == "nowpayments"
    assert event.event_type == "payment.finished"
    assert event.dedup_key == "5077125051:finished:2021-04-12T14:23:06.244Z"
    assert event.payload["pay_amount"] == Decimal("155.38559757")


def test_nowpayments_signature_variants() -> None:
    assert verify_nowpayments(NP_BODY, NP_SIG.upper(), [NP_SECRET]).dedup_key
    assert verify_nowpayments(NP_BODY, f"  {NP_SIG}\n", [NP_SECRET]).dedup_key
    assert verify_nowpayments(NP_BODY, NP_SIG, [f"  {NP_SECRET}\n"]).dedup_key
    assert verify_nowpayments(NP_BODY, NP_SIG, ["", "new-secret-xyz", NP_SECRET]).dedup_key


def test_nowpayments_python_form_accepted() -> None:
    body = json.dumps({"payment_id": "77", "payment_status": "waiting", "order_id": "gala/k/é",
                       "price_amount": 10.5, "fee": {"b": 1, "a": [2, 1]}}).encode()
    js_form = canonical_js(json.loads(body))
    py_form = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    assert js_form != py_form  # é is raw in one and escaped in the other
    for form in (js_form, py_form):
        assert verify_nowpayments(body, _np_sig(form), [NP_SECRET]).dedup_key == "77:waiting:"
    # The body as sent (unsorted, with spaces) is neither form.
    with pytest.raises(WebhookError, match="does not match"):
        verify_nowpayments(body, _np_sig(body.decode()), [NP_SECRET])


_LIST = b'[{"payment_id":1,"payment_status":"finished"}]'
_NO_ID = b'{"payment_status":"finished"}'


def _signed(body: bytes) -> str:
    # Content is only read once the signature holds: sign what should fail on content.
    return webhooks.nowpayments_signature(body, NP_SECRET)


@pytest.mark.parametrize(
    ("body", "sig", "secrets", "fragment"),
    [
        (NP_BODY, NP_SIG[:-1] + ("1" if NP_SIG[-1] != "1" else "2"), [NP_SECRET], "does not match"),
        (NP_BODY.replace(b'"price_amount":170', b'"price_amount":1700'), NP_SIG, [NP_SECRET],
         "does not match"),
        (NP_BODY, NP_SIG, ["IPN_SECRET_other"], "does not match"),
        (NP_BODY, NP_SIG[:64], [NP_SECRET], "does not match"),
        (NP_BODY, "\u00e9" * 128, [NP_SECRET], "does not match"),
        (NP_BODY, None, [NP_SECRET], "missing"),
        (NP_BODY, "", [NP_SECRET], "missing"),
        (NP_BODY, NP_SIG, [], "NOWPAYMENTS_IPN_SECRET"),
        (NP_BODY, NP_SIG, ["  "], "NOWPAYMENTS_IPN_SECRET"),
        (b"", NP_SIG, [NP_SECRET], "empty"),
        (b"{not json", NP_SIG, [NP_SECRET], "not valid JSON"),
        (_LIST, _signed(_LIST), [NP_SECRET], "not a JSON object"),
        (b'"finished"', _signed(b'"finished"'), [NP_SECRET], "not a JSON object"),
        (_NO_ID, _signed(_NO_ID), [NP_SECRET], "no payment_id"),
        (b'{"payment_id":1}', _signed(b'{"payment_id":1}'), [NP_SECRET], "no payment_id"),
        (b"[" * 100_000, NP_SIG, [NP_SECRET], "JSON"),
    ],
)
def test_nowpayments_rejects(body: bytes, sig: str | None, secrets: list[str], fragment: str) -> None:
    with pytest.raises(WebhookError, match=fragment) as info:
        verify_nowpayments(body, sig, secrets)
    assert NP_SECRET not in str(info.value)


def test_nowpayments_body_size_limit() -> None:
    base = b'{"payment_id":1,"payment_status":"waiting","pad":""}'
    exact = base.replace(b'"pad":""', b'"pad":"' + b"a" * (webhooks.MAX_WEBHOOK_BYTES - len(base)) + b'"')
    assert len(exact) == webhooks.MAX_WEBHOOK_BYTES
    assert verify_nowpayments(exact, webhooks.nowpayments_signature(exact, NP_SECRET), [NP_SECRET])
    bigger = exact.replace(b'"pad":"', b'"pad":"a')
    with pytest.raises(WebhookError, match="1 MiB"):
        verify_nowpayments(bigger, webhooks.nowpayments_signature(bigger, NP_SECRET), [NP_SECRET])


@pytest.mark.parametrize(
    "body",
    [
        b'{"payment_id":1,"payment_status":"finished","x":1' + b"0" * 400 + b"}",  # Infinity in JS
        b'{"payment_id":1,"payment_status":"finished","x":"\\ud800"}',  # a lone surrogate
        b'{"payment_id":1,"payment_status":"finished","\\udfff":1}',
        b'{"payment_id":1,"payment_status":"finished","x":' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_nowpayments_odd_bodies_fail_cleanly(body: bytes) -> None:
    """Hostile but well-formed bodies give a WebhookError, never a TypeError or a crash."""
    with pytest.raises(WebhookError):
        verify_nowpayments(body, "ab" * 64, [NP_SECRET])


def test_nowpayments_signed_odd_bodies_verify() -> None:
    body = b'{"payment_id":1,"payment_status":"finished","x":"\\ud800","n":1' + b"0" * 400 + b"}"
    form = '{"n":null,"payment_id":1,"payment_status":"finished","x":"\\ud800"}'
    assert canonical_js(json.loads(body)) == form
    assert verify_nowpayments(body, _np_sig(form), [NP_SECRET]).dedup_key == "1:finished:"


# --- canonical form: JavaScript's JSON.stringify ----------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-7, "1e-7"), (0.000001, "0.000001"),
        (1.5e-6, "0.0000015"), (123.456, "123.456"), (-0.0, "0"), (0.0, "0"), (0, "0"),
        (2**53 + 1, "9007199254740992"), (2**63, "9223372036854776000"), (100.0, "100"), (1.0, "1"),
        (-1.5, "-1.5"), (0.1 + 0.2, "0.30000000000000004"), (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (123e-20, "1.23e-18"),
        (155.38559757, "155.38559757"), (0.09853637216235617, "0.09853637216235617"),
        (-1e-7, "-1e-7"), (1.5e300, "1.5e+300"), (float("nan"), "null"), (float("inf"), "null"),
        (10**400, "null"),
    ],
)
def test_js_number_known_outputs(number: float, text: str) -> None:
    assert js_number(number) == text


def test_canonical_js_known_outputs() -> None:
    value = {"b": {"d": 1, "c": [{"z": 1.0, "y": 2.5}, [3, 1]]}, "a": [3, 1], "é": "日本 \"x\"\n",
             "n": None, "t": True, "f": False, "ctl": "\u0001\u2028"}
    assert canonical_js(value) == (
        '{"a":[3,1],"b":{"c":[{"y":2.5,"z":1},[3,1]],"d":1},"ctl":"\\u0001\u2028","f":false,'
        '"n":null,"t":true,"é":"日本 \\"x\\"\\n"}'
    )
    # UTF-16 code-unit order: an astral key (D83D...) sorts before U+FF61.
    assert canonical_js({"\uff61": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\uff61":1}'
    # Array-index keys come first, in numeric order, as a JavaScript object lists them.
    assert canonical_js({"b": 1, "10": 2, "2": 3, "01": 4, "-1": 5}) == (
        '{"2":3,"10":2,"-1":5,"01":4,"b":1}')
    with pytest.raises(TypeError):
        canonical_js({"x": object()})


NODE = shutil.which("node")
_JS_SORT_KEYS = """
const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : (v && typeof v === 'object')
    ? Object.keys(v).sort().reduce((o, k) => { o[k] = sortKeys(v[k]); return o; }, {})
  : v;
"""
_JS_SORT = _JS_SORT_KEYS + """
let input = ''; process.stdin.on('data', (c) => input += c);
process.stdin.on('end', () => {
  const {numbers, objects} = JSON.parse(input);
  process.stdout.write(JSON.stringify({
    numbers: numbers.map((n) => String(JSON.parse(n))),
    objects: objects.map((o) => JSON.stringify(sortKeys(JSON.parse(o)))),
  }));
});
"""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_canonical_js_matches_node() -> None:
    rng = random.Random(20260101)
    numbers = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(1500)]
    numbers += [rng.uniform(-1e6, 1e6) for _ in range(300)] + [rng.random() * 10.0 ** rng.randint(-12, 25)
                                                               for _ in range(300)]
    numbers = [n for n in numbers if n == n and abs(n) != float("inf")]
    fixed = [{"b": 1, "10": 2, "2": 3, "01": 4, "-1": 5, "4294967295": 6, "4294967294": 7, "1.5": 8},
             {"\uff61": 1, "\U0001f600": 2, "z": [{"b": 1, "a": 2}]}]
    rng_objects = [
        {"payment_id": rng.randint(0, 2**40), "fee": {"z": rng.random(), "a": [rng.random(), "é"]},
         str(rng.randint(0, 30)): rng.random() * 1e22, "B": None, "a": {"10": 1, "9": [True]}}
        for _ in range(50)
    ]
    objects = [json.dumps(o) for o in (*fixed, *rng_objects)]
    payload = json.dumps({"numbers": [repr(n) for n in numbers], "objects": objects})
    result = subprocess.run([NODE, "-e", _JS_SORT], input=payload, capture_output=True, text=True,
                            timeout=30, check=True)
    answer = json.loads(result.stdout)
    assert [js_number(n) for n in numbers] == answer["numbers"]
    assert [canonical_js(json.loads(o)) for o in objects] == answer["objects"]


# The same sort, one JSON object a line, answered a line each: one node process serves every
# example (starting node for each of the 30 cost ~0.1 s of CPU apiece).
_JS_SORT_LINES = _JS_SORT_KEYS + """
require('readline').createInterface({input: process.stdin}).on('line', (line) => {
  process.stdout.write(JSON.stringify(sortKeys(JSON.parse(line))) + '\\n');
});
"""


@pytest.fixture(scope="module")
def node_sort() -> Iterator[Callable[[str], str]]:
    assert NODE is not None
    node = subprocess.Popen([NODE, "-e", _JS_SORT_LINES], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert node.stdin is not None and node.stdout is not None
    stdin, stdout = node.stdin, node.stdout

    def ask(text: str) -> str:
        stdin.write(text + "\n")
        stdin.flush()
        answer = stdout.readline()
        assert answer.endswith("\n"), f"node stopped: {node.poll()}"
        return answer[:-1]

    try:
        yield ask
    finally:
        stdin.close()
        node.wait(10)
        stdout.close()


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@settings(max_examples=30, deadline=None)
@given(value=st.dictionaries(st.text(max_size=5), json_values, max_size=6))
def test_canonical_js_matches_node_property(node_sort: Callable[[str], str],
                                            value: dict[str, object]) -> None:
    text = json.dumps(value)
    assert canonical_js(json.loads(text)) == node_sort(text)


def test_dedup_keys() -> None:
    a = webhooks.parse_nowpayments_event(b'{"payment_id":5,"payment_status":"confirming",'
                                         b'"updated_at":"2026-01-01T00:00:00Z"}')
    b = webhooks.parse_nowpayments_event(b'{"payment_id":"5","payment_status":"confirming",'
                                         b'"updated_at":"2026-01-01T00:00:00Z"}')
    c = webhooks.parse_nowpayments_event(b'{"payment_id":5,"payment_status":"finished",'
                                         b'"updated_at":"2026-01-01T00:00:00Z"}')
    d = webhooks.parse_nowpayments_event(b'{"payment_id":5,"payment_status":"confirming",'
                                         b'"updated_at":"2026-01-01T00:01:00Z"}')
    assert a.dedup_key == b.dedup_key == "5:confirming:2026-01-01T00:00:00Z"
    assert len({a.dedup_key, c.dedup_key, d.dedup_key}) == 3
    assert a.event_type == "payment.confirming"
    s1 = webhooks.parse_stripe_event(b'{"id":"evt_1","type":"charge.refunded"}')
    s2 = webhooks.parse_stripe_event(b'{"id":"evt_1","type":"charge.refunded","data":{}}')
    assert s1.dedup_key == s2.dedup_key == "evt_1"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant: bytes) -> None:
    from backend.webhooks import WebhookError, parse_nowpayments_event

    body = b'{"payment_id":1,"payment_status":"finished","price_amount":' + constant + b"}"
    with pytest.raises(WebhookError, match="not valid JSON"):
        parse_nowpayments_event(body)


@pytest.mark.parametrize("body", [
    NP_BODY,
    b'{"b":1,"a":[1.5,2,{"z":null,"y":true}],"c":"\\u00e9\\u2028","d":-0.0001}',
    b'{"10":1,"2":2,"a":3}',                       # array-index keys: JavaScript orders them first
    b'{"a":12345678901234567890}',                 # beyond 2^53: read as a double
    b'{"a":1.0,"b":1e21,"c":1e-7,"d":100.0}',       # JavaScript prints these differently
    '{"\U0001f600":1,"\uffff":2}'.encode(),        # sorted by UTF-16 code units
    b'{"a":"\\ud800"}',                            # a lone surrogate
    b'{"a":"\\"\\\\\\n\\u0001","b":[]}',
])
def test_signed_forms_match_the_exact_serialisations(body: bytes) -> None:
    # The fast path (C encoder) must produce exactly what the exact, pure-Python
    # JSON.stringify emulation does, or fall back to it.
    value = json.loads(body)
    assert webhooks.signed_forms(body) == {
        canonical_js(value), json.dumps(value, sort_keys=True, separators=(",", ":"))}


def test_a_forged_ipn_costs_no_pure_python_serialisation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = webhooks.canonical_js
    monkeypatch.setattr(webhooks, "canonical_js", lambda v: calls.append(1) or real(v))
    body = json.dumps({"payment_id": 1, "payment_status": "finished",
                       "pad": [{"k": "x" * 10, "v": 1.5}] * 2000}).encode()
    with pytest.raises(WebhookError, match="does not match"):
        verify_nowpayments(body, "ab" * 64, [NP_SECRET])
    assert calls == []


def test_the_exact_form_is_bounded_by_size_when_asked() -> None:
    # A body that needs the pure-Python form (1.0 prints as 1 in JavaScript).
    body = json.dumps({"payment_id": 7, "payment_status": "finished", "a": 1.0,
                       "pad": "x" * 5000}).encode()
    js_signed = webhooks.nowpayments_signature(body, NP_SECRET)
    assert verify_nowpayments(body, js_signed, [NP_SECRET]).dedup_key.startswith("7:")
    assert webhooks.signed_forms(body, exact_limit=4096) == {
        json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))}
    with pytest.raises(WebhookError, match="does not match"):
        webhooks.verify_nowpayments_modes(body, js_signed, {"test": [NP_SECRET]},
                                          exact_limit=4096)
    small = json.dumps({"payment_id": 7, "payment_status": "finished", "a": 1.0}).encode()
    assert webhooks.verify_nowpayments_modes(
        small, webhooks.nowpayments_signature(small, NP_SECRET), {"test": [NP_SECRET]},
        exact_limit=4096).mode == "test"
