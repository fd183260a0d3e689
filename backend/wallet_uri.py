"""The payload of the crypto QR code: a wallet URI a phone wallet understands.

BIP21 for BTC/LTC (and its look-alikes for DOGE and BCH), EIP-681 for ETH and
ERC-20 tokens, Solana Pay for SOL, the destination tag or memo for XRP/XLM (a
payment sent without it is not detected), each with the amount so the donor
never types it, and the bare address for the rest, whose amount and network
the screen shows in large text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlencode

# ERC-20 tokens NOWPayments offers on Ethereum: contract and decimals.
ERC20_TOKENS = {
    "usdterc20": ("0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
    "usdcerc20": ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
}

NETWORKS = {
    "btc": "Bitcoin",
    "ltc": "Litecoin",
    "eth": "Ethereum",
    "xrp": "XRP Ledger",
    "xlm": "Stellar",
    "usdttrc20": "Tron (TRC-20)",
    "usdterc20": "Ethereum (ERC-20)",
    "usdcerc20": "Ethereum (ERC-20)",
    "trx": "Tron",
    "doge": "Dogecoin",
    "bch": "Bitcoin Cash",
    "sol": "Solana",
}

# Coins whose wallets read BIP21's `scheme:address?amount=` form.
BIP21_SCHEMES = {"ltc": "litecoin", "doge": "dogecoin", "bch": "bitcoincash"}

MEMO_LABELS = {"xrp": "Destination tag", "xlm": "Memo"}


@dataclass(frozen=True)
class WalletRequest:
    uri: str
    network: str
    memo_label: str | None  # shown large on screen when the coin needs a memo or tag


def plain_decimal(amount: Decimal) -> str:
    """No exponent, no trailing zeros: "0.0005", not "5E-4"."""
    text = format(amount.normalize(), "f")
    return text


def wallet_request(coin: str, address: str, amount: Decimal, extra_id: str | None) -> WalletRequest:
    code = coin.lower()
    network = NETWORKS.get(code, code.upper())
    memo_label = MEMO_LABELS.get(code) or ("Memo" if extra_id else None)
    if code == "btc":
        uri = f"bitcoin:{address}?amount={plain_decimal(amount)}"
    elif code in BIP21_SCHEMES:
        uri = f"{BIP21_SCHEMES[code]}:{address}?amount={plain_decimal(amount)}"
    elif code == "eth":
        wei = int(amount.scaleb(18).to_integral_value())
        uri = f"ethereum:{address}?value={wei}"
    elif code in ERC20_TOKENS:
        contract, decimals = ERC20_TOKENS[code]
        units = int(amount.scaleb(decimals).to_integral_value())
        uri = f"ethereum:{contract}/transfer?address={address}&uint256={units}"
    elif code == "xrp":
        # The address form XRP wallets scan, with the tag and the amount in XRP.
        params = {"dt": extra_id} if extra_id else {}
        params["amount"] = plain_decimal(amount)
        uri = f"{address}?" + urlencode(params, quote_via=quote)
    elif code == "sol":
        uri = f"solana:{address}?amount={plain_decimal(amount)}"  # Solana Pay transfer request
    elif code == "xlm":
        params = {"destination": address, "amount": plain_decimal(amount)}
        if extra_id:
            params["memo"] = extra_id
            if extra_id.isdigit():
                params["memo_type"] = "MEMO_ID"
        uri = "web+stellar:pay?" + urlencode(params, quote_via=quote)
    else:
        uri = address
    return WalletRequest(uri, network, memo_label)
