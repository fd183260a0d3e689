"""`charter-kiosk`: one entry point for the kiosk and its tools.

Only the commands that open a window import Qt; `relay`, `check`, `sandbox`,
`secrets`, `export` and `reconcile` run on a host with no display.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import sys
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from backend.result import Result

USAGE_ERROR = 2


# Commands whose arguments come from their own module: loaded only when that command runs,
# since the relay's and the sandbox's modules bring peewee, psycopg2, Starlette, uvicorn and
# requests (~0.2 s and ~40 MB), which the kiosk itself must not pay for at every start.
PLUGIN_COMMANDS = ("relay", "sandbox")


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("charter-kiosk")
    except PackageNotFoundError:
        return "0+unknown"


class _VersionAction(argparse.Action):
    """`--version`, reading the installed metadata only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"charter-kiosk {app_version()}")
        parser.exit()


def _window_size(text: str) -> str:
    """--size WxH: two positive whole numbers, checked before any window opens."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 1280x800")
    return f"{int(width)}x{int(height)}"


def _screen_number(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a screen number (0 is the first)")
    return int(text)


def _window_options(parser: argparse.ArgumentParser) -> None:
    # Where argparse puts a value given both before and after the command: the
    # subcommand's default must not undo the main parser's (SUPPRESS keeps it).
    keep = argparse.SUPPRESS
    parser.add_argument("--windowed", action="store_true", default=keep,
                        help="a normal window (development)")
    parser.add_argument("--size", type=_window_size, metavar="WxH", default=keep,
                        help="the window's size with --windowed, e.g. 1280x800")
    parser.add_argument("--screen", type=_screen_number, metavar="N", default=keep,
                        help="which screen to fill (0 is the first)")
    parser.add_argument("--hide-cursor", action="store_true", default=keep,
                        help="hide the mouse cursor")


def command_of(argv: Sequence[str]) -> str | None:
    """The command word in `argv` (the first argument not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; `commands` limits which of PLUGIN_COMMANDS get their
    arguments loaded (None: all of them)."""
    parser = argparse.ArgumentParser(
        prog="charter-kiosk",
        description="A donation kiosk for live events. With no command, runs the kiosk.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--demo", action="store_true",
                        help="run on the embedded provider sandbox, no accounts needed")
    parser.add_argument("--terminal", action="store_true",
                        help="with --demo: walk through a card and a crypto gift in the terminal")
    parser.add_argument("--verbose", action="store_true", help="log debug detail")
    _window_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    display = sub.add_parser("display", help="the full-screen live totals board")
    _window_options(display)
    display.add_argument("--demo", action="store_true", dest="demo_display")

    check = sub.add_parser("check", help="verify functions, database, secrets, webhooks, services")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--offline", action="store_true", help="skip the network checks")

    secrets = sub.add_parser("secrets", help="store secrets in the OS keyring")
    secrets_sub = secrets.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    set_cmd = secrets_sub.add_parser("set", help="store a secret (prompts without echo)")
    set_cmd.add_argument("name")
    delete_cmd = secrets_sub.add_parser("delete", help="remove a secret from the keyring")
    delete_cmd.add_argument("name")
    secrets_sub.add_parser("list", help="which secrets are configured, and where (never values)")
    secrets_sub.add_parser("set-pin", help="set the staff PIN (prompts without echo)")

    rec = sub.add_parser("reconcile", help="ask the providers about every open payment, once")
    rec.add_argument("--all", action="store_true",
                     help="ask about every open payment now, not only those due")
    rec.add_argument("--json", action="store_true", help="machine-readable output")

    export = sub.add_parser("export", help="write every ledger entry (gifts and corrections) "
                            "to a CSV file")
    export.add_argument("path")

    void = sub.add_parser("void-cash", help="void a mistyped cash gift recorded at this kiosk "
                          "(shared with every kiosk through the relay)")
    void.add_argument("donation_id", type=int, help="the gift's number (staff screen, export)")
    void.add_argument("--reason", required=True, help="why, for the treasurer (1-200 chars)")

    term = sub.add_parser("terminal", help="the Stripe Terminal card reader for tap to give")
    term_sub = term.add_subparsers(dest="terminal_command", required=True)
    locations = term_sub.add_parser("locations", help="list Terminal locations, or --create one")
    locations.add_argument("--create", metavar="NAME", help="create a location with this name")
    for field in ("line1", "city", "state", "country", "postal-code"):
        locations.add_argument(f"--{field}", default="")
    register = term_sub.add_parser("register", help="register a reader by its registration "
                                   "code and use it on this kiosk")
    register.add_argument("code", help="the code the reader shows (test mode: simulated-wpe)")
    register.add_argument("--location", required=True, help="a location id (tml_...)")
    register.add_argument("--label", default=None)
    term_sub.add_parser("readers", help="list readers: status, type, label, this kiosk's")
    term_sub.add_parser("forget", help="stop using the reader on this kiosk")

    relay = sub.add_parser("relay", help="the webhook relay service and its kiosk tokens")
    sandbox = sub.add_parser("sandbox", help="a local Stripe/NOWPayments look-alike for testing")
    for name, module in (("relay", relay), ("sandbox", sandbox)):
        if commands is not None and name not in commands:
            continue
        cli = _optional_module(f"backend.{name}.cli")
        if cli is not None:
            cli.add_arguments(module)
    return parser


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


WindowRunner = Callable[[list[str]], int]


def main(argv: Sequence[str] | None = None, *, run_window: WindowRunner | None = None) -> int:
    """Every command. The window commands (the kiosk, `display`) need `run_window`,
    which `kiosk.cli` hands in: the backend never imports the GUI itself."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command_word = command_of(args_list)
    parser = build_parser([command_word] if command_word in PLUGIN_COMMANDS else ())
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else USAGE_ERROR
    from backend.logs import setup_logging

    setup_logging(verbose=args.verbose)
    command = args.command
    if command is None:
        if args.demo and args.terminal:
            return terminal_demo()
        return _run_window(["--demo"] if args.demo else [], args, run_window)
    if command == "display":
        return _run_window(["display", *(["--demo"] if args.demo_display else [])], args,
                           run_window)
    if command == "check":
        from backend import check

        return check.run(json_output=args.json, offline=args.offline)
    if command == "secrets":
        return secrets_command(args)
    if command == "reconcile":
        return reconcile_command(args)
    if command == "export":
        from backend import charter

        return _report(charter.export_donations_csv(args.path),
                       lambda d: f"Wrote {d['rows']} ledger entries to {d['path']}")
    if command == "terminal":
        return terminal_command(args)
    if command == "void-cash":
        from backend import charter
        from backend.money import format_money
        from backend.settings import get_settings

        currency = get_settings().currency
        return _report(charter.void_cash_gift(args.donation_id, args.reason),
                       lambda d: f"Gift {d['donation_id']} voided "
                       f"({format_money(d['voided_minor'], currency)} out of the total; now "
                       f"{format_money(d['total_minor'], currency)})"
                       + ("" if d["shared"] else "; it reaches the other kiosks on the next "
                          "reconciler pass"))
    for name in ("relay", "sandbox"):
        if command == name:
            cli = _optional_module(f"backend.{name}.cli")
            return int(cli.run(args))
    parser.print_usage(sys.stderr)
    return USAGE_ERROR


def terminal_command(args: argparse.Namespace) -> int:
    from backend import terminal

    sub = args.terminal_command
    if sub == "locations":
        if args.create:
            address = {"line1": args.line1, "city": args.city, "state": args.state,
                       "country": args.country, "postal_code": args.postal_code}
            return _report(terminal.create_location(args.create, address),
                           lambda d: f"Location {d['id']} created: {d['display_name']}")
        return _report(terminal.list_locations(), lambda d: "\n".join(
            f"{x['id']}  {x['display_name']}" for x in d["locations"])
            or "No locations yet: charter-kiosk terminal locations --create NAME --line1 ...")
    if sub == "register":
        return _report(terminal.register_reader(args.code, args.location, args.label),
                       lambda d: f"Reader {d['id']} ({d['device_type']}, {d['status']}) "
                       "registered and set as this kiosk's reader in kiosk.toml")
    if sub == "readers":
        return _report(terminal.list_readers(), lambda d: "\n".join(
            f"{r['id']}  {r['status']:<8} {r['device_type']:<24} {r['label']}"
            + ("  <- this kiosk" if r["this_kiosk"] else "") for r in d["readers"])
            or "No readers registered.")
    return _report(terminal.forget_reader(),
                   lambda d: f"This kiosk no longer uses reader {d['forgotten'] or '(none)'}.")


def _run_window(extra: list[str], args: argparse.Namespace,
                run_window: WindowRunner | None) -> int:
    if run_window is None:
        print("This command opens the kiosk's window: run it as `charter-kiosk` (or "
              "`python -m kiosk.cli`); the backend alone has no window.", file=sys.stderr)
        return USAGE_ERROR
    argv = [*extra]
    if getattr(args, "windowed", False):
        argv.append("--windowed")
    if getattr(args, "hide_cursor", False):
        argv.append("--hide-cursor")
    if getattr(args, "size", None):
        argv += ["--size", args.size]
    if getattr(args, "screen", None) is not None:
        argv += ["--screen", str(args.screen)]
    return int(run_window(argv))


def _report(result: Result, describe: object) -> int:
    if result["success"]:
        print(describe(result["data"]) if callable(describe) else describe)
        return 0
    print(f"error: {result['error']}", file=sys.stderr)
    return 1


def secrets_command(args: argparse.Namespace) -> int:
    from backend import secrets
    from backend.result import UserError
    from backend.secret_names import KNOWN_SECRETS

    try:
        if args.secrets_command == "list":
            for name in KNOWN_SECRETS:
                print(f"{name:34} {secrets.secret_source(name)}")
            print(f"keyring backend: {secrets.keyring_backend_name()}"
                  f"{'' if secrets.keyring_available() else ' (unavailable)'}")
            return 0
        if args.secrets_command == "set-pin":
            from backend import staff_pin

            pin = getpass.getpass("New staff PIN: ")
            if pin != getpass.getpass("Repeat the PIN: "):
                print("error: the two PINs differ; nothing was stored.", file=sys.stderr)
                return 1
            return _report(staff_pin.set_pin(pin), "Staff PIN stored in the OS keyring.")
        if args.name not in KNOWN_SECRETS:
            print(f"error: {args.name} is not a known secret. Known: "
                  f"{', '.join(KNOWN_SECRETS)}", file=sys.stderr)
            return USAGE_ERROR
        if args.secrets_command == "set":
            value = getpass.getpass(f"{args.name}: ").strip()
            secrets.set_secret(args.name, value)
            print(f"{args.name} stored in the OS keyring (service {secrets.SERVICE}).")
            return 0
        removed = secrets.delete_secret(args.name)
        print(f"{args.name} {'removed' if removed else 'was not in the keyring'}.")
        return 0
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def reconcile_command(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from backend.reconcile import Reconciler, pending_summary
    from backend.result import UserError

    try:
        report = Reconciler().run_once(force=args.all)
        summary = pending_summary()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"report": asdict(report), "pending": summary}, indent=2, default=str))
    else:
        print(f"Checked {report.checked} open payments: {report.changed} changed, "
              f"{report.counted} newly counted, {report.errors} errors.")
        for item in report.details:
            if "error" in item:
                print(f"  {item['provider']} {item['ref']}: {item['error']}")
            elif item.get("from") != item.get("to"):
                print(f"  {item['provider']} {item['ref']}: {item['from']} -> {item['to']}")
        print(f"Still open: {sum(summary['by_age'].values())} "
              f"({', '.join(f'{k}: {v}' for k, v in summary['by_state'].items()) or 'none'})")
        if summary["stale"]:
            print(f"No longer asked about (past expiry and grace): {len(summary['stale'])}")
    return 1 if report.errors else 0


