"""`charter-kiosk sandbox`: run the provider sandbox in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import socket
import sys
import threading
from types import FrameType
from typing import TextIO

from backend.sandbox.server import SandboxServer
from backend.sandbox.state import SandboxConfig

DEFAULT_PORT = 12111


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (0.0.0.0 lets a phone on the network in)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--stripe-webhook-url", default=None,
                        help="where to POST signed Stripe events, e.g. the relay's "
                             "/v1/webhooks/stripe")
    parser.add_argument("--nowpayments-ipn-url", default=None,
                        help="default NOWPayments IPN target for payments without "
                             "ipn_callback_url")
    parser.add_argument("--public-url", default=None,
                        help="base URL written into checkout and invoice links "
                             "(default: this machine's address)")


def lan_address() -> str:
    """This machine's address on its LAN, for links a phone can open. Sends nothing."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.255.255.255", 1))
        address: str = s.getsockname()[0]
        return address
    return "127.0.0.1"


def exports(server: SandboxServer) -> list[str]:
    cfg = server.config
    values = {
        "STRIPE_API_BASE": server.url,
        "NOWPAYMENTS_API_BASE": server.url,
        "CHARTER_KIOSK_MODE": "test",
        "STRIPE_SECRET_KEY_TEST": cfg.stripe_secret_key,
        "STRIPE_PUBLISHABLE_KEY_TEST": cfg.stripe_publishable_key,
        "STRIPE_WEBHOOK_SECRET": cfg.stripe_webhook_secret,
        "NOWPAYMENTS_API_KEY_TEST": cfg.nowpayments_api_key,
        "NOWPAYMENTS_IPN_SECRET_TEST": cfg.nowpayments_ipn_secret,
    }
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    public_url = args.public_url
    config = SandboxConfig(
        host=args.host, port=args.port, stripe_webhook_url=args.stripe_webhook_url,
        nowpayments_ipn_url=args.nowpayments_ipn_url, public_url=public_url)
    server = SandboxServer(config)
    try:
        server.start()
    except OSError as exc:
        print(f"charter-kiosk sandbox: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 1
    previous = None
    if threading.current_thread() is threading.main_thread():
        def on_term(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, on_term)
    # From here a Ctrl-C stops the server cleanly: the lines below tell a script (and the
    # tests) that it may send one, so it must not land before the `try`.
    try:
        if public_url is None and args.host in ("0.0.0.0", ""):
            port = server.url.rsplit(":", 1)[1]
            config.public_url = f"http://{lan_address()}:{port}"
        print(f"Provider sandbox (test mode) listening on {server.url}", file=out)
        if config.public_url:
            print(f"Checkout and invoice links use {config.public_url}", file=out)
        print("Throwaway keys for this sandbox; paste into the shell that runs the kiosk:",
              file=out)
        for line in exports(server):
            print(line, file=out)
        print("Controls: POST /_sandbox/... (see backend/sandbox). Ctrl-C stops.", file=out)
        out.flush()
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopping the sandbox…", file=out)
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="charter-kiosk sandbox",
                                     description="Run the Stripe/NOWPayments provider sandbox.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
