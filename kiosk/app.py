"""`charter-kiosk` (and `charter-kiosk display`): build the window, run the event loop.

`create_window(argv)` builds the fully wired window exactly as the command
would, without starting the event loop (the caller owns the QApplication);
`main(argv)` does everything and returns the exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, QSize, Qt, QTimer, QTranslator
from PySide6.QtGui import QCursor, QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.main_window import KioskWindow
from kiosk.resources import read_text_resource, resource_path
from kiosk.services import BackendServices, Services
from kiosk.theme import ScaledTheme
from kiosk.timings import Timings

log = logging.getLogger("charter.kiosk")

DEFAULT_WINDOWED_SIZE = (1280, 800)

# Optional packages that libraries the kiosk uses import whenever they are installed, for
# features the kiosk never uses: peewee loads psycopg2 (libpq with Kerberos, LDAP and its own
# OpenSSL: ~13 MB, ~30 ms) though a kiosk's database is SQLite; the Stripe SDK loads httpx
# (with click and pygments: ~17 MB) for async clients, though its calls go through requests.
UNUSED_OPTIONAL_MODULES = ("psycopg2", "httpx")


def keep_out_unused_modules() -> list[str]:
    """Make importing UNUSED_OPTIONAL_MODULES fail in this process, so each library takes its
    "not installed" path. Only for a kiosk process: those already imported are left alone.
    Returns the names blocked."""
    blocked = []
    for name in UNUSED_OPTIONAL_MODULES:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
            blocked.append(name)
    return blocked


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="charter-kiosk", description="The donation kiosk.")
    parser.add_argument("command", nargs="?", choices=["kiosk", "display"], default="kiosk",
                        help="kiosk (default) or display, a live totals board for a big screen")
    parser.add_argument("--windowed", action="store_true",
                        help="an ordinary window instead of full screen (for development)")
    parser.add_argument("--size", default=None, metavar="WxH",
                        help="window size with --windowed, e.g. 1920x1080")
    parser.add_argument("--hide-cursor", action="store_true", help="hide the mouse cursor")
    parser.add_argument("--demo", action="store_true",
                        help="run on the embedded provider sandbox with a demo data directory")
    parser.add_argument("--screen", type=int, default=None,
                        help="which screen to fill (0 is the first)")
    return parser.parse_args(list(argv))


def _size(text: str | None) -> tuple[int, int]:
    if not text:
        return DEFAULT_WINDOWED_SIZE
    try:
        width, height = (int(part) for part in text.lower().split("x", 1))
    except ValueError:
        return DEFAULT_WINDOWED_SIZE
    return max(640, width), max(480, height)


def stylesheet() -> str:
    return read_text_resource("kiosk.qss")


def install_translator(app: QCoreApplication) -> None:
    translator = QTranslator(app)
    if translator.load(QLocale(), "charter_kiosk", "_", str(resource_path("translations"))):
        app.installTranslator(translator)


def create_window(argv: list[str], *, services: Services | None = None,
                  timings: Timings | None = None) -> QWidget:
    """The window `charter-kiosk <argv>` shows, wired and shown; no event loop is started."""
    args = parse_args(argv)
    app = QApplication.instance()
    if app is None:
        raise RuntimeError("create a QApplication before create_window()")
    services = services or BackendServices()
    window: QWidget
    if args.command == "display":
        from kiosk.display import DisplayWindow

        window = DisplayWindow(services, demo=args.demo)
    else:
        window = KioskWindow(services, timings=timings, kiosk_mode=not args.windowed,
                             demo=args.demo)
    # Styling every widget is the costliest step of start-up: size the window for where it
    # will be shown first, or the stylesheet goes on at the default size and again, scaled,
    # once show() resizes it (a second ~0.1 s at 1920x1080 here).
    # (Not when the screen is smaller than the window can be: a window resized below its
    # minimum before showFullScreen() comes up not full screen on some platforms.)
    size = target_size(args)
    if size.expandedTo(window.minimumSizeHint()) == size:
        window.resize(size)
    if not args.windowed:
        # Before any styling: on a window already polished, Qt re-creates the native
        # window for a new flag and re-polishes every widget (~0.2 s here).
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    theme = ScaledTheme(window, stylesheet())
    setattr(window, "theme", theme)  # noqa: B010 -- tests fit the window to a screen size
    font = QFont(window.font())
    font.setFamilies(["Inter", "Segoe UI", "Noto Sans", "DejaVu Sans", "Sans Serif"])
    window.setFont(font)
    if args.hide_cursor:
        window.setCursor(QCursor(Qt.CursorShape.BlankCursor))
    present(window, args, theme)
    theme.apply()
    return window


def target_size(args: argparse.Namespace) -> QSize:
    """The size the window will have once `present()` has shown it."""
    if args.windowed:
        return QSize(*_size(args.size))
    screens = QGuiApplication.screens()
    if args.screen is not None and 0 <= args.screen < len(screens):
        chosen: QSize = screens[args.screen].geometry().size()
        return chosen
    primary = QGuiApplication.primaryScreen()
    return primary.geometry().size() if primary is not None else QSize(*DEFAULT_WINDOWED_SIZE)


def present(window: QWidget, args: argparse.Namespace, theme: ScaledTheme | None = None
            ) -> None:
    screens = QGuiApplication.screens()
    screen = screens[args.screen] if args.screen is not None and \
        0 <= args.screen < len(screens) else QGuiApplication.primaryScreen()
    if args.windowed:
        width, height = _size(args.size)
        if screen is not None and not args.size:
            # The default window fits the screen it opens on, title bar and all.
            room = screen.availableGeometry()
            width, height = min(width, room.width()), min(height, room.height() - 40)
        if theme is not None:
            theme.fit(width, height)
        window.resize(width, height)
        window.show()
        return
    if not window.windowFlags() & Qt.WindowType.FramelessWindowHint:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    if screen is not None:
        # Without a window manager nobody honours "full screen": the window takes
        # the screen's exact geometry itself, so it fills it either way.
        window.setScreen(screen)
        if theme is not None:
            theme.fit(screen.geometry().width(), screen.geometry().height())
        window.setGeometry(screen.geometry())
    window.showFullScreen()
    if screen is not None and window.geometry() != screen.geometry():
        window.setGeometry(screen.geometry())


def _quit_on_signals(app: QApplication) -> QTimer:
    """SIGINT/SIGTERM (Ctrl+C, a service manager) end the event loop through `aboutToQuit`,
    so the workers stop cleanly. Python only sees signals between bytecodes, hence the timer."""

    def request_quit(signum: int, _frame: object) -> None:
        log.info("signal %d: quitting", signum)
        # exit(), not quit(): Qt 6's quit() first asks every window to close, and
        # the kiosk window refuses outside staff mode, so quit() would be ignored.
        app.exit(0)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), request_quit)
    timer = QTimer(app)
    timer.setInterval(250)
    timer.timeout.connect(lambda: None)
    timer.start()
    return timer


def install_excepthooks(window: QWidget) -> None:
    """An unexpected exception is logged with its traceback and the kiosk goes back to
    its attract screen: a donor sees a calm kiosk, the engineer gets the log line."""
    import threading

    def on_gui_exception(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        log.critical("unexpected error in the kiosk", exc_info=(kind, value, tb))
        # Going home abandons the payment on screen (and closes its Checkout link):
        # a bug elsewhere, say in the ticker, must not cost a donor mid-payment.
        payment = getattr(window, "payment", None)
        if payment is not None and not getattr(payment, "finished", True):
            return
        go_home = getattr(window, "go_home", None)
        if callable(go_home):
            QTimer.singleShot(0, go_home)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            log.critical("unexpected %s in thread %s", args.exc_type.__name__,
                         getattr(args.thread, "name", "?"))
            return
        log.critical("unexpected error in thread %s", getattr(args.thread, "name", "?"),
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = on_gui_exception
    threading.excepthook = on_thread_exception


def _smoke_test_exit(app: QApplication, window: QWidget) -> None:
    """For CI's frozen-app smoke test: `CHARTER_KIOSK_QUIT_AFTER=seconds` quits cleanly
    after that long, first grabbing the window to `CHARTER_KIOSK_SCREENSHOT` if set."""
    seconds = os.environ.get("CHARTER_KIOSK_QUIT_AFTER")
    if not seconds:
        return
    screenshot = os.environ.get("CHARTER_KIOSK_SCREENSHOT")

    def finish() -> None:
        if screenshot:
            window.grab().save(screenshot)
        app.exit(0)  # see request_quit: quit() is refused by a kiosk-mode window

    QTimer.singleShot(int(float(seconds) * 1000), finish)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_out_unused_modules()
    from kiosk.preflight import display_problem

    problem = None if QApplication.instance() else display_problem()
    if problem:
        print(problem, file=sys.stderr)  # one line instead of Qt's abort and core dump
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Charter Kiosk")
    app.setOrganizationName("charter-kiosk")
    install_translator(app)
    args = parse_args(argv)
    if args.hide_cursor:
        QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
    window = create_window(argv)
    app.aboutToQuit.connect(window.shutdown)  # type: ignore[attr-defined]
    _quit_on_signals(app)
    install_excepthooks(window)
    _smoke_test_exit(app, window)
    code = app.exec()
    window.shutdown()  # type: ignore[attr-defined]
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
