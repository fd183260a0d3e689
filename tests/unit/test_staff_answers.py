"""kiosk/answers.py reads the staff side's answers once into kiosk/staff_model.py's
dataclasses: here with the answers a broken or hostile backend could give."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backend.result import err, ok
from kiosk.answers import (
    carried,
    cash_recorded,
    cash_voided,
    csv_export,
    giving_summary,
    kiosk_checks,
    paired_reader,
    partial_resolved,
    pending_payments,
    pin_accepted,
    reader_setup,
    reconcile_summary,
    staff_overview,
    sync_state,
    unpacked_as,
)
from kiosk.model import Refusal
from kiosk.staff_model import (
    CashRecorded,
    CashVoided,
    CsvExport,
    GivingSummary,
    KioskCheck,
    LateGift,
    PartialResolved,
    PendingPayment,
    PinAccepted,
    Reader,
    ReaderLocation,
    ReaderSetup,
    ReconcileSummary,
    StalePayment,
    SyncState,
)
from tests.support.fake_services import FakeServices

# What is not an answer at all, for every reader: a failure, no envelope, no data.
NOT_ANSWERS: list[Any] = [err("The database is locked."), {"success": False}, {"success": True},
                          {"success": True, "data": None}, {"success": True, "data": [1]},
                          {"success": True, "data": "ok"}, None, "ok", []]
READERS = [pending_payments, reconcile_summary, giving_summary, kiosk_checks, paired_reader,
           pin_accepted, cash_recorded, cash_voided, partial_resolved, csv_export]


@pytest.mark.parametrize("read", READERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("answer", NOT_ANSWERS)
def test_what_is_not_an_answer_is_a_refusal(read: Any, answer: Any) -> None:
    refused = read(answer)
    assert isinstance(refused, Refusal)
    expected = "locked" if answer == NOT_ANSWERS[0] else "did not understand"
    assert expected in refused.error


PAYMENT = {"intent_id": "int_1", "method": "crypto", "coin": "btc", "amount_minor": 10000,
           "currency": "usd", "status": "partially_paid", "needs_staff": True,
           "provider_ref": "5077125051", "age_s": 600, "expires_at": None}


def test_an_open_payment_is_read_whole() -> None:
    assert pending_payments(ok({"payments": [PAYMENT]})) == (PendingPayment(
        "int_1", "crypto", 10000, "usd", "partially_paid", age_s=600, coin="btc",
        needs_staff=True, provider_ref="5077125051"),)


@pytest.mark.parametrize("change", [
    {"amount_minor": None}, {"amount_minor": True}, {"amount_minor": "10000"},
    {"amount_minor": 100.0}, {"currency": ""}, {"currency": None}, {"currency": 840},
    {"method": None}, {"method": ["card"]},
])
def test_an_open_payment_without_its_amount_currency_or_method_is_left_out(
        change: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    kept = {**PAYMENT, "intent_id": "int_2"}
    with caplog.at_level(logging.ERROR, logger="charter.kiosk.answers"):
        payments = pending_payments(ok({"payments": [{**PAYMENT, **change}, kept, "row", 7]}))
    assert isinstance(payments, tuple)
    assert [p.intent_id for p in payments] == ["int_2"]
    assert "left out" in caplog.text


@pytest.mark.parametrize("change, field, value", [
    ({"needs_staff": 1}, "needs_staff", False),  # only a true bool asks staff to act
    ({"needs_staff": "yes"}, "needs_staff", False),
    ({"age_s": True}, "age_s", None),  # a bool is no age: never "1 min"
    ({"age_s": "600"}, "age_s", None),
    ({"provider_ref": 5077125051}, "provider_ref", ""),
    ({"coin": {"btc": 1}}, "coin", None),
    ({"status": None}, "status", ""),
])
def test_a_field_of_the_wrong_kind_is_not_taken(change: dict[str, Any], field: str,
                                                value: object) -> None:
    payments = pending_payments(ok({"payments": [{**PAYMENT, **change}]}))
    assert isinstance(payments, tuple) and len(payments) == 1
    assert getattr(payments[0], field) == value


@pytest.mark.parametrize("payments", [None, "none", {"int_1": PAYMENT}, 3])
def test_payments_that_are_not_a_list_are_a_refusal(payments: object) -> None:
    assert isinstance(pending_payments(ok({"payments": payments})), Refusal)
    assert isinstance(pending_payments(ok({})), Refusal)


SUMMARY = {
    "by_age": {"under 5 min": 1, "5-30 min": 0, "30 min-2 h": 2, "over 2 h": 0},
    "by_state": {"waiting": 3},
    "stale": [{"provider": "nowpayments", "ref": "5077125051", "status": "waiting"}],
    "late_gifts": [{"donation_id": 7, "amount_minor": 2500, "currency": "usd",
                    "method": "crypto", "via": "reconcile", "provider_ref": "1",
                    "created_at": "2026-11-30T15:00:00+00:00"}],
    "last_reconcile": {"checked": 3, "finished_at": 1_800_000_000.5},
}


def test_the_reconcilers_summary_is_read_whole() -> None:
    summary = reconcile_summary(ok(SUMMARY))
    assert summary == ReconcileSummary(
        by_age=(("under 5 min", 1), ("5-30 min", 0), ("30 min-2 h", 2), ("over 2 h", 0)),
        stale=(StalePayment("nowpayments", "5077125051", "waiting"),),
        late_gifts=(LateGift(7, 2500, "usd", "crypto", "2026-11-30T15:00:00+00:00"),),
        last_checked_at=1_800_000_000.5)
    assert (summary.open_count, summary.oldest) == (3, "30 min-2 h")


def test_a_summary_with_nothing_open_has_no_oldest() -> None:
    summary = reconcile_summary(ok({"by_age": {"under 5 min": 0}, "last_reconcile": None}))
    assert summary == ReconcileSummary(by_age=(("under 5 min", 0),))
    assert summary.oldest is None and summary.open_count == 0


@pytest.mark.parametrize("change", [{"by_age": None}, {"by_age": [1, 2]}, {"by_age": "3"},
                                    {"stale": "none"}, {"stale": {"ref": "x"}},
                                    {"late_gifts": 2}])
def test_a_summary_of_the_wrong_shape_is_a_refusal(change: dict[str, Any]) -> None:
    assert isinstance(reconcile_summary(ok({**SUMMARY, **change})), Refusal)


def test_a_count_that_is_not_one_is_not_counted() -> None:
    summary = reconcile_summary(ok({**SUMMARY, "by_age": {"under 5 min": True,
                                                          "5-30 min": "4", "over 2 h": 1}}))
    assert isinstance(summary, ReconcileSummary)
    assert summary.by_age == (("over 2 h", 1),) and summary.open_count == 1


@pytest.mark.parametrize("gift", [{"donation_id": "7", "amount_minor": 1, "currency": "usd"},
                                  {"donation_id": 7, "amount_minor": False, "currency": "usd"},
                                  {"donation_id": 7, "amount_minor": 1}, "gift", None])
def test_a_late_gift_that_is_not_one_is_left_out(gift: object) -> None:
    summary = reconcile_summary(ok({**SUMMARY, "late_gifts": [gift, *SUMMARY["late_gifts"]]}))
    assert isinstance(summary, ReconcileSummary)
    assert [g.donation_id for g in summary.late_gifts] == [7]


@pytest.mark.parametrize("last", [{"finished_at": "noon"}, {"finished_at": True}, {}, "x", 5])
def test_an_unreadable_last_reconcile_has_no_time(last: object) -> None:
    summary = reconcile_summary(ok({**SUMMARY, "last_reconcile": last}))
    assert isinstance(summary, ReconcileSummary) and summary.last_checked_at is None


def test_giving_is_read_whole() -> None:
    assert giving_summary(ok({"fees_minor": 312, "monthly_donors": 2,
                              "monthly_yearly_minor": 60000})) == GivingSummary(2, 60000, 312)


@pytest.mark.parametrize("change", [{"fees_minor": None}, {"monthly_donors": True},
                                    {"monthly_yearly_minor": "60000"}, {"fees_minor": 3.5}])
def test_giving_without_one_of_its_figures_is_a_refusal(change: dict[str, Any]) -> None:
    answer = {"fees_minor": 312, "monthly_donors": 2, "monthly_yearly_minor": 60000, **change}
    assert isinstance(giving_summary(ok(answer)), Refusal)


def test_the_sync_state_is_read() -> None:
    assert sync_state(None) is None  # no relay sync runs here
    assert sync_state({"available": True, "connected": True, "cursor": 41,
                       "last_event_age_s": 3, "lag_s": 0.25, "last_error": None}) == SyncState(
        True, True, 41, 3.0, 0.25, None)


@pytest.mark.parametrize("state, expected", [
    ({"available": 1, "connected": 1}, SyncState(False, False)),
    ({"available": True, "connected": True, "cursor": True, "lag_s": "0.2",
      "last_event_age_s": False}, SyncState(True, True)),
    ({"available": False, "last_error": ""}, SyncState(False)),
    ("connected", SyncState(False, last_error="The sync state could not be read.")),
])
def test_a_sync_state_of_the_wrong_kind_is_not_taken(state: object,
                                                     expected: SyncState) -> None:
    assert sync_state(state) == expected


def test_the_overview_keeps_the_parts_that_answered() -> None:
    services = FakeServices(pending_payments=ok({"payments": [PAYMENT]}),
                            reconciliation_status=err("The database is locked."),
                            giving_summary=ok({"monthly_donors": 0}))
    overview = staff_overview(services, {"available": False, "last_error": "Starting"})  # type: ignore[arg-type]
    assert overview.pending is not None and overview.pending[0].provider_ref == "5077125051"
    assert overview.reconcile is None and overview.giving is None
    assert overview.sync == SyncState(False, last_error="Starting")
    assert staff_overview(services).sync is None  # type: ignore[arg-type]


CHECK = {"group": "services", "name": "relay", "status": "warn", "detail": "No relay set.",
         "fix": "Set [relay] url."}


def test_checks_are_read_whole() -> None:
    assert kiosk_checks(ok({"checks": [CHECK]})) == (
        KioskCheck("services", "relay", "warn", "No relay set.", "Set [relay] url."),)


@pytest.mark.parametrize("change", [{"name": None}, {"name": ""}, {"status": None},
                                    {"status": 1}, {"name": ["relay"]}])
def test_a_check_without_its_name_or_status_is_left_out(change: dict[str, Any]) -> None:
    checks = kiosk_checks(ok({"checks": [{**CHECK, **change}, "check", {**CHECK, "name": "b"}]}))
    assert isinstance(checks, tuple) and [c.name for c in checks] == ["b"]


def test_a_check_with_an_unknown_status_is_still_shown() -> None:
    checks = kiosk_checks(ok({"checks": [{**CHECK, "status": "maybe", "fix": None}]}))
    assert checks == (KioskCheck("services", "relay", "maybe", "No relay set.", ""),)


@pytest.mark.parametrize("checks", [None, "all ok", {"relay": CHECK}])
def test_checks_that_are_not_a_list_are_a_refusal(checks: object) -> None:
    assert isinstance(kiosk_checks(ok({"checks": checks})), Refusal)


READER = {"id": "tmr_1", "label": "Lobby", "device_type": "simulated_wisepos_e",
          "status": "online", "location": "tml_1", "mode": "test"}


def test_the_reader_page_is_read_whole() -> None:
    setup = reader_setup(ok({"reader": READER, "error": "",
                             "locations": [{"id": "tml_1", "display_name": "Hall"}]}))
    assert setup == ReaderSetup(
        Reader("tmr_1", "Lobby", "simulated_wisepos_e", "online", "test", "tml_1"),
        (ReaderLocation("tml_1", "Hall"),))
    assert setup.reader is not None and setup.reader.online


def test_a_failed_reader_page_shows_its_error() -> None:
    assert reader_setup(err("Stripe is unreachable.")) == ReaderSetup(
        error="Stripe is unreachable.")
    assert "did not understand" in reader_setup({"success": True}).error
    assert "did not understand" in reader_setup(ok({"locations": "tml_1"})).error


def test_an_unpaired_kiosk_has_no_reader_and_no_error() -> None:
    assert reader_setup(ok({"reader": None, "locations": [], "error": ""})) == ReaderSetup()


@pytest.mark.parametrize("reader", [{"label": "Lobby"}, {**READER, "id": 5}, "tmr_1", [READER]])
def test_a_reader_that_is_not_one_is_an_error_not_unpaired(reader: object) -> None:
    setup = reader_setup(ok({"reader": reader, "locations": []}))
    assert setup.reader is None and "could not be read" in setup.error


def test_a_readers_status_of_the_wrong_kind_is_offline() -> None:
    setup = reader_setup(ok({"reader": {**READER, "status": True}, "locations": []}))
    assert setup.reader is not None and not setup.reader.online


def test_a_location_without_its_id_is_left_out() -> None:
    setup = reader_setup(ok({"locations": [{"display_name": "Hall"}, {"id": 7}, "tml_0",
                                           {"id": "tml_2"}]}))
    assert setup.locations == (ReaderLocation("tml_2", "tml_2"),)  # named by its id


def test_a_paired_reader_needs_its_id() -> None:
    assert paired_reader(ok(READER)) == Reader("tmr_1", "Lobby", "simulated_wisepos_e",
                                               "online", "test", "tml_1")
    assert isinstance(paired_reader(ok({**READER, "id": None})), Refusal)


def test_only_ok_true_opens_staff_mode() -> None:
    assert pin_accepted(ok({"ok": True})) == PinAccepted()
    for data in ({"ok": 1}, {"ok": "true"}, {}, {"ok": False}):
        assert isinstance(pin_accepted(ok(data)), Refusal)
    refused = pin_accepted(err("Wrong PIN. 4 tries left."))
    assert isinstance(refused, Refusal) and refused.error == "Wrong PIN. 4 tries left."


def test_the_staff_actions_are_read() -> None:
    assert cash_recorded(ok({"donation_id": 3, "total_minor": 4000, "shared": False})) == \
        CashRecorded(3, 4000)
    assert cash_recorded(ok({"donation_id": 3, "total_minor": "4000"})) == CashRecorded(3)
    assert cash_voided(ok({"donation_id": 3, "voided_minor": 4000})) == CashVoided(3, 4000)
    assert partial_resolved(ok({"status": "counted"})) == PartialResolved("counted")
    assert csv_export(ok({"path": "/tmp/d.csv", "rows": 0})) == CsvExport("/tmp/d.csv", 0)


@pytest.mark.parametrize("read, data", [
    (cash_recorded, {"donation_id": True}), (cash_recorded, {"donation_id": "3"}),
    (cash_voided, {"donation_id": 3}),  # never "$0 out of the total"
    (cash_voided, {"donation_id": 3, "voided_minor": "4000"}),
    (cash_voided, {"donation_id": False, "voided_minor": 4000}),
    (partial_resolved, {"status": ""}), (partial_resolved, {"status": True}),
    (csv_export, {"path": "/tmp/d.csv"}), (csv_export, {"path": "/tmp/d.csv", "rows": True}),
    (csv_export, {"path": None, "rows": 3}), (csv_export, {"path": 7, "rows": 3}),
])
def test_a_staff_action_without_what_it_did_is_a_refusal(read: Any, data: dict[str, Any]
                                                         ) -> None:
    assert isinstance(read(ok(data)), Refusal)


def test_a_value_of_another_kind_across_the_workers_is_a_refusal() -> None:
    assert unpacked_as(carried(CsvExport("/tmp/d.csv", 2)), CsvExport) == CsvExport(
        "/tmp/d.csv", 2)
    assert unpacked_as(carried(Refusal("no")), CsvExport) == Refusal("no")
    assert isinstance(unpacked_as(carried({"rows": 2}), CsvExport), Refusal)
    job_failed = unpacked_as(err("Something went wrong on our side."), CsvExport)
    assert job_failed == Refusal("Something went wrong on our side.")
