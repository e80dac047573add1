"""What a subcommand tells the person running it while it works: status lines and progress."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, TextIO

from srcodec.cli.files import STDIO

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator


def report_stream(args: argparse.Namespace) -> TextIO:
    """Status goes to stdout, or to stderr when stdout carries the output (`-`)."""
    return sys.stderr if args.output == STDIO else sys.stdout


def say(args: argparse.Namespace, text: str) -> None:
    """One status line (see `report_stream`); none with -q."""
    if not args.quiet:
        print(text, file=report_stream(args))


@contextlib.contextmanager
def progress_bar(
    args: argparse.Namespace, what: str, unit: str = " rows"
) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar on stderr for work that runs over a second; none with -q or off a TTY.
    Yields update(done, total), total 0 when unknown."""
    from tqdm import tqdm

    quiet = args.quiet or not sys.stderr.isatty()
    with tqdm(desc=what, unit=unit, delay=1.0, disable=quiet, leave=False) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total or None
            bar.update(done - bar.n)

        yield update
