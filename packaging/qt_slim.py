"""Which Qt files the frozen kiosk carries: used by the PySide6 hooks and by build.spec.

PyInstaller's Qt hooks collect every plugin and translation a Qt module could
ever load, then follow each plugin's shared-library dependencies (the GTK theme
plugin alone drags in GTK, Pango and Cairo). The kiosk imports only QtCore,
QtGui and QtWidgets, paints its own touch UI from a stylesheet and writes PNG
screenshots (built into QtGui), so it needs the window-system plugins and
little else. Filtering inside the hooks, before PyInstaller analyses the
binaries, keeps the dependencies of dropped plugins out of the bundle too.

Plain Python with no PyInstaller import, so the tests can load it.
"""

from __future__ import annotations

from pathlib import PurePath, PurePosixPath

# Plugin folder -> file-name prefixes kept ("*" keeps the folder whole). A folder not
# listed is dropped whole.
QT_PLUGINS_KEEP: dict[str, list[str]] = {
    # X11, Wayland (kiosk compositors such as cage), offscreen (CI and screenshots);
    # Windows and macOS names so the same spec works there. Not eglfs/linuxfb/vnc.
    "platforms": ["libqxcb", "libqwayland", "libqoffscreen", "qwindows", "qoffscreen", "libqcocoa"],
    "platforms/darwin": ["*"],
    # Dead keys on a hardware keyboard in staff mode; no ibus, no Qt virtual keyboard (Quick).
    "platforminputcontexts": ["libcomposeplatforminputcontextplugin"],
    "xcbglintegrations": ["*"],
    "wayland-shell-integration": ["libxdg-shell", "libfullscreen-shell-v1"],
    # Title bars for --windowed on Wayland; adwaita needs QtSvg.
    "wayland-decoration-client": ["libbradient"],
    # styles: none ship with PySide6-Essentials on Linux; the Windows style plugin if present.
    "styles": ["*"],
}

# Shared libraries never wanted even if something links them: the QML/Quick stack, PDF,
# OpenGL wrappers (the widgets paint with the raster engine), SVG, networking (requests
# does HTTPS), the Wayland compositor side, EGLFS and the Qt virtual keyboard.
QT_LIBS_DROP: list[str] = [
    "libQt6Qml",
    "libQt6Quick",
    "libQt6Pdf",
    "libQt6Network",
    "libQt6OpenGL",
    "libQt6Svg",
    "libQt6VirtualKeyboard",
    "libQt6EglFSDeviceIntegration",
    "libQt6EglFsKmsSupport",
    "libQt6WaylandCompositor",
    "libQt6WaylandEgl",
    "libQt6Designer",
    "libQt6Help",
    "libQt6Sql",
    "libQt6Test",
    "libQt6PrintSupport",
    "libQt6Labs",
    "libQt6Lottie",
]


def _qt_parts(dest: str) -> tuple[str, ...]:
    """'PySide6/Qt/plugins/platforms/libqxcb.so' -> ('plugins', 'platforms', 'libqxcb.so')."""
    parts = PurePosixPath(PurePath(dest).as_posix()).parts
    if len(parts) > 2 and parts[0] == "PySide6" and parts[1] == "Qt":
        return parts[2:]
    return ()


def keep(dest: str) -> bool:
    """Whether a collected file, given by its path inside the bundle, belongs in the kiosk."""
    parts = _qt_parts(dest)
    name = PurePath(dest).name
    if parts[:1] == ("translations",):
        # Qt's own dialogs are never shown; the kiosk's strings live in resources/.
        return False
    if parts[:1] == ("plugins",) and len(parts) >= 3:
        folder = "/".join(parts[1:-1])
        prefixes = QT_PLUGINS_KEEP.get(folder)
        if prefixes is None:
            return False
        return "*" in prefixes or any(name.startswith(prefix) for prefix in prefixes)
    return not any(name.startswith(prefix) for prefix in QT_LIBS_DROP)


def filter_hook_items(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Filter a hook's (source file, destination folder) pairs."""
    return [(src, dst) for src, dst in items if keep(f"{dst}/{PurePath(src).name}")]


def filter_toc(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Filter an Analysis TOC of (destination path, source, type code) entries."""
    return [entry for entry in toc if keep(entry[0])]
