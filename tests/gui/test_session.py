"""KioskSession on its own: no window, no HTTP, no SQLite (tests/support/fake_services.py)."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from backend.result import Result, err, ok
from kiosk.model import Ready
from kiosk.session import KioskSession
from tests.support.fake_services import READY, FakeServices


def test_ready_brings_the_campaign_and_its_catalogues(qtbot: QtBot) -> None:
    services = FakeServices(on_ready=ok({**READY, "languages": ["en", "es"]}))
    session = KioskSession(services, reconcile=False)  # type: ignore[arg-type]
    with qtbot.waitSignal(session.ready, timeout=10_000) as ready:
        session.start()
    answer: Ready = ready.args[0]
    assert answer.campaign.name == "Fake Appeal" and set(answer.catalogs) == {"es"}
    assert answer.totals.goal_minor == 100_000 and answer.demo_pin is None
    assert services.calls == ["on_ready"]  # no demo asked: no demo prepared
    session.shutdown()


def test_a_campaign_that_cannot_be_read_is_not_ready_not_a_crash(qtbot: QtBot) -> None:
    session = KioskSession(FakeServices(on_ready=ok({**READY, "goal_minor": "a lot"})),  # type: ignore[arg-type]
                           reconcile=False, retry_ms=60_000)
    with qtbot.waitSignal(session.not_ready, timeout=10_000) as not_ready:
        session.start()
    assert not_ready.args == ["The kiosk could not read its campaign settings."]
    session.shutdown()


def test_not_ready_is_said_and_retried_until_it_is(qtbot: QtBot) -> None:
    tries: list[int] = []

    def flaky() -> Result:
        tries.append(1)
        return err("The database is locked.") if len(tries) < 3 else ok(dict(READY))

    session = KioskSession(FakeServices(on_ready=flaky), reconcile=False,  # type: ignore[arg-type]
                           retry_ms=50)
    errors: list[str] = []
    session.not_ready.connect(errors.append)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    assert errors == ["The database is locked."] * 2 and len(tries) == 3
    session.shutdown()


def test_the_demo_is_prepared_first_and_its_servers_start_after_the_campaign(
        qtbot: QtBot) -> None:
    services = FakeServices()
    session = KioskSession(services, demo=True, reconcile=False)  # type: ignore[arg-type]
    with qtbot.waitSignal(session.ready, timeout=10_000) as ready:
        session.start()
    assert ready.args[0].demo_pin == "1234"
    assert services.calls == ["prepare_demo", "on_ready"]
    session.follow("fake-campaign", None)
    qtbot.waitUntil(lambda: "start_demo" in services.calls, timeout=10_000)
    session.shutdown()
    assert services.calls[-1] == "stop_demo"


def test_a_demo_that_cannot_start_says_so(qtbot: QtBot) -> None:
    services = FakeServices(start_demo=err("port in use"))
    session = KioskSession(services, demo=True, reconcile=False)  # type: ignore[arg-type]
    with qtbot.waitSignal(session.demo_failed, timeout=10_000) as failed:
        session.follow("fake-campaign", None)
    assert failed.args == ["port in use"]
    session.shutdown()


def test_an_older_answer_never_replaces_a_newer_one(qtbot: QtBot) -> None:
    session = KioskSession(FakeServices(), reconcile=False)  # type: ignore[arg-type]
    release = threading.Event()
    shown: list[int] = []

    def slow() -> Result:
        release.wait(5)
        return ok({"total": 1})

    session.submit("totals", slow, lambda r, _t: shown.append(r["data"]["total"]))
    session.submit("totals", lambda: ok({"total": 2}),
                   lambda r, _t: shown.append(r["data"]["total"]),
                   worker=session.query_worker)
    qtbot.waitUntil(lambda: shown == [2], timeout=5_000)
    release.set()
    qtbot.wait(300)
    assert shown == [2]  # the older answer came later and was dropped
    session.shutdown()


def test_shutdown_runs_the_last_job_and_stops_every_thread_against_one_deadline(
        qtbot: QtBot) -> None:
    services = FakeServices()
    session = KioskSession(services, reconcile=False)  # type: ignore[arg-type]
    done: list[str] = []
    session.submit("busy", lambda: (time.sleep(0.3), ok({}))[1], lambda r, t: None)
    session.submit("busy", lambda: (time.sleep(0.3), ok({}))[1], lambda r, t: None,
                   worker=session.query_worker)
    stopping: list[bool] = []
    session.shutting_down.connect(lambda: stopping.append(True))
    started = time.monotonic()
    session.shutdown(last_job=lambda: (done.append("cancelled"), ok({}))[1])
    assert stopping == [True] and done == ["cancelled"]
    assert time.monotonic() - started < 5
    assert not [t for t in session.threads() if t.isRunning()]
    session.submit("late", lambda: ok({}), lambda r, t: done.append("late"))
    qtbot.wait(100)
    assert "late" not in done  # nothing starts after the end


def test_the_relay_loop_is_handed_in_and_its_batches_reach_the_view(qtbot: QtBot) -> None:
    """follow() joins the relay with the token the services give, through the factory."""
    from PySide6.QtCore import QObject, QThread, Signal

    made: list[tuple[str, str]] = []

    class FakeSync(QThread):
        applied = Signal()

        def __init__(self, url: str, token: str, parent: QObject) -> None:
            super().__init__(parent)
            made.append((url, token))

        def run(self) -> None:
            self.applied.emit()  # one batch, then done

        def request_stop(self) -> None:
            pass

    services = FakeServices(token="tok_fake")
    session = KioskSession(services, reconcile=False,  # type: ignore[arg-type]
                           sync_factory=FakeSync)  # type: ignore[arg-type]
    with qtbot.waitSignal(session.relay_applied, timeout=10_000):
        session.follow("fake-campaign", "https://relay.example.org")
    assert made == [("https://relay.example.org", "tok_fake")]
    session.follow("fake-campaign", "https://relay.example.org")  # once is enough
    qtbot.wait(100)
    assert len(made) == 1
    session.shutdown()


def test_no_token_no_relay_loop(qtbot: QtBot) -> None:
    made: list[str] = []
    session = KioskSession(FakeServices(), reconcile=False,  # type: ignore[arg-type]
                           sync_factory=lambda *a: made.append("sync"))  # type: ignore[arg-type]
    session.follow("fake-campaign", "https://relay.example.org")
    qtbot.waitUntil(lambda: "relay_token" in session.services.calls,  # type: ignore[attr-defined]
                    timeout=5_000)
    qtbot.wait(100)
    assert made == [] and session.sync is None
    session.shutdown()


def test_an_answer_that_arrives_after_the_end_is_not_shown(qtbot: QtBot) -> None:
    session = KioskSession(FakeServices(), reconcile=False)  # type: ignore[arg-type]
    release = threading.Event()
    shown: list[str] = []
    ready: list[object] = []
    session.ready.connect(ready.append)

    def slow_ready() -> Result:
        release.wait(5)
        return ok(dict(READY))

    session.services.answers["on_ready"] = slow_ready  # type: ignore[attr-defined]
    session.start()
    session.submit("late", lambda: (release.wait(5), ok({}))[1], lambda r, t: shown.append(t),
                   worker=session.query_worker)
    qtbot.wait(50)
    release.set()  # both answer while the session is stopping
    session.shutdown()
    qtbot.wait(200)
    assert shown == [] and ready == []
