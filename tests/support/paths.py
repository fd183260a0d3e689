"""Where the repository is, for tests in any layer (tests/unit, tests/gui, ...)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
