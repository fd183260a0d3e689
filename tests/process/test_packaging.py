"""Packaging without building: build.spec declares what the frozen app needs, the Qt
slimming keeps what the kiosk loads, and resource_path() works from source and frozen.

The real build and its smoke tests are in .ci/build_frozen.sh.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.imports import imports_of, modules_under
from tests.support.paths import REPO

ROOT = REPO
SPEC = ROOT / "build.spec"


def spec_constants() -> dict[str, Any]:
    """The spec's UPPER_CASE literal assignments, read without running PyInstaller."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue  # computed, e.g. ROOT
    return found


def load_qt_slim() -> ModuleType:
    path = ROOT / "packaging" / "qt_slim.py"
    spec = importlib.util.spec_from_file_location("charter_qt_slim", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spec_parses_and_names_its_parts() -> None:
    source = SPEC.read_text(encoding="utf-8")
    compile(source, str(SPEC), "exec")
    constants = spec_constants()
    assert constants["NAME"] == "charter-kiosk"
    assert ("resources", "resources") in constants["RESOURCES"]
    assert {"charter-kiosk", "keyring"} <= set(constants["METADATA"])
    assert {"stripe", "certifi"} <= set(constants["PACKAGE_DATA"])
    assert {"backend", "kiosk", "stripe", "keyring.backends", "uvicorn"} <= set(
        constants["COLLECT_SUBMODULES"])
    assert "upx=True" not in source and source.count("upx=False") >= 2
    assert "CHARTER_ONEFILE" in source and "exclude_binaries=True" in source
    assert 'str(ROOT / "packaging" / "entry.py")' in source
    assert 'hookspath=[str(ROOT / "packaging" / "hooks")]' in source


def test_hidden_imports_cover_modules_loaded_by_name() -> None:
    hidden = set(spec_constants()["HIDDENIMPORTS"])
    for backend in ("SecretService", "kwallet", "libsecret", "macOS", "Windows"):
        assert f"keyring.backends.{backend}" in hidden
    assert {"uvicorn.loops.auto", "uvicorn.protocols.http.auto", "uvicorn.lifespan.on"} <= hidden
    assert {"peewee", "playhouse.pool", "psycopg2", "qrcode", "platformdirs", "certifi"} <= hidden


def test_every_hidden_import_exists_here() -> None:
    """A typo in the spec would only show up as a missing module in the frozen app."""
    missing = []
    for name in spec_constants()["HIDDENIMPORTS"]:
        if name.startswith("keyring.backends.") or name == "secretstorage" or name.startswith("jeepney"):
            continue  # platform backends: importable only where they apply; checked by file below
        if importlib.util.find_spec(name) is None:
            missing.append(name)
    assert not missing
    import keyring.backends

    folder = Path(keyring.backends.__file__).parent
    for name in spec_constants()["HIDDENIMPORTS"]:
        if name.startswith("keyring.backends."):
            leaf = name.rsplit(".", 1)[1]
            assert (folder / f"{leaf}.py").exists() or (folder / leaf).is_dir(), name


def _qt_modules_imported(root: Path) -> set[str]:
    """The Qt modules (`PySide6.QtXxx`, or `PySide6` itself) imported anywhere under `root`."""
    return {".".join(imp.module.split(".")[:2])
            for name, path in modules_under(root.parent, [root.name]).items()
            for imp in imports_of(name, path)
            if imp.module.split(".")[0] == "PySide6"}


def test_the_test_helpers_stay_out_of_the_bundle() -> None:
    """tests.support (fixed webhook secrets, scratch schemas) must never reach a kiosk: the
    spec excludes the tests package, collects none of it, and nothing collected imports it
    (tests/unit/test_layering.py)."""
    constants = spec_constants()
    assert "tests" in constants["PY_EXCLUDES"]
    collected = [*constants["COLLECT_SUBMODULES"], *constants["HIDDENIMPORTS"]]
    assert not [m for m in collected if m == "tests" or m.startswith("tests.")]
    for package in ("backend", "kiosk"):
        assert not [p for p in (ROOT / package).rglob("testing.py")], package


def test_excluded_qt_modules_are_not_used() -> None:
    excluded = set(spec_constants()["QT_EXCLUDES"])
    used = _qt_modules_imported(ROOT / "kiosk") | _qt_modules_imported(ROOT / "backend")
    assert used, "kiosk/ should import some Qt"
    assert not used & excluded, f"build.spec excludes Qt modules the app imports: {used & excluded}"
    assert {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"}.isdisjoint(excluded)


def test_backend_never_imports_qt() -> None:
    assert _qt_modules_imported(ROOT / "backend") == set()


@pytest.mark.parametrize(("dest", "kept"), [
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/platforms/qwindows.dll", True),
    ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", True),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/imageformats/libqjpeg.so", False),
    ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
    ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
    ("PySide6/Qt/plugins/sqldrivers/libqsqlite.so", False),
    ("PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
    ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", True),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", True),
    ("PySide6/Qt/plugins/wayland-graphics-integration-client/libdmabuf-server.so", False),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("libQt6Quick.so.6", False),
    ("libQt6Qml.so.6", False),
    ("libQt6Network.so.6", False),
    ("libQt6OpenGL.so.6", False),
    ("libQt6Core.so.6", True),
    ("libQt6Gui.so.6", True),
    ("libQt6Widgets.so.6", True),
    ("libQt6DBus.so.6", True),
    ("libQt6XcbQpa.so.6", True),
    ("libQt6WaylandClient.so.6", True),
    ("libicudata.so.73", True),
    ("resources/kiosk.qss", True),
    ("resources/translations/charter_ar.qm", True),  # the kiosk's own, not Qt's
    ("stripe/data/ca-certificates.crt", True),
])
def test_qt_slimming_keeps_what_the_kiosk_loads(dest: str, kept: bool) -> None:
    assert load_qt_slim().keep(dest) is kept


def test_hook_items_are_filtered_by_destination() -> None:
    qt_slim = load_qt_slim()
    items = [("/x/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms"),
             ("/x/plugins/platformthemes/libqgtk3.so", "PySide6/Qt/plugins/platformthemes"),
             ("/x/translations/qtbase_fr.qm", "PySide6/Qt/translations")]
    assert qt_slim.filter_hook_items(items) == items[:1]


def test_every_pyside6_hook_override_is_the_same_filter() -> None:
    hooks = sorted((ROOT / "packaging" / "hooks").glob("hook-PySide6.*.py"))
    assert {h.name for h in hooks} >= {"hook-PySide6.QtCore.py", "hook-PySide6.QtGui.py",
                                       "hook-PySide6.QtWidgets.py"}
    bodies = {h.read_text(encoding="utf-8") for h in hooks}
    assert len(bodies) == 1
    body = bodies.pop()
    compile(body, "hook", "exec")
    assert "add_qt6_dependencies(__file__)" in body and "filter_hook_items" in body


def test_resource_path_from_source() -> None:
    from kiosk.resources import read_text_resource, resource_path, resource_root

    assert resource_root() == ROOT / "resources"
    assert resource_path("kiosk.qss").is_file()
    assert read_text_resource("kiosk.qss").strip()
    assert read_text_resource("no-such-file.qss") == ""


def test_resource_path_when_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.resources import read_text_resource, resource_path, resource_root

    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "kiosk.qss").write_text("QWidget { color: red; }", encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert resource_root() == tmp_path / "resources"
    assert resource_path("kiosk.qss") == tmp_path / "resources" / "kiosk.qss"
    assert read_text_resource("kiosk.qss") == "QWidget { color: red; }"


def test_frozen_entry_point_hands_over_to_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "packaging" / "entry.py"
    spec = importlib.util.spec_from_file_location("charter_entry", path)
    assert spec and spec.loader
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    calls: list[object] = []
    import kiosk.cli

    monkeypatch.setattr(kiosk.cli, "main", lambda: calls.append("main") or 7)
    assert entry.run() == 7
    assert calls == ["main"]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_cannot_exhaust_none() -> None:
    """PySide6 6.12 on Python 3.11 drops a reference to None on every void method call, so
    a window that paints for a few minutes dies with "Fatal Python error: none_dealloc"
    (seen in the frozen kiosk's ticker). pyproject.toml keeps 6.12 out; this fails if a
    PySide6 with the bug is ever installed again."""
    from PySide6.QtGui import QColor

    colour = QColor("#123456")
    colour.setRed(1)
    before = sys.getrefcount(None)
    for _ in range(1000):
        colour.setRed(2)
    dropped = before - sys.getrefcount(None)
    assert dropped <= 100, f"None loses {dropped} references per 1000 void Qt calls"


def _load(name: str) -> ModuleType:
    path = ROOT / "packaging" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"charter_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("item", "kept"), [
    ("uprops.icu", True),
    ("unames.icu", True),
    ("nfkc.nrm", True),
    ("cnvalias.icu", True),
    ("supplementalData.res", True),
    ("zoneinfo64.res", True),
    ("likelySubtags.res", True),
    ("root.res", True),
    ("en.res", True),
    ("en_GB.res", True),
    ("pool.res", True),
    ("de.res", False),
    ("pt_BR.res", False),
    ("sr_Latn_BA.res", False),
    ("es_419.res", False),
    ("ibm-5348_P100-1997.cnv", False),
    ("coll/ucadata.icu", True),
    ("coll/root.res", True),
    ("coll/zh.res", False),
    ("brkitr/word.brk", True),
    ("brkitr/root.res", True),
    ("brkitr/cjdict.dict", False),
    ("translit/root.res", False),
    ("rbnf/en.res", False),
    ("zone/en.res", True),
    ("zone/fr.res", False),
    ("lang/root.res", True),
    ("curr/pool.res", True),
    ("curr/ja.res", False),
    ("newtree/anything.res", True),  # unknown trees stay
])
def test_icu_slim_keeps_what_qt_asks_for(item: str, kept: bool) -> None:
    assert _load("icu_slim").keep_item(item) is kept


