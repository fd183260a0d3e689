"""get_cumulative_total() at 10k, 100k and 1M donations, next to a plain SELECT SUM of
the ledger's entries (the record of truth the kept total must equal).

The kiosk keeps the total in `campaign_total`, moved in the same transaction as
each donation; this measures what that buys and checks the kept total against
the sum. Run: uv run python bench/totals.py [--sizes 10000,100000,1000000] [--quick]

The rows are written with raw SQL for speed; every other NOT NULL column gets its
model's default, so a new column in the schema does not break the bench.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def defaults(model, given: str) -> tuple[str, list[object]]:  # type: ignore[no-untyped-def]
    """(", col1, col2", [default1, default2]) for the model's NOT NULL columns with a default
    that the INSERT below does not give."""
    named = {name.strip() for name in given.split(",")}
    columns: list[str] = []
    values: list[object] = []
    for field in model._meta.sorted_fields:
        if field.column_name in named or field.null or field.default is None:
            continue
        value = field.default() if callable(field.default) else field.default
        columns.append(field.column_name)
        values.append(field.db_value(value))
    return "".join(f", {c}" for c in columns), values


def fill(db, count: int) -> None:  # type: ignore[no-untyped-def]
    """Donations and their card payments, as a long evening of gifts would leave them."""
    from backend.models import Donation, StripePayment

    payment_columns = ("session_id, campaign_id, kiosk_id, amount_minor, currency, status,"
                       " status_rank, livemode, created_at, updated_at")
    extra_columns, extra = defaults(StripePayment, payment_columns)
    marks = ", ?" * len(extra)
    rows = ((f"cs_test_{i}", "bench", "kiosk", 2500, "usd", "paid", 7, *extra) for i in range(count))
    donation_columns = ("source, provider_ref, campaign_id, kiosk_id, method, amount_minor,"
                        " currency, status, via, created_at")
    extra_donation_columns, extra_donation = defaults(Donation, donation_columns)
    donation_marks = ", ?" * len(extra_donation)
    with db.atomic():
        db.execute_sql("DELETE FROM ledger_entry")
        db.execute_sql("DELETE FROM donation")
        db.execute_sql("DELETE FROM stripe_payment")
        db.connection().executemany(
            f"INSERT INTO stripe_payment ({payment_columns}{extra_columns})"  # noqa: S608 (model's column names)
            f" VALUES (?, ?, ?, ?, ?, ?, ?, 0, '2026-11-28', '2026-11-28'{marks})", rows)
        db.connection().executemany(
            f"INSERT INTO donation ({donation_columns}{extra_donation_columns})"  # noqa: S608
            " VALUES ('stripe', ?, 'bench', 'kiosk', 'card', ?,"
            f" 'usd', 'counted', 'webhook', '2026-11-28'{donation_marks})",
            ((f"cs_test_{i}", 100 + i % 9900, *extra_donation) for i in range(count)))
        # Each donation's gift entry: the kept total is the sum of these (schema 3).
        db.execute_sql(
            "INSERT INTO ledger_entry (key, donation_id, campaign_id, kind, amount_minor,"
            " currency, method, livemode, via, created_at)"
            " SELECT 'gift:stripe:' || provider_ref, id, campaign_id, 'gift', amount_minor,"
            " currency, method, 0, via, created_at FROM donation")
        db.execute_sql(
            "INSERT OR REPLACE INTO campaign_total (campaign_id, currency, total_minor, count,"
            " card_minor, crypto_minor, cash_minor, gross_minor, corrections_minor, revision,"
            " updated_at)"
            " SELECT 'bench', 'usd', SUM(amount_minor), COUNT(*), SUM(amount_minor), 0, 0,"
            " SUM(amount_minor), 0, 1, '2026-11-28' FROM ledger_entry")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="1,000 donations, 20 calls: proves the bench works")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat = "1000", 20

    home = Path(tempfile.mkdtemp(prefix="bench-totals-"))
    os.environ["CHARTER_KIOSK_HOME"] = str(home)
    from backend import charter
    from backend.db import open_database
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "bench", "currency": "usd"}})
    db = open_database()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, SQLite {db.server_version}")
    print(f"{'donations':>10} {'get_cumulative_total':>22} {'SELECT SUM':>12} {'ratio':>8}  check")
    failures = 0
    for size in (int(s) for s in args.sizes.split(",")):
        fill(db, size)
        result = charter.get_cumulative_total()
        assert result["success"], result
        summed = db.execute_sql("SELECT SUM(amount_minor) FROM ledger_entry"
                                " WHERE campaign_id='bench'").fetchone()[0]
        matches = result["data"]["total_minor"] == summed
        kept = median_ms(charter.get_cumulative_total, args.repeat)
        plain = median_ms(lambda: db.execute_sql(
            "SELECT SUM(amount_minor) FROM ledger_entry WHERE campaign_id='bench'"
        ).fetchone(), max(5, args.repeat // 20))
        print(f"{size:>10} {kept:>19.3f} ms {plain:>9.1f} ms {plain / kept:>7.0f}x  "
              f"{'kept == sum' if matches else 'MISMATCH'}")
        failures += not matches
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
