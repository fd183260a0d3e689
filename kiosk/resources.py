"""Find bundled files (stylesheet, icons) from source and from a PyInstaller build."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    """The `resources/` folder: inside the PyInstaller bundle when frozen, else the repo's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def read_text_resource(*parts: str) -> str:
    """A text resource, or "" when it is missing (a missing theme must not stop the kiosk)."""
    try:
        return resource_path(*parts).read_text(encoding="utf-8")
    except OSError:
        return ""
