"""Wallet URIs for the crypto QR code: BIP21, EIP-681, memo/tag coins, bare addresses."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.wallet_uri import plain_decimal, wallet_request

BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
ETH = "0xd1cDE08A07cD25adEbEd35c3867a59228C09B606"


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("0.00000100"), "0.000001"), (Decimal("1E-8"), "0.00000001"), (Decimal("0.0005"), "0.0005"),
     (Decimal("100"), "100"), (Decimal("1E+2"), "100"), (Decimal("12.50"), "12.5"), (Decimal("0"), "0"),
     (Decimal("155.38559757"), "155.38559757")],
)
def test_plain_decimal(amount: Decimal, text: str) -> None:
    assert plain_decimal(amount) == text


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("21000000"), places=8))
def test_plain_decimal_never_has_an_exponent(amount: Decimal) -> None:
    text = plain_decimal(amount)
    assert "e" not in text.lower()
    assert Decimal(text) == amount


def test_bip21_btc() -> None:
    req = wallet_request("BTC", BTC, Decimal("0.00000100"), None)
    assert req.uri == f"bitcoin:{BTC}?amount=0.000001"
    assert req.network == "Bitcoin"
    assert req.memo_label is None


def test_bip21_ltc() -> None:
    req = wallet_request("ltc", "ltc1qexampleaddress", Decimal("0.25000000"), None)
    assert req.uri == "litecoin:ltc1qexampleaddress?amount=0.25"
    assert req.network == "Litecoin"


@pytest.mark.parametrize(
    ("amount", "wei"),
    [(Decimal("0.05"), 50_000_000_000_000_000), (Decimal("1"), 10**18),
     (Decimal("0.000000000000000001"), 1), (Decimal("123.456789012345678"), 123_456_789_012_345_678_000)],
)
def test_eip681_eth_in_wei(amount: Decimal, wei: int) -> None:
    req = wallet_request("eth", ETH, amount, None)
    assert req.uri == f"ethereum:{ETH}?value={wei}"
    assert req.network == "Ethereum"


def test_erc20_transfer() -> None:
    req = wallet_request("usdterc20", ETH, Decimal("25.5"), None)
    assert req.uri == (
        f"ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7/transfer?address={ETH}&uint256=25500000")
    assert req.network == "Ethereum (ERC-20)"
    usdc = wallet_request("usdcerc20", ETH, Decimal("1"), None)
    assert usdc.uri.endswith("uint256=1000000")
    assert "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48/transfer" in usdc.uri


def test_xrp_destination_tag() -> None:
    req = wallet_request("xrp", "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh", Decimal("10"), "123456")
    assert req.uri == "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh?dt=123456&amount=10"
    assert req.memo_label == "Destination tag"
    assert req.network == "XRP Ledger"
    no_tag = wallet_request("xrp", "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh", Decimal("10"), None)
    assert no_tag.uri == "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh?amount=10"
    assert wallet_request("xrp", "rAddr", Decimal("1.5"), "a b&c").uri == \
        "rAddr?dt=a%20b%26c&amount=1.5"


@pytest.mark.parametrize(("coin", "uri"), [
    ("doge", "dogecoin:DAddr?amount=42.5"), ("bch", "bitcoincash:qAddr?amount=42.5"),
    ("sol", "solana:SAddr?amount=42.5")])
def test_coins_whose_uri_carries_the_amount(coin: str, uri: str) -> None:
    address = {"doge": "DAddr", "bch": "qAddr", "sol": "SAddr"}[coin]
    assert wallet_request(coin, address, Decimal("42.50"), None).uri == uri


def test_xlm_numeric_memo_is_a_memo_id() -> None:
    req = wallet_request("XLM", "GABCDEF", Decimal("12.5000000"), "8675309")
    assert req.uri.startswith("web+stellar:pay?")
    query = parse_qs(urlsplit(req.uri).query)
    assert query == {"destination": ["GABCDEF"], "amount": ["12.5"], "memo": ["8675309"],
                     "memo_type": ["MEMO_ID"]}
    assert req.memo_label == "Memo"
    assert req.network == "Stellar"


def test_xlm_text_memo() -> None:
    req = wallet_request("xlm", "GABCDEF", Decimal("0.0000001"), "gift for gala")
    assert req.uri == "web+stellar:pay?destination=GABCDEF&amount=0.0000001&memo=gift%20for%20gala"
    assert "memo_type" not in req.uri
    bare = wallet_request("xlm", "GABCDEF", Decimal("3"), None)
    assert bare.uri == "web+stellar:pay?destination=GABCDEF&amount=3"
    assert bare.memo_label == "Memo"


@pytest.mark.parametrize(("coin", "network"), [("usdttrc20", "Tron (TRC-20)"), ("trx", "Tron"),
                                               ("xyz", "XYZ")])
def test_other_coins_get_the_bare_address(coin: str, network: str) -> None:
    req = wallet_request(coin, "TXYZaddress", Decimal("5"), None)
    assert req.uri == "TXYZaddress"
    assert req.network == network
    assert req.memo_label is None


def test_unknown_coin_with_extra_id_gets_a_memo_label() -> None:
    req = wallet_request("bnbbsc", "bnb1address", Decimal("1"), "memo-1")
    assert req.uri == "bnb1address"
    assert req.memo_label == "Memo"
