"""Argument types and flags shared by the subcommands (encode, decode, info, batch, ...).

Cheap to import: the parser is built on every run. Subcommand modules take their shared
helpers from here, never from srcodec.cli itself, which imports them.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any, NoReturn

from srcodec.base.pillow import KNOBS
from srcodec.cli.exits import EXIT_USAGE
from srcodec.errors import UsageError
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.metrics.scoring import SCORINGS, add_target_flags

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_PIXELS_HELP = (
    "refuse streams whose header declares more pixels than this, before decoding "
    f"(default {DEFAULT_MAX_PIXELS:,}, Pillow's decompression-bomb threshold)"
)

# the codec knobs `srcodec encode` and `srcodec batch` pass through as `options`
_KNOB_FLAGS = ("speed", "subsampling", "tune")


class Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage dump
        self.exit(EXIT_USAGE, f"srcodec: error: {message} (see `{self.prog} --help`)\n")


def quality(text: str) -> int:
    """Argument type: an integer quality 0-100."""
    try:
        value = int(text)
    except ValueError:
        msg = f"quality must be an integer 0-100, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= value <= 100:
        msg = f"quality must be 0-100, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive(text: str) -> int:
    """Argument type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a positive integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_device(parser: argparse.ArgumentParser) -> None:
    """--device for the subcommands that run a learned tool."""
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda[:N] (default auto)")


def add_stream_pixel_limit(parser: argparse.ArgumentParser) -> None:
    """--max-pixels for the subcommands that read a stream's header."""
    parser.add_argument(
        "--max-pixels", type=positive, default=DEFAULT_MAX_PIXELS, help=MAX_PIXELS_HELP
    )


def add_effort(group: argparse._ArgumentGroup, *, default: int | None, help_text: str) -> None:
    """--effort 1-9: how hard the encoder's search works (srcodec.search.effort)."""
    group.add_argument(
        "--effort", type=int, choices=range(1, 10), default=default, metavar="1-9", help=help_text
    )


def add_memory_limit(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, verb: str, scope: str = ""
) -> None:
    """--max-memory MIB: `verb` ("refuse", "skip") a stream before decoding it when its
    decode would need more; `scope` qualifies the estimate (such as "; per worker")."""
    parser.add_argument(
        "--max-memory",
        type=positive,
        metavar="MIB",
        default=None,
        help=f"{verb}, before decoding, a stream whose decode would need more than MIB "
        f"mebibytes (the estimate of SPEC section 8{scope}); default: no limit",
    )


def add_targets(group: argparse._ArgumentGroup) -> None:
    """--target-<metric> for every metric, then --target-size and --target-bpp."""
    add_target_flags(group)
    group.add_argument(
        "--target-size", type=positive, metavar="BYTES", help="best quality in BYTES, never over"
    )
    group.add_argument("--target-bpp", type=float, metavar="B", help="best quality in B bits/pixel")


def targets(args: argparse.Namespace) -> dict[str, Any]:
    """The encoder's target keywords as the flags of `add_targets` set them."""
    return {
        **{spec.target_keyword: getattr(args, spec.target_keyword) for spec in SCORINGS.values()},
        "target_size": args.target_size,
        "target_bpp": args.target_bpp,
    }


def add_pins(
    group: argparse._ArgumentGroup, *, upscaler_default: str | None, upscaler_help: str
) -> None:
    """The choices an encode can pin: scale, base codec, upscaler and the codec knobs."""
    from srcodec.base import BASE_CODECS
    from srcodec.upscale import UPSCALERS

    group.add_argument(
        "--scale", type=int, choices=(1, 2, 3, 4), default=None, help="downsampling factor"
    )
    group.add_argument(
        "--base",
        choices=BASE_CODECS.names(),
        default=None,
        help="base codec; without a --target-* this is manual mode",
    )
    group.add_argument(
        "--upscaler",
        choices=[*UPSCALERS.names(), "auto"],
        default=upscaler_default,
        help=upscaler_help,
    )
    speeds = sorted(knob_values("speed"))
    group.add_argument(
        "--speed", type=int, choices=speeds, metavar=f"{speeds[0]}-{speeds[-1]}", help="AVIF speed"
    )
    group.add_argument("--subsampling", choices=knob_values("subsampling"), help="AVIF/JPEG chroma")
    group.add_argument("--tune", choices=knob_values("tune"), help="libaom tune (AVIF)")


def knob_values(knob: str) -> tuple[Any, ...]:
    """Every value some base codec accepts for `knob` (srcodec.base.pillow.KNOBS), in the
    order the codecs list them; each codec still checks its own values when it encodes."""
    values: dict[Any, None] = {}
    for knobs in KNOBS.values():
        values.update(dict.fromkeys(knobs.get(knob, ())))
    return tuple(values)


def base_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """The codec knobs given on the command line (`options` of an encode), None if none."""
    given = {name: getattr(args, name) for name in _KNOB_FLAGS}
    return {name: value for name, value in given.items() if value is not None} or None


def naming_flags(
    run: Callable[[argparse.Namespace], int], parser: argparse.ArgumentParser
) -> Callable[[argparse.Namespace], int]:
    """`run`, with its UsageError messages naming `parser`'s flags where the library
    names its keywords: `target_psnr` or `target-psnr` becomes `--target-psnr`. Keywords
    of two words or more are rewritten anywhere; a lone word such as "quality" only where
    it is listed beside a flag ("--target-psnr and quality"), since elsewhere it is prose."""
    every = {
        action.dest: max(action.option_strings, key=len)
        for action in parser._actions  # argparse keeps no public list of its flags
        if action.option_strings
    }
    patterns = [
        (re.compile(rf"(?<![\w-])(?:{dest}|{dest.replace('_', '-')})(?![\w-])"), flag)
        for dest, flag in every.items()
        if "_" in dest
    ]
    # a lone word listed beside a flag ("--target-psnr and quality") is a keyword too
    beside = re.compile(r"(--[\w-]+ and )(\w+)\b")

    def flag_beside(match: re.Match[str]) -> str:
        return match.group(1) + every.get(match.group(2), match.group(2))

    def run_naming_flags(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except UsageError as exc:
            text = str(exc)
            for pattern, flag in patterns:
                text = pattern.sub(flag, text)
            text = beside.sub(flag_beside, text)
            if text == str(exc):
                raise
            raise type(exc)(text) from None

    return run_naming_flags
