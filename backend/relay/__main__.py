"""`python -m backend.relay COMMAND ...`: the relay CLI without the kiosk's entry point."""

from __future__ import annotations

import argparse
import sys

from backend.relay.cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.relay",
                                     description="Charter Kiosk webhook relay")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
