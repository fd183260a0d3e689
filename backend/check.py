"""`charter-kiosk check`: is this kiosk ready for doors to open?

Five groups, each with a one-line fix when it fails: the public functions
answer the envelope; the database is sound and its kept total matches the sum;
the secrets this mode needs are present (names only, never values); the relay
and the providers answer (skipped with --offline); bad input is refused by the
validators the payment paths run first. `check` reports; it never writes to the
ledger. The staff screen shows the same list.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import requests

from backend.result import UserError
from backend.settings import get_settings

Status = Literal["pass", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    group: str
    name: str
    status: Status
    detail: str = ""
    fix: str = ""


# Each must answer the envelope. Each only reads, or is refused at its first guard (a
# method, a request shape or a signature that is not there), so none can create a payment
# or write a record even if the amount checks regressed; check_error_handling tests those
# through the validators alone. `check` never writes to the ledger.
def _function_calls() -> list[tuple[str, Callable[[], Any]]]:
    from backend import charter, nowpayments_api, stripe_api

    not_a_request: Any = "not a request"
    return [
        ("charter.on_ready", charter.on_ready),
        ("charter.get_cumulative_total", charter.get_cumulative_total),
        ("charter.fiat_button_click", lambda: charter.fiat_button_click("25", "no-such-method")),
        ("charter.crypto_button_click",
         lambda: charter.crypto_button_click("25", "btc", recurring="month")),
        ("charter.after_payment_webhook", lambda: charter.after_payment_webhook(b"", {})),
        ("charter.redirect_back_to_charter", lambda: charter.redirect_back_to_charter("1", "card")),
        ("stripe_api.get_publishable_key", stripe_api.get_publishable_key),
        ("stripe_api.create_checkout_session",
         lambda: stripe_api.create_checkout_session(not_a_request)),
        ("stripe_api.get_payment_status", lambda: stripe_api.get_payment_status("not-a-session")),
        ("stripe_api.handle_webhook", lambda: stripe_api.handle_webhook(b"", "")),
        ("nowpayments_api.create_nowpayments_invoice",
         lambda: nowpayments_api.create_nowpayments_invoice(not_a_request)),
        ("nowpayments_api.get_invoice_status", lambda: nowpayments_api.get_invoice_status("x")),
        ("nowpayments_api.handle_webhook", lambda: nowpayments_api.handle_webhook(b"", "")),
    ]


def _is_envelope(value: object) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("success"), bool):
        return False
    if value["success"]:
        return isinstance(value.get("data"), dict)
    return isinstance(value.get("error"), str) and bool(value["error"])


def check_functions() -> list[Check]:
    broken = []
    calls = _function_calls()
    for name, call in calls:
        try:
            if not _is_envelope(call()):
                broken.append(name)
        except Exception:  # a public function that raises is exactly what we look for
            broken.append(name)
    if broken:
        return [Check("functions", "public functions", "fail",
                      f"not answering the envelope: {', '.join(broken)}",
                      "Reinstall this version of Charter Kiosk; report the names above.")]
    return [Check("functions", "public functions", "pass", f"{len(calls)} answer the envelope")]


def check_database() -> list[Check]:
    from backend import ledger
    from backend.db import SCHEMA_VERSION, database_path, ensure_database, schema_version
    from backend.models import ALL_MODELS

    try:
        db = ensure_database()
    except UserError as exc:
        return [Check("database", "open", "fail", str(exc), "Update the app, or restore a backup.")]
    except Exception as exc:
        return [Check("database", "open", "fail", f"cannot open: {type(exc).__name__}",
                      "Check the data directory exists and is writable (CHARTER_KIOSK_HOME).")]
    results = [Check("database", "open", "pass", str(database_path()))]
    version = schema_version(db)
    results.append(Check("database", "schema", "pass" if version == SCHEMA_VERSION else "fail",
                         f"version {version} (app knows {SCHEMA_VERSION})",
                         "" if version == SCHEMA_VERSION else "Restart the kiosk to migrate."))
    integrity = db.execute_sql("PRAGMA integrity_check").fetchone()[0]
    results.append(Check("database", "integrity", "pass" if integrity == "ok" else "fail",
                         str(integrity), "" if integrity == "ok" else
                         "Stop the kiosk and restore the newest .bak file beside the database."))
    missing = [m._meta.table_name for m in ALL_MODELS if not db.table_exists(m._meta.table_name)]
    results.append(Check("database", "tables", "fail" if missing else "pass",
                         f"missing: {', '.join(missing)}" if missing else f"{len(ALL_MODELS)} present",
                         "Restart the kiosk to migrate." if missing else ""))
    kept, summed = ledger.totals(), ledger.recomputed_totals()
    same = all(kept[k] == summed[k] for k in ("total_minor", "gross_minor", "corrections_minor",
                                              "count", "by_method"))
    results.append(Check("database", "total", "pass" if same else "fail",
                         f"kept {kept['total_minor']} (gross {kept['gross_minor']}, corrections "
                         f"{kept['corrections_minor']}, {kept['count']} gifts) == sum of entries "
                         f"{summed['total_minor']} (gross {summed['gross_minor']}, corrections "
                         f"{summed['corrections_minor']}, {summed['count']} gifts)"
                         if same else
                         f"kept {kept['total_minor']} / {kept['count']}, summed entries "
                         f"{summed['total_minor']} / {summed['count']}",
                         "" if same else "Report this; the ledger entries are the record of "
                         "truth (charter-kiosk export lists them)."))
    mixed = {k: v for k, v in ledger.mode_mismatches().items() if v}
    mode = get_settings().mode
    results.append(Check("database", "modes", "fail" if mixed else "pass",
                         "records of the other mode: " + ", ".join(
                             f"{v} {k.replace('_', ' ')}" for k, v in mixed.items())
                         if mixed else f"every record is {mode} mode",
                         "Report this: test and live money must never share a database."
                         if mixed else ""))
    unknown = ledger.counter(ledger.MODE_UNKNOWN_KEY)
    other = ledger.counter(ledger.OTHER_MODE_KEY)
    refused = ledger.counter(ledger.REFUSED_KEY)
    results.append(Check(
        "database", "event modes", "warn" if unknown or refused else "pass",
        f"{unknown} events refused (mode unknown), {refused} kiosk events refused (sender or "
        f"limits), {other} of the other mode ignored",
        "Events without an established mode come from an old relay or a misconfigured "
        "secret: give each mode its own NOWPAYMENTS_IPN_SECRET_TEST/_LIVE on the relay."
        if unknown or refused else ""))
    waiting = ledger.pending_events()
    results.append(Check("database", "kept events", "pass" if not waiting else "warn",
                         f"{len(waiting)} events wait for the payment or gift they refer to"
                         if waiting else "none waiting",
                         "The reconciler asks NOWPayments about missing parents, and Stripe "
                         "which month of a monthly gift a refund or dispute is for; a refund or "
                         "dispute waits for its payment to be counted." if waiting else ""))
    return results


def check_secrets() -> list[Check]:
    from backend.secrets import get_secret, keyring_available, keyring_backend_name


    settings = get_settings()
    mode = settings.mode
    results: list[Check] = []
    if not keyring_available():
        results.append(Check("secrets", "keyring", "warn",
                             f"no OS keyring ({keyring_backend_name()}): secrets must come from "
                             "the environment", "Install and unlock a keyring service."))
    needed = [f"STRIPE_SECRET_KEY_{mode.upper()}", "BASE_URL"]
    if settings.coins:
        needed.append(f"NOWPAYMENTS_API_KEY_{mode.upper()}")
    if settings.relay_url:
        needed.append("RELAY_TOKEN")
    values: dict[str, str | None] = {}
    for name in [*needed, f"STRIPE_SECRET_KEY_{'LIVE' if mode == 'test' else 'TEST'}",
                 f"STRIPE_PUBLISHABLE_KEY_{mode.upper()}"]:
        try:
            values[name] = get_secret(name)
        except UserError:
            values[name] = None
    if settings.coins and not values[f"NOWPAYMENTS_API_KEY_{mode.upper()}"] and mode == "live":
        try:
            legacy = get_secret("NOWPAYMENTS_API_KEY")
        except UserError:
            legacy = None
        if legacy:
            values["NOWPAYMENTS_API_KEY_LIVE"] = legacy
            results.append(Check("secrets", "NOWPAYMENTS_API_KEY", "warn",
                                 "the old single name is read as the live key",
                                 "charter-kiosk secrets set NOWPAYMENTS_API_KEY_LIVE"))
    for name in needed:
        if values[name] or (name == "BASE_URL" and settings.relay_url):
            results.append(Check("secrets", name, "pass", "configured"))
        else:
            results.append(Check("secrets", name, "fail", "missing",
                                 f"charter-kiosk secrets set {name}"))
    key = values.get(f"STRIPE_SECRET_KEY_{mode.upper()}") or ""
    other = "live" if mode == "test" else "test"
    if key.startswith((f"sk_{other}_", f"rk_{other}_")):
        results.append(Check("secrets", "stripe mode", "fail",
                             f"a {other} key is stored for {mode} mode",
                             f"Store a {mode} key in STRIPE_SECRET_KEY_{mode.upper()}."))
    elif key.startswith("sk_live_"):
        results.append(Check("secrets", "stripe key scope", "warn",
                             "a full sk_live_ key on a public device",
                             "Use a restricted rk_live_ key with write access to Checkout "
                             "Sessions only."))
    publishable = values.get(f"STRIPE_PUBLISHABLE_KEY_{mode.upper()}") or ""
    if publishable and not publishable.startswith(f"pk_{mode}_"):
        results.append(Check("secrets", "stripe keys mixed", "warn",
                             f"the publishable key is not a {mode} key",
                             f"Store a pk_{mode}_ key in STRIPE_PUBLISHABLE_KEY_{mode.upper()}."))
    other_key = values.get(f"STRIPE_SECRET_KEY_{other.upper()}") or ""
    if other_key and not other_key.startswith((f"sk_{other}_", f"rk_{other}_")):
        results.append(Check("secrets", "stripe keys mixed", "warn",
                             f"STRIPE_SECRET_KEY_{other.upper()} holds a key of the wrong mode",
                             f"charter-kiosk secrets set STRIPE_SECRET_KEY_{other.upper()}"))
    results.append(Check("secrets", "mode", "pass", f"{mode} mode"))
    return results


def check_services() -> list[Check]:
    from backend.secrets import get_secret


    settings = get_settings()
    results: list[Check] = []
    if settings.relay_url:
        results.extend(_check_relay(settings.relay_url, get_secret("RELAY_TOKEN"),
                                    takes_crypto=bool(settings.coins)))
    else:
        results.append(Check("services", "relay", "warn", "no relay configured: totals from "
                             "other kiosks and late webhooks reach this kiosk only by polling",
                             "Set CHARTER_RELAY_URL (or endpoints.relay_url in kiosk.toml)."))
    results.append(_check_stripe())
    if settings.terminal_reader_id:
        results.append(_check_reader())
    if settings.coins:
        results.append(_check_nowpayments())
    return results


def _check_relay(url: str, token: str | None, *, takes_crypto: bool = True) -> list[Check]:
    base = url.rstrip("/")
    try:
        # The token unlocks the details (secrets configured, sweep, events); without
        # one the relay only says whether it is up.
        health = requests.get(f"{base}/healthz", timeout=(3, 5),
                              headers={"Authorization": f"Bearer {token}"} if token else {})
        body = health.json() if health.headers.get("content-type", "").startswith(
            "application/json") else {}
    except (requests.RequestException, ValueError):
        return [Check("services", "relay", "fail", f"{base} is not answering",
                      "Check the relay is running and the kiosk's network reaches it.")]
    results = [Check("services", "relay", "pass" if health.ok else "fail",
                     f"/healthz answered {health.status_code}",
                     "" if health.ok else "Look at the relay's log; its database may be down.")]
    if not isinstance(body, dict):
        body = {}
    detailed = "secrets_configured" in body
    configured = body.get("secrets_configured", [])
    mode = get_settings().mode
    if detailed and isinstance(configured, list):
        ipn = f"NOWPAYMENTS_IPN_SECRET_{mode.upper()}"
        if mode == "live" and "NOWPAYMENTS_IPN_SECRET" in configured:
            configured = [*configured, ipn]
        for name in ("STRIPE_WEBHOOK_SECRET", ipn):
            if name not in configured:
                # A card-only kiosk can run without the IPN secret; another kiosk may not.
                status: Status = "warn" if name == ipn and not takes_crypto else "fail"
                results.append(Check("services", f"relay {name}", status, "not configured",
                                     f"On the relay host: charter-kiosk secrets set {name}"))
    sweep = body.get("last_sweep_at")
    if detailed:
        results.append(Check("services", "relay sweep", "pass" if sweep else "warn",
                             f"last missed-webhook sweep {int(time.time() - sweep)} s ago"
                             if isinstance(sweep, int | float) else "no sweep yet",
                             "" if sweep else "The relay sweeps on a schedule; or run "
                             "charter-kiosk relay sweep on the relay host."))
    events = body.get("events")
    age = events.get("newest_age_s") if isinstance(events, dict) else None
    if isinstance(age, int | float) and age > 24 * 3600:
        results.append(Check("services", "relay events", "warn",
                             f"newest event is {int(age // 3600)} h old",
                             "Send a test webhook from the Stripe dashboard."))
    elif isinstance(events, dict) and not events.get("stored"):
        results.append(Check("services", "relay events", "warn",
                             "the relay has never received a webhook",
                             "Send a test webhook from the Stripe dashboard (Webhooks → your "
                             "endpoint → Send test event) and run check again."))
    if not token:
        results.append(Check("services", "relay token", "fail", "RELAY_TOKEN missing",
                             "On the relay: charter-kiosk relay add-kiosk NAME; here: "
                             "charter-kiosk secrets set RELAY_TOKEN"))
        return results
    try:
        feed = requests.get(f"{base}/v1/events", params={"after": 0, "limit": 1, "wait": 0},
                            headers={"Authorization": f"Bearer {token}"}, timeout=(3, 5))
        accepted = feed.status_code == 200
    except requests.RequestException:
        accepted = False
    results.append(Check("services", "relay token", "pass" if accepted else "fail",
                         "accepted" if accepted else "refused",
                         "" if accepted else "Add this kiosk on the relay and store the new "
                         "token: charter-kiosk secrets set RELAY_TOKEN"))
    if accepted:
        results.append(_check_identity(feed.json().get("you")))
    return results


def _check_identity(you: Any) -> Check:
    """The relay stamps this kiosk's staff actions with its token's name and mode:
    both must match kiosk.toml, or the other kiosks would refuse them."""
    settings = get_settings()
    if not isinstance(you, dict):
        return Check("services", "relay identity", "warn", "the relay does not say who this "
                     "token belongs to (an older relay)", "Upgrade the relay.")
    name, mode = you.get("kiosk"), you.get("mode")
    if name != settings.kiosk_id:
        return Check("services", "relay identity", "fail",
                     f"the token is kiosk {name!r}'s; this kiosk is {settings.kiosk_id!r}",
                     f"On the relay: charter-kiosk relay add-kiosk {settings.kiosk_id} --mode "
                     f"{settings.mode}; store the token here.")
    if mode != settings.mode:
        return Check("services", "relay identity", "fail",
                     f"the token is for {mode or 'no'} mode; this kiosk is in {settings.mode} "
                     "mode", f"Re-issue it: charter-kiosk relay revoke {name}; charter-kiosk "
                     f"relay add-kiosk {name} --mode {settings.mode}")
    return Check("services", "relay identity", "pass", f"kiosk {name}, {mode} mode")


def _check_reader() -> Check:
    """The card reader for tap to give: known to Stripe, online, of the kiosk's mode."""
    from backend.terminal import reader_status

    result = reader_status()
    if not result["success"]:
        return Check("services", "card reader", "fail", str(result["error"]),
                     "charter-kiosk terminal readers; register it again if it is gone.")
    reader = result["data"]
    mode = get_settings().mode
    if reader["mode"] != mode:
        return Check("services", "card reader", "fail",
                     f"reader {reader['id']} is a {reader['mode']}-mode reader; the kiosk is in "
                     f"{mode} mode", "Register a reader with this mode's keys.")
    if reader["status"] != "online":
        return Check("services", "card reader", "fail",
                     f"reader {reader['label']} ({reader['device_type']}) is offline",
                     "Power the reader on and check its network; the kiosk offers phone and "
                     "crypto meanwhile.")
    return Check("services", "card reader", "pass",
                 f"{reader['label']} ({reader['device_type']}) online, {reader['mode']} mode")


