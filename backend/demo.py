"""`--demo`: the whole product on this machine, with no accounts.

Starts the provider sandbox (and a relay on loopback, so webhooks flow the way
they do at an event), points the kiosk at them through the same environment
variables a real deployment uses, and keeps its own data directory so a demo
never touches a real kiosk's records.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import requests

from backend.result import Result, UserError, ok, public
from backend.settings import APP_NAME, CONFIG_FILE, write_settings

log = logging.getLogger("charter.demo")

DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "campaign": {
        "id": "riverside-winter-appeal",
        "name": "Riverside Food Bank",
        "tagline": "Winter Appeal — every gift fills a plate",
        "currency": "usd",
        "goal": "25000",
        "max_amount": "5000",
        "presets": ["10", "25", "50", "100"],
        "coins": ["btc", "eth", "ltc", "xrp", "xlm", "usdttrc20"],
    },
    "kiosk": {"id": "demo-kiosk", "mode": "test"},
    "demo": {"enabled": True},
}


def demo_home() -> Path:
    """`demo/` inside the data directory: a demo never touches a real kiosk's records,
    even when CHARTER_KIOSK_HOME points at one."""
    home = os.environ.get("CHARTER_KIOSK_HOME")
    base = Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path = base / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class DemoEnvironment:
    home: Path
    sandbox: Any
    relay: Any = None
    relay_token: str | None = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        self.sandbox.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_current: DemoEnvironment | None = None
_lock = threading.Lock()


def start_demo(home: Path | None = None, *, with_relay: bool = True) -> DemoEnvironment:
    """Start the sandbox (and relay) and configure this process to use them."""
    global _current
    from backend.sandbox import SandboxConfig, SandboxServer

    with _lock:
        if _current is not None:
            return _current
        base = home or demo_home()
        base.mkdir(parents=True, exist_ok=True)
        config_path = base / CONFIG_FILE
        if not config_path.exists():
            write_settings(DEMO_SETTINGS, config_path)
        config = SandboxConfig()
        sandbox = SandboxServer(config)
        sandbox.start()
        # A simulated card reader for tap to give (the sandbox is new every run).
        from backend.settings import set_setting

        set_setting("terminal", "reader_id", sandbox.add_simulated_reader("Demo reader")["id"],
                    config_path)
        env = {
            "CHARTER_KIOSK_HOME": str(base),
            "CHARTER_KIOSK_MODE": "test",
            "STRIPE_API_BASE": sandbox.url,
            "NOWPAYMENTS_API_BASE": sandbox.url,
            "STRIPE_SECRET_KEY_TEST": config.stripe_secret_key,
            "STRIPE_PUBLISHABLE_KEY_TEST": config.stripe_publishable_key,
            "NOWPAYMENTS_API_KEY_TEST": config.nowpayments_api_key,
            "BASE_URL": sandbox.url,
        }
        environment = DemoEnvironment(home=base, sandbox=sandbox)
        if with_relay:
            _start_relay(environment, config, env)
        for name, value in env.items():
            environment._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _current = environment
        log.info("demo running: sandbox %s, relay %s, data %s", sandbox.url,
                 environment.relay.url if environment.relay else "none", base)
        return environment


def _start_relay(environment: DemoEnvironment, config: Any, env: dict[str, str]) -> None:
    try:
        from backend.relay.server import RelayServer
        from backend.relay.tokens import add_kiosk, revoke_kiosk
    except ImportError:
        return
    from backend.settings import CONFIG_FILE, load_settings
    db_url = f"sqlite:///{environment.home / 'relay.sqlite3'}"
    relay = RelayServer(db_url=db_url, stripe_secrets=[config.stripe_webhook_secret],
                        nowpayments_secrets=[config.nowpayments_ipn_secret])
    relay.start()
    # The relay knows the kiosk by its [kiosk] id, which its staff actions carry:
    # a fresh token each run (the previous run's is revoked first).
    name = load_settings(environment.home / CONFIG_FILE).kiosk_id
    revoke_kiosk(db_url, name)
    token = add_kiosk(db_url, name, "test")
    environment.relay, environment.relay_token = relay, token
    environment.sandbox.set_webhook_urls(stripe=f"{relay.url}/v1/webhooks/stripe",
                                         nowpayments=f"{relay.url}/v1/webhooks/nowpayments")
    env.update({"CHARTER_RELAY_URL": relay.url, "RELAY_TOKEN": token, "BASE_URL": relay.url})


def stop_demo() -> None:
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None


@public
def simulate_payment(kind: str, ref: str) -> Result:
    """Play the donor's phone: pay the Checkout Session or finish the crypto payment."""
    base = os.environ.get("STRIPE_API_BASE") if kind == "card" else os.environ.get(
        "NOWPAYMENTS_API_BASE")
    if not base:
        raise UserError("Simulated payments exist only in demo mode.")
    if kind == "card":
        url = f"{base}/_sandbox/stripe/sessions/{ref}/pay"
        body: dict[str, Any] = {"webhook": True}
    elif kind == "crypto":
        url = f"{base}/_sandbox/nowpayments/payments/{ref}/status"
        body = {"status": "finished", "webhook": True}
    else:
        raise UserError(f"Unknown payment kind {kind!r}.")
    try:
        response = requests.post(url, json=body, timeout=(2, 5))
    except requests.RequestException:
        raise UserError("The demo sandbox is not answering.") from None
    if response.status_code >= 400:
        raise UserError(f"The demo sandbox refused: HTTP {response.status_code}.")
    return ok({"kind": kind, "ref": ref})
