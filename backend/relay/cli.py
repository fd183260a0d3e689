"""`charter-kiosk relay ...`: serve, add-kiosk, revoke, kiosks.

The database URL comes from `--db`, else `CHARTER_RELAY_DB`, else the SQLite
file in the data directory. The environment variable exists so that a
PostgreSQL password need not appear on a command line (visible in `ps`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from backend.relay import tokens
from backend.relay.store import DatabaseUnavailable, RelayStore, default_db_url, redact_url
from backend.result import UserError

DB_ENV = "CHARTER_RELAY_DB"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="relay_command", metavar="COMMAND")
    sub.required = True

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            metavar="URL",
            default=None,
            help=f"relay database: sqlite:////path/file or postgresql://user@host/db "
            f"(default: ${DB_ENV}, else relay.sqlite3 in the data directory)",
        )

    serve = sub.add_parser("serve", help="run the relay HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any free)")
    serve.add_argument(
        "--retention-days",
        type=float,
        default=30.0,
        help="delete events older than this many days (default 30; 0 keeps them forever)",
    )
    serve.add_argument("--db-threads", type=int, default=16,
                       help="threads reading the database for the feed (default 16); the pool "
                       "holds up to this many connections plus 8, and one LISTEN on PostgreSQL")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    db_option(serve)

    serve.add_argument("--sweep-minutes", type=float, default=15.0,
                       help="minutes between missed-webhook sweeps (default 15; 0 turns them off;"
                       " needs a Stripe key on this host)")

    sweep = sub.add_parser("sweep", help="store the Stripe events that never arrived by webhook")
    db_option(sweep)

    add = sub.add_parser("add-kiosk", help="register a kiosk and print its token once")
    add.add_argument("name", help="kiosk name: letters, digits, '.', '_', '-' (the kiosk's "
                     "[kiosk] id in kiosk.toml)")
    add.add_argument("--mode", choices=("test", "live"), default="test",
                     help="the kiosk's mode (default test): its cash gifts, voids and "
                     "decisions are stamped with it, and only kiosks of that mode count them")
    db_option(add)

    revoke = sub.add_parser("revoke", help="revoke a kiosk's token")
    revoke.add_argument("name")
    db_option(revoke)

    kiosks = sub.add_parser("kiosks", help="list kiosks: name, created, last seen, revoked")
    db_option(kiosks)


def _db_url(args: argparse.Namespace) -> str:
    return args.db or os.environ.get(DB_ENV) or default_db_url()


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def run(args: argparse.Namespace) -> int:
    command = args.relay_command
    url = _db_url(args)
    try:
        if command == "serve":
            return _serve(args, url)
        store = RelayStore(url, max_connections=2)
        try:
            if command == "sweep":
                return _sweep(store)
            if command == "add-kiosk":
                token = tokens.add_kiosk(store, args.name, args.mode)
                print(f"Kiosk {args.name!r} added for {args.mode} mode. Its relay token "
                      "(shown only this once):")
                print()
                print(f"    {token}")
                print()
                print("On the kiosk: `charter-kiosk secrets set RELAY_TOKEN` and paste it.")
                return 0
            if command == "revoke":
                if tokens.revoke_kiosk(store, args.name):
                    print(f"Kiosk {args.name!r} revoked; its token no longer works.")
                    return 0
                print(f"No active kiosk named {args.name!r}.", file=sys.stderr)
                return 1
            if command == "kiosks":
                rows = tokens.list_kiosks(store)
                if not rows:
                    print("No kiosks yet. Add one with `charter-kiosk relay add-kiosk NAME`.")
                    return 0
                print(f"{'NAME':<24} {'MODE':<5} {'CREATED':<21} {'LAST SEEN':<21} REVOKED")
                for row in rows:
                    print(f"{row.name:<24} {row.mode or '-':<5} {_when(row.created_at):<21} "
                          f"{_when(row.last_seen_at):<21} {_when(row.revoked_at)}")
                return 0
        finally:
            store.close()
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"The relay database {redact_url(url)} is unavailable: {exc}", file=sys.stderr)
        return 3
    print(f"Unknown relay command {command!r}.", file=sys.stderr)
    return 2


def _sweep(store: RelayStore) -> int:
    import stripe

    from backend.relay.sweep import sweep_client, sweep_stripe
    from backend.stripe_api import explain

    client = sweep_client()
    if client is None:
        print("No Stripe key on this host: set STRIPE_SECRET_KEY_TEST or _LIVE (a restricted key "
              "with read access to Events is enough).", file=sys.stderr)
        return 1
    try:
        report = sweep_stripe(store, client)
    except stripe.StripeError as exc:
        print(f"The sweep failed: {explain(exc)}", file=sys.stderr)
        return 1
    print(f"Swept Stripe events created since {_when(report.since)}: {report.listed} listed, "
          f"{report.stored} stored that had not arrived, {report.duplicates} already here.")
    return 0


def configure_logging(level_name: str) -> None:
    """One handler, on the root logger, to stderr (the journal or the container log).

    `charter-kiosk` has already given the `charter` logger a console handler of its
    own; with the root's as well every line appeared twice, so that one goes (its
    log file stays). At debug level peewee's SQL is shown without its parameters
    (see store.py) and the Stripe library, which logs whole API answers at debug,
    stays at info: donor data never reaches a log.
    """
    from backend.logs import RedactSecrets

    level = getattr(logging, level_name.upper())
    charter = logging.getLogger("charter")
    for handler in list(charter.handlers):
        if type(handler) is logging.StreamHandler:
            charter.removeHandler(handler)
    charter.setLevel(level)
    root = logging.getLogger()
    if not any(type(h) is logging.StreamHandler for h in root.handlers):
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        console.addFilter(RedactSecrets())
        root.addHandler(console)
    root.setLevel(level)
    logging.getLogger("stripe").setLevel(max(level, logging.INFO))


def _serve(args: argparse.Namespace, url: str) -> int:
    from backend.relay.app import create_app
    from backend.relay.server import serve

    configure_logging(args.log_level)
    app = create_app(url, retention_days=args.retention_days or None, db_threads=args.db_threads,
                     sweep_interval=args.sweep_minutes * 60 if args.sweep_minutes else None)
    relay = app.state.relay
    if not relay.configured_secret_names():
        logging.getLogger("charter.relay").warning(
            "no webhook secret configured (STRIPE_WEBHOOK_SECRET, NOWPAYMENTS_IPN_SECRET): "
            "webhooks will be answered 503 until one is set"
        )

    def listening(address: str) -> None:
        # One stable line on stdout, so scripts (and tests) can learn the port.
        print(f"relay listening on {address} (database {redact_url(url)})", flush=True)

    serve(app, args.host, args.port, log_level=args.log_level, on_listening=listening)
    return 0
