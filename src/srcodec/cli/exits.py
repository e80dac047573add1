"""Exit statuses and the one-line reports every subcommand shares.

Only the CLI prints errors and only it catches SrcodecError: one line on stderr,
`srcodec: error: ...`. The status says whose fault it is (docs/guide.md, "Exit status"):
2 when the command line itself is wrong (UsageError: an unknown flag, a bad value,
conflicting options); 1 when the files or the machine are (FileError, FormatError,
BackendUnavailableError, OSError: a missing, unreadable or corrupt input, an output that
cannot be written); 128 + the signal's number on Ctrl-C (130), SIGTERM (143) or SIGHUP (129),
after the same cleanup for all three.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import warnings
from typing import TYPE_CHECKING

from srcodec.errors import FileError, SrcodecError, SrcodecWarning, UsageError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterator
    from types import FrameType

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # the shell's status for Ctrl-C
# signals that end the program the way Ctrl-C does (SIGHUP: the terminal went away)
TERMINATING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(KeyboardInterrupt):
    """A terminating signal, raised where the program is so that everything that cleans
    up after Ctrl-C (temporary files, worker pools) cleans up after it too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP raise Terminated (a second one kills at once, as
    the default would). A signal the parent set to be ignored (nohup) stays ignored.
    Outside the main thread, where Python cannot take signals, this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in TERMINATING_SIGNALS}

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        signal.signal(signum, signal.SIG_DFL)
        raise Terminated(signum)

    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def print_error(exc: object) -> None:
    """`srcodec: error: ...` on stderr, always exactly one line."""
    text = " ".join(str(exc).split())
    print(f"srcodec: error: {text}", file=sys.stderr)


def exit_status(exc: BaseException) -> int:
    """The status for an error that ends a subcommand (the module docstring's rule)."""
    if isinstance(exc, KeyboardInterrupt):
        return 128 + getattr(exc, "signum", signal.SIGINT)
    if isinstance(exc, UsageError) and not isinstance(exc, FileError):
        return EXIT_USAGE
    return EXIT_DATA


def run_reporting_errors(
    command: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> int:
    """Run a subcommand; its SrcodecError, OSError, Ctrl-C or terminating signal becomes
    one line and an exit status."""
    try:
        with termination_as_interrupt():
            return command(args)
    except SrcodecError as exc:
        print_error(exc)
        return exit_status(exc)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(f"{where}{exc.strerror or exc}")
        return exit_status(exc)
    except KeyboardInterrupt as exc:
        print_error(f"terminated by {exc}" if isinstance(exc, Terminated) else "interrupted")
        return exit_status(exc)


def show_loss_warnings_on_one_line() -> None:
    """srcodec's warnings print as `srcodec: warning: ...`, like errors; others as Python does."""
    default_show = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
        if issubclass(category, SrcodecWarning):
            print(f"srcodec: warning: {message}", file=sys.stderr)
        else:
            default_show(message, category, *rest, **kw)  # type: ignore[arg-type]

    warnings.showwarning = show
