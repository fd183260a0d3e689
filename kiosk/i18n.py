"""The donor's language: Qt's translators, the locale's number formats, the reading direction.

Donor screens are translated with Qt's own tooling. `resources/translations/
charter_<lang>.ts` is made by `pyside6-lupdate` from the donor-facing modules
(`DONOR_SOURCES`; `python -m kiosk.i18n update` runs it) and compiled to `.qm`
by `pyside6-lrelease`: by the build for the frozen kiosk (build.spec), and, run
from source, once per catalogue version into the user's cache. The `.qm` files
are never committed.

Staff screens are not in the catalogues: they stay in the staff's language
(English) whatever a donor picks, and keep their left-to-right layout.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTranslator, Signal

from kiosk import text
from kiosk.resources import resource_path

log = logging.getLogger("charter.kiosk.i18n")

# Each language as its speakers write its name: the label of its button.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "ar": "العربية"}
SOURCE_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})

# The modules whose strings a donor (or anyone at the public display) reads.
DONOR_SOURCES = (
    "kiosk/screens/attract.py", "kiosk/screens/amount.py", "kiosk/screens/method.py",
    "kiosk/screens/payment.py", "kiosk/screens/tap.py", "kiosk/screens/thanks.py",
    "kiosk/screens/error.py", "kiosk/screens/paused.py", "kiosk/attention.py",
    "kiosk/payment_flow.py", "kiosk/tap_flow.py", "kiosk/text.py", "kiosk/display.py",
    "kiosk/main_window.py", "kiosk/language_flow.py",
    "kiosk/widgets/keypad.py", "kiosk/widgets/keyboard.py", "kiosk/widgets/email_keyboard.py",
)
CATALOG_PREFIX = "charter_"


def base_language(code: str) -> str:
    """ "es_US" -> "es": the catalogue a language code uses."""
    return code.replace("-", "_").split("_")[0]


def is_right_to_left(code: str) -> bool:
    return base_language(code) in RIGHT_TO_LEFT


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(base_language(code), code)


def sources_dir() -> Path:
    return resource_path("translations")


def _tool(name: str) -> str | None:
    """A Qt tool shipped in the PySide6 wheel (lrelease, lupdate), or the one on PATH."""
    import PySide6

    binary = Path(PySide6.__file__).parent / (name + (".exe" if os.name == "nt" else ""))
    if binary.exists():
        return str(binary)
    return shutil.which(f"pyside6-{name}") or shutil.which(name)


def _cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("charter-kiosk", appauthor=False)) / "translations"


def compiled_catalog(language: str) -> Path | None:
    """The `.qm` of a language: bundled by the build when frozen; from source, compiled
    from its `.ts` into the cache once per version of the `.ts`. None when there is none
    (or it cannot be compiled here): the donor screens then stay in English."""
    base = base_language(language)
    if base == SOURCE_LANGUAGE:
        return None
    name = f"{CATALOG_PREFIX}{base}"
    if getattr(sys, "frozen", False):
        bundled = sources_dir() / f"{name}.qm"
        return bundled if bundled.exists() else None
    source = sources_dir() / f"{name}.ts"
    try:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    except OSError:
        return None
    target = _cache_dir() / f"{name}-{digest}.qm"
    if target.exists():
        return target
    lrelease = _tool("lrelease")
    if lrelease is None:
        log.warning("pyside6-lrelease is missing: the %s screens stay in English", base)
        return None
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Qt's own tool from the PySide6 wheel, on our own files: no outside input.
        subprocess.run([lrelease, "-silent", str(source), "-qm", str(partial)], check=True,  # noqa: S603
                       capture_output=True, timeout=60)
        partial.replace(target)  # whole or not at all, even with two kiosks starting
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not compile the %s translations: %s", base, exc)
        with contextlib.suppress(OSError):  # the folder itself may be what failed
            partial.unlink(missing_ok=True)
        return None
    return target


def compile_catalogs(languages: Iterable[str]) -> dict[str, str]:
    """`compiled_catalog` for each language: slow the first time (a subprocess each), so
    the window calls it from a worker."""
    found: dict[str, str] = {}
    for code in languages:
        path = compiled_catalog(code)
        if path is not None:
            found[base_language(code)] = str(path)
    return found


class Language(QObject):
    """The language donor screens speak now. `switch()` installs its translator and
    number formats; the window then retranslates its donor screens (`changed`)."""

    changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current = SOURCE_LANGUAGE
        self._catalogs: dict[str, str] = {}
        self._translator: QTranslator | None = None

    def set_catalogs(self, catalogs: dict[str, str]) -> None:
        self._catalogs = dict(catalogs)

    def available(self, code: str) -> bool:
        return base_language(code) == SOURCE_LANGUAGE or base_language(code) in self._catalogs

    def direction(self) -> Qt.LayoutDirection:
        return Qt.LayoutDirection.RightToLeft if is_right_to_left(self.current) \
            else Qt.LayoutDirection.LeftToRight

    def switch(self, code: str) -> bool:
        """Speak `code` from now on; False (and no change) without its catalogue."""
        if code == self.current:
            return True
        if not self.available(code):
            log.warning("no translations for %s: the donor screens stay as they are", code)
            return False
        translator: QTranslator | None = None
        base = base_language(code)
        if base != SOURCE_LANGUAGE:
            translator = QTranslator(self)
            if not translator.load(self._catalogs[base]):
                log.warning("the %s translations could not be read", base)
                return False
        app = QCoreApplication.instance()
        if self._translator is not None and app is not None:
            app.removeTranslator(self._translator)
            self._translator.deleteLater()
        self._translator = translator
        text.set_number_locale(None if base == SOURCE_LANGUAGE and "_" not in code else code)
        if translator is not None and app is not None:
            app.installTranslator(translator)
        self.current = code
        QLocale.setDefault(QLocale(code))
        self.changed.emit(code)
        return True


    def release(self) -> None:
        """Back to the source language: the translator and formats are the process's, and
        outlive a window (tests make many). A Language that never switched leaves them
        alone: another window in the process may be using them."""
        if self._translator is None and self.current == SOURCE_LANGUAGE:
            return
        app = QCoreApplication.instance()
        if self._translator is not None and app is not None:
            app.removeTranslator(self._translator)
        self._translator = None
        text.set_number_locale(None)
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        self.current = SOURCE_LANGUAGE


def update_sources(languages: Iterable[str] = ("es", "fr", "ar")) -> None:
    """Refresh the `.ts` files from the donor sources (keeps every translation made)."""
    root = Path(__file__).resolve().parent.parent
    lupdate = _tool("lupdate")
    if lupdate is None:
        raise SystemExit("pyside6-lupdate is missing (it comes with PySide6).")
    targets = [str(sources_dir() / f"{CATALOG_PREFIX}{code}.ts") for code in languages]
    subprocess.run([lupdate, "-locations", "none", "-no-obsolete",  # noqa: S603
                    *[str(root / source) for source in DONOR_SOURCES], "-ts", *targets],
                   check=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update_sources()
    else:
        print("usage: python -m kiosk.i18n update   # refresh resources/translations/*.ts")
