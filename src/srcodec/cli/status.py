"""What a subcommand tells the person running it while it works: status lines and progress."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, TextIO

from srcodec.cli.files import STDIO
from srcodec.errors import FormatError
from srcodec.printable import printable
from srcodec.terminal import shows_progress

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator


def report_stream(args: argparse.Namespace) -> TextIO:
    """Status goes to stdout, or to stderr when stdout carries the output (`-`)."""
    return sys.stderr if args.output == STDIO else sys.stdout


def say(args: argparse.Namespace, text: str) -> None:
    """One status line (see `report_stream`); none with -q. Paths in `text` are put
    through srcodec.printable first, so a file name cannot start a line of its own."""
    if not args.quiet:
        print(text, file=report_stream(args))


@contextlib.contextmanager
def progress_bar(
    args: argparse.Namespace, what: str, unit: str = " rows"
) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar on stderr for work that runs over a second; none with -q or off a TTY.
    Yields update(done, total), total 0 when unknown."""
    from tqdm import tqdm

    hidden = not shows_progress(args)
    with tqdm(desc=what, unit=unit, delay=1.0, disable=hidden, leave=False) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total or None
            bar.update(done - bar.n)

        yield update


@contextlib.contextmanager
def naming_files(source: str, output: str | None = None) -> Iterator[None]:
    """Errors that do not say which file they are about get its name: a stream's format
    errors ("not an .srz stream", truncated, corrupt) name `source`; a write error without
    a file name (a full disk, a failed flush) names `output`."""
    try:
        yield
    except FormatError as exc:
        name = "standard input" if source == STDIO else printable(source)
        if str(exc).startswith(f"{name}:"):
            raise
        msg = f"{name}: {exc}"
        raise type(exc)(msg) from None
    except OSError as exc:
        if output is None or exc.filename is not None:
            raise
        name = "standard output" if output == STDIO else printable(output)
        raise OSError(exc.errno, exc.strerror, name) from None
