from backend import charter, ledger
from backend.settings import write_settings


def test_cash_gift_moves_the_total() -> None:
    write_settings({"campaign": {"id": "gala", "currency": "usd"}})
    assert charter.get_cumulative_total()["data"]["total_minor"] == 0
    result = charter.record_cash_gift("12.50")
    assert result["success"], result
    assert charter.get_cumulative_total()["data"]["total_minor"] == 1250
    assert ledger.recomputed_totals()["total_minor"] == 1250
