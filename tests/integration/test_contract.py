"""Every public backend function answers the envelope and never raises."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import backend

DESIGN_NAMES = {
    "backend.charter": ["on_ready", "crypto_button_click", "fiat_button_click",
                        "get_cumulative_total", "after_payment_webhook", "redirect_back_to_charter"],
    "backend.stripe_api": ["get_publishable_key", "create_checkout_session", "get_payment_status",
                           "handle_webhook"],
    "backend.nowpayments_api": ["create_nowpayments_invoice", "get_invoice_status", "handle_webhook"],
}

JUNK: list[Any] = [None, "", "junk", -1, 0.5, float("nan"), b"\x00\xff", [], {}, object()]


def public_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        if ".relay" in info.name or ".sandbox" in info.name or info.name.endswith("cli"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if getattr(value, "__charter_public__", False) and value.__module__ == info.name:
                found.append((f"{info.name}.{name}", value))
    return sorted(found, key=lambda item: item[0])


def is_envelope(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("success"), bool):
        return False
    if value["success"]:
        return isinstance(value.get("data"), dict) and "error" not in value
    return isinstance(value.get("error"), str) and bool(value["error"]) and "data" not in value


@pytest.mark.parametrize(("module", "names"), sorted(DESIGN_NAMES.items()))
def test_design_names_exist_and_are_public(module: str, names: list[str]) -> None:
    loaded = importlib.import_module(module)
    for name in names:
        function = getattr(loaded, name, None)
        assert callable(function), f"{module}.{name} is missing"
        assert getattr(function, "__charter_public__", False), f"{module}.{name} is not @public"


def test_the_enumeration_finds_every_design_function() -> None:
    found = {name for name, _ in public_functions()}
    for module, names in DESIGN_NAMES.items():
        for name in names:
            assert f"{module}.{name}" in found


@pytest.mark.parametrize(("name", "function"), public_functions(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_junk_arguments_answer_an_error_envelope(name: str, function: Callable[..., Any],
                                                 kiosk_env: Any, tmp_path: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a junk file name must not land in the repository
    parameters = [p for p in inspect.signature(function).parameters.values()
                  if p.default is inspect.Parameter.empty
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not parameters:
        assert is_envelope(function()), name
        return
    for junk in JUNK:
        result = function(*([junk] * len(parameters)))
        assert is_envelope(result), (name, junk, result)
        # "junk" is a usable file name for an export; everything else must be refused.
        allowed = name.endswith("export_donations_csv") and junk == "junk"
        assert result["success"] is False or allowed, (name, junk, result)
