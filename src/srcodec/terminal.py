"""What the person at the terminal is shown: a subcommand's help page, and progress bars
only on a terminal. Shared by the CLI's subcommands and the commands of rd and compare,
which cli/ imports (so it cannot live in cli/)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def shows_progress(args: argparse.Namespace) -> bool:
    """Whether a subcommand draws progress bars: only on a terminal (a bar's carriage
    returns and redraws would fill a redirected stderr or a log), and never with -q. Every
    progress bar of the CLI (encode, decode, batch, rd) asks this."""
    return not args.quiet and sys.stderr.isatty()


def add_subcommand(
    sub: Any, name: str, *, summary: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """A subcommand's parser whose epilog (examples, spec syntax) keeps its line breaks."""
    return sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
