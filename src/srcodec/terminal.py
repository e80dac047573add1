"""What the person at the terminal is shown: progress bars only on a terminal. Shared by
the CLI's subcommands and the commands of rd and compare, which cli/ imports (so it cannot
live in cli/)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def shows_progress(args: argparse.Namespace) -> bool:
    """Whether a subcommand draws progress bars: only on a terminal (a bar's carriage
    returns and redraws would fill a redirected stderr or a log), and never with -q. Every
    progress bar of the CLI (encode, decode, batch, rd) asks this."""
    return not args.quiet and sys.stderr.isatty()