def _check_stripe() -> Check:
    import stripe

    from backend.stripe_api import explain, stripe_client

    # A session that cannot exist: "not found" proves the key is accepted, and
    # a restricted key with Checkout access alone may make this call.
    try:
        stripe_client().v1.checkout.sessions.retrieve("cs_test_charter_check")
    except UserError as exc:
        return Check("services", "stripe", "fail", str(exc), "charter-kiosk secrets list")
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return Check("services", "stripe", "pass", "the key is accepted")
        return Check("services", "stripe", "fail", str(explain(exc)), "Check the Stripe key.")
    except stripe.StripeError as exc:
        return Check("services", "stripe", "fail", str(explain(exc)),
                     "Check the key and the network, then run check again.")
    return Check("services", "stripe", "pass", "the key is accepted")


def _check_nowpayments() -> Check:
    from backend.nowpayments_api import nowpayments_client

    try:
        client = nowpayments_client()
        client.status()
        client.currencies()
    except UserError as exc:
        return Check("services", "nowpayments", "fail", str(exc),
                     "Check NOWPAYMENTS_API_KEY and the network.")
    return Check("services", "nowpayments", "pass", "status OK and the key is accepted")


def check_pending() -> list[Check]:
    """Open payments by age and state, ones no longer asked about, late gifts."""
    import datetime as dt

    from backend.reconcile import pending_summary

    summary = pending_summary()
    open_count = sum(summary["by_age"].values())
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_state"].items()))
    ages = ", ".join(f"{k}: {v}" for k, v in summary["by_age"].items() if v)
    results = [Check("pending", "open payments", "pass",
                     f"{open_count} open" + (f" ({states}; {ages})" if open_count else ""))]
    stale = summary["stale"]
    if stale:
        results.append(Check("pending", "no longer asked about", "warn",
                             f"{len(stale)} open past expiry and grace: "
                             + ", ".join(s["ref"] for s in stale[:5]),
                             "Look them up in the Stripe / NOWPayments dashboard; "
                             "charter-kiosk reconcile --all asks once more."))
    late = summary["late_gifts"]
    results.append(Check("pending", "late gifts", "pass",
                         f"{len(late)} counted after the donor left" if late else "none"))
    last = summary["last_reconcile"]
    if last:
        when = dt.datetime.fromtimestamp(last["finished_at"], dt.UTC)
        results.append(Check("pending", "last reconcile", "pass",
                             f"{when:%Y-%m-%d %H:%M:%SZ}: {last['checked']} checked, "
                             f"{last['counted']} counted, {last['errors']} errors"))
    else:
        results.append(Check("pending", "last reconcile", "pass", "never (nothing was open)"
                             if not open_count else "not yet run",
                             "" if not open_count else "charter-kiosk reconcile"))
    return results


