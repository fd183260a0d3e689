"""`--demo`: the whole product on this machine, with no accounts.

Starts the provider sandbox (and a relay on loopback, so webhooks flow the way
they do at an event), points the kiosk at them through the same environment
variables a real deployment uses, and keeps its own data directory so a demo
never touches a real kiosk's records.

In two steps, so that the kiosk shows its total before the servers have loaded:
`prepare_demo()` makes the data directory, opens the sandbox's and relay's
listening sockets and sets every address, key and token (a few milliseconds);
`start_demo()` then loads Starlette and uvicorn and serves on those sockets
(~0.3 s). A request made in between waits in the socket's backlog and is answered
once the server starts; it never reaches a real provider.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from backend.result import Result, UserError, ok, public
from backend.settings import APP_NAME, CONFIG_FILE, write_settings
from backend.sockets import listening_socket, reach_url

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
        # The donor's choices: their language, a monthly gift, covering the fee.
        "languages": ["en", "es", "fr", "ar"],
        "monthly": True,
    },
    # Stripe's standard US card pricing; crypto as NOWPayments' 0.5% plus network costs.
    "fees": {"card_percent": "2.9", "card_fixed": "0.30", "crypto_percent": "1"},
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
    """The demo's sandbox and relay: addressed from `prepare_demo()`, serving from
    `start_demo()` (`sandbox` and `relay` are None until then)."""

    home: Path
    config: Any  # the sandbox's SandboxConfig: keys, secrets, webhook addresses
    kiosk_id: str
    reader_id: str
    sandbox_socket: socket.socket
    relay_socket: socket.socket | None = None
    relay_token: str | None = None
    sandbox: Any = None
    relay: Any = None
    error: str | None = None  # why start_demo() failed; the addresses then refuse
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        return self.sandbox is not None

    def _stop_servers(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        if self.sandbox is not None:
            self.sandbox.stop()
        self.relay = self.sandbox = None
        # A socket no server took over: a client queued in its backlog is refused now
        # rather than left waiting for its timeout.
        for sock in (self.sandbox_socket, self.relay_socket):
            if sock is not None:
                sock.close()

    def stop(self) -> None:
        global _current
        self._stop_servers()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        # A stopped demo is not the process's demo any more: the next prepare_demo() sets
        # up a new one (a window closed and another opened, as tests and tools do).
        if _current is self:
            _current = None


_current: DemoEnvironment | None = None
_lock = threading.Lock()


def prepare_demo(home: Path | None = None, *, with_relay: bool = True) -> DemoEnvironment:
    """Configure this process for the demo without starting a server: the data directory,
    a simulated card reader's id, and the sandbox's (and relay's) listening sockets,
    addresses, keys and token in the environment. Enough for the kiosk's first total;
    `start_demo()` serves on those sockets."""
    global _current
    # Light on purpose (this runs before the first total): the sandbox's keys and the
    # token's format, not the servers.
    from backend.relay.tokens import new_token
    from backend.sandbox.state import SandboxConfig, new_reader_id
    from backend.settings import load_settings, set_setting

    with _lock:
        if _current is not None:
            return _current
        base = home or demo_home()
        base.mkdir(parents=True, exist_ok=True)
        config_path = base / CONFIG_FILE
        if not config_path.exists():
            write_settings(DEMO_SETTINGS, config_path)
        # A simulated card reader for tap to give (the sandbox is new every run): its id is
        # in kiosk.toml before the first total, which offers "Tap card" when there is one.
        reader_id = new_reader_id()
        set_setting("terminal", "reader_id", reader_id, config_path)
        config = SandboxConfig()
        sandbox_socket = listening_socket(config.host, config.port)
        sandbox_url = reach_url(sandbox_socket)
        env = {
            "CHARTER_KIOSK_HOME": str(base),
            "CHARTER_KIOSK_MODE": "test",
            "STRIPE_API_BASE": sandbox_url,
            "NOWPAYMENTS_API_BASE": sandbox_url,
            "STRIPE_SECRET_KEY_TEST": config.stripe_secret_key,
            "STRIPE_PUBLISHABLE_KEY_TEST": config.stripe_publishable_key,
            "NOWPAYMENTS_API_KEY_TEST": config.nowpayments_api_key,
            "BASE_URL": sandbox_url,
        }
        environment = DemoEnvironment(home=base, config=config, reader_id=reader_id,
                                      kiosk_id=load_settings(config_path).kiosk_id,
                                      sandbox_socket=sandbox_socket)
        if with_relay:
            try:
                relay_socket = listening_socket("127.0.0.1", 0)
            except OSError:
                sandbox_socket.close()
                raise
            relay_url = reach_url(relay_socket)
            # The relay knows the kiosk by its [kiosk] id, which its staff actions carry: a
            # fresh token each run (registered, and the previous run's revoked, by start_demo).
            environment.relay_socket, environment.relay_token = relay_socket, new_token()
            config.stripe_webhook_url = f"{relay_url}/v1/webhooks/stripe"
            config.nowpayments_ipn_url = f"{relay_url}/v1/webhooks/nowpayments"
            env.update({"CHARTER_RELAY_URL": relay_url, "RELAY_TOKEN": environment.relay_token,
                        "BASE_URL": relay_url})
        for name, value in env.items():
            environment._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _current = environment
        return environment


def start_demo(home: Path | None = None, *, with_relay: bool = True) -> DemoEnvironment:
    """Start the sandbox (and relay) and configure this process to use them: returns once
    they answer. Raises RuntimeError when they cannot start; the addresses then refuse
    every request (they never fall back to a real provider)."""
    environment = prepare_demo(home, with_relay=with_relay)
    with _lock:
        if environment.error is not None:
            raise RuntimeError(environment.error)
        if environment is _current and not environment.started:
            try:
                _serve(environment)
            except Exception as exc:
                environment._stop_servers()
                environment.error = f"The demo's sandbox and relay did not start: {exc}"
                raise RuntimeError(environment.error) from exc
            log.info("demo running: sandbox %s, relay %s, data %s", environment.sandbox.url,
                     environment.relay.url if environment.relay else "none", environment.home)
    return environment


def _serve(environment: DemoEnvironment) -> None:
    from backend.sandbox import SandboxServer

    sandbox = SandboxServer(environment.config)
    sandbox.add_simulated_reader("Demo reader", environment.reader_id)
    relay = None
    if environment.relay_socket is not None:
        from backend.relay.server import RelayServer
        from backend.relay.tokens import add_kiosk, revoke_kiosk

        db_url = f"sqlite:///{environment.home / 'relay.sqlite3'}"
        relay = RelayServer(db_url=db_url, stripe_secrets=[environment.config.stripe_webhook_secret],
                            nowpayments_secrets=[environment.config.nowpayments_ipn_secret])
        # Before it serves: the kiosk, told the token already, may be queued at its door.
        revoke_kiosk(db_url, environment.kiosk_id)
        add_kiosk(db_url, environment.kiosk_id, "test", token=environment.relay_token)
        relay.start(sock=environment.relay_socket)
        environment.relay = relay
    sandbox.start(sock=environment.sandbox_socket)
    environment.sandbox = sandbox


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
    import requests  # not before the first total (~0.07 s)

    try:
        response = requests.post(url, json=body, timeout=(2, 5))
    except requests.RequestException:
        raise UserError("The demo sandbox is not answering.") from None
    if response.status_code >= 400:
        raise UserError(f"The demo sandbox refused: HTTP {response.status_code}.")
    return ok({"kind": kind, "ref": ref})
