"""`charter-kiosk`: the one command line, with the kiosk's window.

The commands live in `backend.cli`, which never imports the GUI; this entry
point hands it the window for the commands that open one (the kiosk, `display`).
Headless commands (`check`, `relay`, `secrets`, ...) still never load Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_window(argv: list[str]) -> int:
    from kiosk import app  # Qt loads only here

    return int(app.main(argv))


def main(argv: Sequence[str] | None = None) -> int:
    from backend.cli import main as cli_main

    return cli_main(argv, run_window=run_window)


if __name__ == "__main__":
    sys.exit(main())