def check_error_handling() -> list[Check]:
    """Bad amounts are refused by the validators the card, crypto and cash paths run before
    they write anything. Only the validators are called: a regression shows here as a
    failure, never as a gift or a payment in the kiosk's records."""
    from backend import charter, nowpayments_api, stripe_api

    settings = get_settings()
    probes: list[tuple[str, Callable[[], object]]] = [
        ("card -5", lambda: stripe_api.card_amounts({"amount": "-5"}, settings)),
        ("crypto 0.5 (a float)", lambda: nowpayments_api.crypto_amounts({"amount": 0.5}, settings)),
        ("cash 1.001", lambda: charter.cash_gift_minor("1.001")),
    ]
    accepted = []
    for name, probe in probes:
        try:
            probe()
        except UserError:
            continue  # refused with a message a person can act on
        except Exception as exc:  # a crash is not a refusal the screens can show
            accepted.append(f"{name} ({type(exc).__name__})")
        else:
            accepted.append(name)
    if accepted:
        return [Check("errors", "bad input refused", "fail",
                      f"accepted: {', '.join(accepted)}",
                      "Report this: bad input must be refused before anything is written.")]
    return [Check("errors", "bad input refused", "pass",
                  f"{len(probes)} bad amounts refused before any write")]


def run_checks(*, offline: bool = False) -> list[Check]:
    results: list[Check] = []
    groups: list[Callable[[], list[Check]]] = [check_functions, check_database, check_secrets,
                                                check_pending]
    if not offline:
        groups.append(check_services)
    groups.append(check_error_handling)
    for group in groups:
        try:
            results.extend(group())
        except Exception as exc:
            results.append(Check(group.__name__.removeprefix("check_"), "run", "fail",
                                 f"the check itself failed: {type(exc).__name__}",
                                 "See the kiosk log."))
    if offline:
        results.append(Check("services", "network checks", "skip", "--offline"))
    return results


SYMBOLS = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def run(*, json_output: bool = False, offline: bool = False) -> int:
    results = run_checks(offline=offline)
    failed = any(r.status == "fail" for r in results)
    if json_output:
        print(json.dumps({"ok": not failed, "checks": [asdict(r) for r in results]}, indent=2))
    else:
        for r in results:
            line = f"[{SYMBOLS[r.status]}] {r.group}: {r.name}"
            if r.detail:
                line += f" — {r.detail}"
            print(line)
            if r.status in ("fail", "warn") and r.fix:
                print(f"       fix: {r.fix}")
        print("\nAll checks passed." if not failed else "\nSome checks failed.",
              file=sys.stdout)
    return 1 if failed else 0
