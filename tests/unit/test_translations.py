"""The shipped translations of the donor screens: complete, current with the code, and
faithful to every placeholder and tag. Read as XML; compiled by Qt's own lrelease."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from kiosk import i18n
from tests.support.paths import REPO

ROOT = REPO
FOLDER = ROOT / "resources" / "translations"
LANGUAGES = sorted(path.stem.removeprefix("charter_") for path in FOLDER.glob("charter_*.ts"))
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+\b[^>]*>")

Messages = dict[tuple[str, str], ET.Element]


def messages(path: Path) -> Messages:
    found: Messages = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def test_spanish_french_and_arabic_ship() -> None:
    assert LANGUAGES == ["ar", "es", "fr"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_donor_string_is_translated(language: str) -> None:
    unfinished = []
    for (context, source), message in messages(FOLDER / f"charter_{language}.ts").items():
        translation = message.find("translation")
        assert translation is not None
        if translation.get("type") in ("unfinished", "vanished", "obsolete") or \
                not (translation.text or "").strip():
            unfinished.append(f"{context}: {source!r}")
    assert not unfinished, (f"{len(unfinished)} donor strings have no {language} translation "
                            "(translate them in resources/translations): " + "; ".join(unfinished))


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(language: str) -> None:
    broken = []
    for (context, source), message in messages(FOLDER / f"charter_{language}.ts").items():
        text = message.findtext("translation") or ""
        if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(source)):
            broken.append(f"{context}: {source!r} -> {text!r} (placeholders)")
        if [t.split()[0] for t in TAG.findall(text)] != [t.split()[0] for t in
                                                          TAG.findall(source)]:
            broken.append(f"{context}: {source!r} -> {text!r} (tags)")
        if source.count("\n") != text.count("\n"):
            broken.append(f"{context}: {source!r} -> {text!r} (line breaks)")
    assert not broken, "\n".join(broken)


def test_the_catalogues_hold_every_donor_string_in_the_code(tmp_path: Path) -> None:
    """A new donor-facing string fails here until it is in the .ts files (and then the
    test above until it is translated): `uv run python -m kiosk.i18n update`."""
    lupdate = i18n._tool("lupdate")
    assert lupdate is not None, "pyside6-lupdate comes with PySide6"
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate, "-locations", "none", *[str(ROOT / s) for s in i18n.DONOR_SOURCES],
                    "-ts", str(fresh)], check=True, capture_output=True, timeout=120)
    in_code = set(messages(fresh))
    assert len(in_code) > 150  # lupdate read the sources: the screens have this many
    for language in LANGUAGES:
        shipped = set(messages(FOLDER / f"charter_{language}.ts"))
        missing = sorted(in_code - shipped)
        assert not missing, f"charter_{language}.ts lacks {missing}: run python -m kiosk.i18n update"
        stale = sorted(shipped - in_code)
        assert not stale, f"charter_{language}.ts has strings the code no longer uses: {stale}"


def test_every_donor_source_exists_and_no_staff_module_is_translated() -> None:
    for source in i18n.DONOR_SOURCES:
        assert (ROOT / source).is_file(), source
    assert not [s for s in i18n.DONOR_SOURCES if "staff" in s or s.endswith("pin.py")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_qt_compiles_each_catalogue_whole(language: str, tmp_path: Path) -> None:
    lrelease = i18n._tool("lrelease")
    assert lrelease is not None
    out = subprocess.run([lrelease, str(FOLDER / f"charter_{language}.ts"), "-qm",
                          str(tmp_path / "x.qm")], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    count = len(messages(FOLDER / f"charter_{language}.ts"))
    assert f"Generated {count} translation(s) ({count} finished and 0 unfinished)" in out


def test_a_catalogue_is_compiled_once_into_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(i18n, "_cache_dir", lambda: tmp_path)
    first = i18n.compiled_catalog("es_MX")
    assert first is not None and first.parent == tmp_path and first.stat().st_size > 1000
    stamp = first.stat().st_mtime_ns
    assert i18n.compiled_catalog("es") == first and first.stat().st_mtime_ns == stamp
    assert i18n.compiled_catalog("en") is None  # the source language needs none
    assert i18n.compile_catalogs(["en", "fr", "ar"]).keys() == {"fr", "ar"}


def test_an_unusable_cache_leaves_the_screens_in_english_not_the_kiosk_stopped(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(i18n, "_cache_dir", lambda: in_the_way / "translations")
    assert i18n.compiled_catalog("es") is None
    assert i18n.compile_catalogs(["en", "es"]) == {}
