"""get_cumulative_total() at 10k, 100k and 1M donations, next to a plain SELECT SUM.

The kiosk keeps the total in `campaign_total`, moved in the same transaction as
each donation; this measures what that buys and checks the kept total against
the sum. Run: uv run python bench/totals.py [--sizes 10000,100000,1000000]
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


def fill(db, count: int) -> None:  # type: ignore[no-untyped-def]
    """Donations and their card payments, as a long evening of gifts would leave them."""
    rows = ((f"cs_test_{i}", "bench", "kiosk", 2500, "usd", "paid", 7) for i in range(count))
    with db.atomic():
        db.execute_sql("DELETE FROM donation")
        db.execute_sql("DELETE FROM stripe_payment")
        db.connection().executemany(
            "INSERT INTO stripe_payment (session_id, campaign_id, kiosk_id, amount_minor, currency,"
            " status, status_rank, livemode, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, '2026-11-28', '2026-11-28')", rows)
        db.connection().executemany(
            "INSERT INTO donation (source, provider_ref, campaign_id, kiosk_id, method, amount_minor,"
            " currency, status, via, created_at) VALUES ('stripe', ?, 'bench', 'kiosk', 'card', ?,"
            " 'usd', 'counted', 'webhook', '2026-11-28')",
            ((f"cs_test_{i}", 100 + i % 9900) for i in range(count)))
        db.execute_sql(
            "INSERT OR REPLACE INTO campaign_total (campaign_id, currency, total_minor, count,"
            " card_minor, crypto_minor, cash_minor, revision, updated_at)"
            " SELECT 'bench', 'usd', SUM(amount_minor), COUNT(*), SUM(amount_minor), 0, 0, 1,"
            " '2026-11-28' FROM donation")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

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
    for size in (int(s) for s in args.sizes.split(",")):
        fill(db, size)
        result = charter.get_cumulative_total()
        assert result["success"], result
        summed = db.execute_sql("SELECT SUM(amount_minor) FROM donation WHERE status='counted'"
                                " AND campaign_id='bench'").fetchone()[0]
        matches = result["data"]["total_minor"] == summed
        kept = median_ms(charter.get_cumulative_total, args.repeat)
        plain = median_ms(lambda: db.execute_sql(
            "SELECT SUM(amount_minor) FROM donation WHERE status='counted' AND campaign_id='bench'"
        ).fetchone(), max(5, args.repeat // 20))
        print(f"{size:>10} {kept:>19.3f} ms {plain:>9.1f} ms {plain / kept:>7.0f}x  "
              f"{'kept == sum' if matches else 'MISMATCH'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
