"""Exit statuses and the one-line reports every subcommand shares.

Only the CLI prints errors and only it catches SrcodecError: one line on stderr,
`srcodec: error: ...`, exit 1 for bad data or I/O, 2 for bad usage, 130 on Ctrl-C.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

from srcodec.errors import LossWarning, SrcodecError, UsageError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's status for SIGINT


def print_error(exc: object) -> None:
    """`srcodec: error: ...` on stderr, always exactly one line."""
    text = " ".join(str(exc).split())
    print(f"srcodec: error: {text}", file=sys.stderr)


def run_reporting_errors(
    command: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a subcommand; its SrcodecError, OSError or Ctrl-C becomes one line and an exit status."""
    try:
        return command(args)
    except UsageError as exc:
        print_error(exc)
        return EXIT_USAGE
    except SrcodecError as exc:
        print_error(exc)
        return EXIT_DATA
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(f"{where}{exc.strerror or exc}")
        return EXIT_DATA
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED


def show_loss_warnings_on_one_line() -> None:
    """LossWarning prints as `srcodec: warning: ...`, like errors; other warnings as Python does."""
    default_show = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
        if issubclass(category, LossWarning):
            print(f"srcodec: warning: {message}", file=sys.stderr)
        else:
            default_show(message, category, *rest, **kw)  # type: ignore[arg-type]

    warnings.showwarning = show