def test_icu_package_round_trips_and_drops_items() -> None:
    icu = _load("icu_slim")
    import struct

    # A package in ICU's common-data layout: header, count, (name, data) offsets, names, data.
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + struct.pack("<HHBBBB", 20, 0, 0, 0, 2, 0) \
        + b"CmnD" + bytes([1, 0, 0, 0]) + bytes(4)
    header += bytes(32 - len(header))
    items = [("icudt73l/de.res", b"D" * 20), ("icudt73l/root.res", b"R" * 33),
             ("icudt73l/uprops.icu", b"U" * 7)]
    blob = b"junk" * 3 + icu.write_package(header, items)
    start = icu.find_package(blob)
    assert start == 12
    read_header, read_items = icu.read_package(blob, start)
    assert read_header == header
    # Items come back padded to 16 bytes; each starts with its own data.
    assert [name for name, _ in read_items] == [name for name, _ in items]
    for (_, data), (_, back) in zip(items, read_items, strict=True):
        assert back[:len(data)] == data and set(back[len(data):]) <= {0}
    slim = icu.write_package(header, [i for i in read_items if icu.keep_item(i[0].split("/", 1)[1])])
    assert [n for n, _ in icu.read_package(slim, 0)[1]] == ["icudt73l/root.res", "icudt73l/uprops.icu"]
    assert len(slim) < len(blob)


