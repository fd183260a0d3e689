"""The frozen `charter-kiosk`: PyInstaller starts here and hands over to `kiosk.cli.main()`.

Kept apart from `backend/cli.py` so the build has a plain script to analyse and
the source tree keeps its single `charter-kiosk = kiosk.cli:main` entry point.
"""

from __future__ import annotations

import multiprocessing
import sys


def run() -> int:
    # A no-op unless a library ever starts a child process from the frozen app.
    multiprocessing.freeze_support()
    from kiosk.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