def terminal_demo() -> int:
    """A card and a crypto gift against the sandbox, with the total before and after."""
    from backend import charter, demo, nowpayments_api, stripe_api
    from backend.money import format_money

    env = demo.start_demo()
    try:
        ready = charter.on_ready()
        if not ready["success"]:
            print(f"error: {ready['error']}", file=sys.stderr)
            return 1
        info = ready["data"]
        currency = info["currency"]
        print(f"{info['campaign_name']} — {info['mode'].upper()} MODE (sandbox at {env.sandbox.url})")
        print(f"Total before: {format_money(info['total_minor'], currency)}\n")

        card = charter.fiat_button_click("25", "card")
        if not card["success"]:
            print(f"error: {card['error']}", file=sys.stderr)
            return 1
        print(f"Card gift of {format_money(card['data']['amount_minor'], currency)}: "
              f"scan {card['data']['checkout_url']}")
        demo.simulate_payment("card", card["data"]["session_id"])
        status = _wait_paid(lambda: stripe_api.get_payment_status(card["data"]["session_id"]))
        print(f"  status: {status}")

        crypto = charter.crypto_button_click("10", "btc")
        if not crypto["success"]:
            print(f"error: {crypto['error']}", file=sys.stderr)
            return 1
        c = crypto["data"]
        print(f"Crypto gift of {format_money(c['amount_minor'], currency)}: send {c['pay_amount']} "
              f"{c['pay_currency'].upper()} on {c['network']}\n  QR: {c['qr_payload']}")
        demo.simulate_payment("crypto", c["payment_id"])
        status = _wait_paid(lambda: nowpayments_api.get_invoice_status(c["payment_id"]))
        print(f"  status: {status}")

        total = charter.get_cumulative_total()["data"]
        print(f"\nTotal after: {format_money(total['total_minor'], currency)} "
              f"from {total['count']} gifts {json.dumps(total['by_method'])}")
        return 0
    finally:
        demo.stop_demo()


def _wait_paid(poll: Callable[[], Result], timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    status = "unknown"
    while time.monotonic() < deadline:
        result = poll()
        if result["success"]:
            status = str(result["data"]["status"])
            if status == "paid":
                return status
        else:
            status = str(result["error"])
        time.sleep(0.3)
    return status


if __name__ == "__main__":
    sys.exit(main())
