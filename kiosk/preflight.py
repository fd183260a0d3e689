"""Before Qt starts: is there a display, and can Qt's X11 plugin load?

Without either, Qt prints a message (naming the wrong library, on a minimal
Debian) and aborts with a core dump. The kiosk says in one line what is missing
and what to do instead.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping

# What Qt's xcb platform plugin loads beyond a minimal Debian/Ubuntu (README: "Running
# on Linux"): library file, Debian package.
XCB_LIBRARIES = [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"), ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-shape.so.0", "libxcb-shape0"), ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"), ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-shm.so.0", "libxcb-shm0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libX11-xcb.so.1", "libx11-xcb1"), ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
]
TERMINAL_HINT = "or try `charter-kiosk --demo --terminal`, which needs no display"


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None
                    ) -> str | None:
    """A one-line explanation when Qt could not open a window here, else None."""
    env = os.environ if env is None else env
    if (platform or sys.platform) != "linux":
        return None
    requested = env.get("QT_QPA_PLATFORM", "")
    if requested and not requested.startswith("xcb"):
        return None  # offscreen, wayland, eglfs, linuxfb…: Qt knows what it is doing
    if not env.get("DISPLAY") and not (env.get("WAYLAND_DISPLAY") and not requested):
        return ("charter-kiosk: no display found (DISPLAY is not set): start it from the "
                f"kiosk's graphical session, {TERMINAL_HINT}.")
    if env.get("WAYLAND_DISPLAY") and not requested:
        return None  # Qt prefers Wayland here
    missing = [package for library, package in XCB_LIBRARIES if not _loads(library)]
    if missing:
        return ("charter-kiosk: Qt's X11 support needs system packages that are missing: "
                f"sudo apt-get install {' '.join(missing)} ({TERMINAL_HINT}).")
    return None


def _loads(library: str) -> bool:
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True
