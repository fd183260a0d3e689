"""Every job's answer reaches its own handler; an answer older than one already
shown for the same tag is dropped (it used to be the newer one that was lost)."""

from __future__ import annotations

import threading
from typing import Any

from pytestqt.qtbot import QtBot

from kiosk.main_window import KioskWindow
from kiosk.workers import JobRouter


def test_two_quick_refreshes_end_on_the_newer_answer(qtbot: QtBot,
                                                     kiosk: KioskWindow) -> None:
    """The display board used to stay on the older total after two quick refreshes."""
    shown: list[int] = []

    def answer(total: int) -> Any:
        return lambda: {"success": True, "data": {"total_minor": total}}

    def show(result: dict[str, Any], tag: str) -> None:
        shown.append(result["data"]["total_minor"])

    kiosk.submit("totals", answer(100), show)
    kiosk.submit("totals", answer(200), show)  # same worker: answers in order
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] == 200, timeout=5_000)


def test_an_older_answer_arriving_late_never_replaces_a_newer_one(
        qtbot: QtBot, kiosk: KioskWindow) -> None:
    shown: list[Any] = []
    first_may_finish = threading.Event()

    def older() -> dict[str, Any]:
        first_may_finish.wait(5)
        return {"success": True, "data": {"total_minor": 100}}

    def newer() -> dict[str, Any]:
        return {"success": True, "data": {"total_minor": 200}}

    def show(result: dict[str, Any], tag: str) -> None:
        shown.append((tag, result["data"]["total_minor"]))

    kiosk.submit("totals", older, show)  # on the action worker: slow
    kiosk.submit("totals", newer, show, worker=kiosk.query_worker)  # answers first
    qtbot.waitUntil(lambda: shown == [("totals", 200)], timeout=5_000)
    first_may_finish.set()
    qtbot.wait(300)
    assert shown == [("totals", 200)]  # the older answer never replaces the newer


def test_the_router_keeps_each_handler_and_drops_only_stale_answers() -> None:
    router = JobRouter()
    calls: list[str] = []
    first = router.add("refresh", lambda: calls.append("first"))
    second = router.add("refresh", lambda: calls.append("second"))
    other = router.add("cancel:1", lambda: calls.append("other"))
    for key in (first, second, other):
        routed = router.route(key)
        assert routed is not None
        routed[0]()
    assert calls == ["first", "second", "other"]  # in order: both shown, the newer last
    third, fourth = router.add("refresh", print), router.add("refresh", print)
    assert router.route(fourth) is not None
    assert router.route(third) is None  # older than what is on screen
    assert router.route(third) is None and router.route("unknown") is None