def test_host_libs_are_left_to_the_system() -> None:
    libs = _load("libs_slim")
    assert not libs.keep_host_lib("libdbus-1.so.3")
    assert not libs.keep_host_lib("libsystemd.so.0")
    assert libs.keep_host_lib("libzstd.so.1")  # QtCore links it
    assert libs.keep_host_lib("libssl.so.3")
    assert libs.keep_host_lib("PySide6/Qt/lib/libQt6DBus.so.6")


def test_private_openssl_is_linked_only_when_every_symbol_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    libs = _load("libs_slim")
    toc = [("libssl.so.3", "/sys/libssl.so.3", "BINARY"),
           ("libcrypto.so.3", "/sys/libcrypto.so.3", "BINARY"),
           ("psycopg2_binary.libs/libpq-a17e3caa.so.5", "/w/libpq.so", "BINARY"),
           ("psycopg2_binary.libs/libssl-8bd944e8.so.3", "/w/libssl.so", "BINARY"),
           ("psycopg2_binary.libs/libcrypto-fb8d5b21.so.3", "/w/libcrypto.so", "BINARY")]
    provided = {("OPENSSL_3.0.0", "SSL_read"), ("OPENSSL_3.0.0", "EVP_sha256")}
    needed = {("OPENSSL_3.0.0", "SSL_read")}

    def symbols(path: str, objdump: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        if path.startswith("/sys/"):
            return set(), provided
        return (needed, set()) if path == "/w/libpq.so" else (set(), set())

    monkeypatch.setattr(libs, "_symbols", symbols)
    out, note = libs.share_openssl(toc, objdump="objdump")
    assert ("psycopg2_binary.libs/libssl-8bd944e8.so.3", "../libssl.so.3", "SYMLINK") in out
    assert ("psycopg2_binary.libs/libcrypto-fb8d5b21.so.3", "../libcrypto.so.3", "SYMLINK") in out
    assert "linked 2" in note
    needed.add(("OPENSSL_3.2.0", "SSL_new_from_3_2"))
    out, note = libs.share_openssl(toc, objdump="objdump")
    assert out == toc and "missing" in note
