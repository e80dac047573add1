"""`srcodec enhance`: restore an existing JPEG, WebP or AVIF file with a learned filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srcodec.cli import arguments
from srcodec.cli.exits import EXIT_OK
from srcodec.cli.files import check_paths
from srcodec.cli.status import say
from srcodec.printable import printable

if TYPE_CHECKING:
    import argparse


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `enhance` subcommand to argparse subparsers `sub`."""
    enh = sub.add_parser(
        "enhance", help="restore an existing JPEG/WebP/AVIF file with a learned filter"
    )
    enh.add_argument("input", help="a JPEG, lossy WebP or AVIF file")
    enh.add_argument("output", help="the restored image (PNG by default; provenance kept)")
    from srcodec.enhance import FORMATS

    defaults = ", ".join(f"{f.tool} for {f.label}" for f in FORMATS.values())
    enh.add_argument(
        "--tool",
        choices=("auto", *dict.fromkeys(sorted(f.tool for f in FORMATS.values()))),
        default="auto",
        help=f"learned filter (default auto: {defaults})",
    )
    arguments.add_device(enh)
    enh.add_argument("-q", "--quiet", action="store_true", help="no status line")
    enh.set_defaults(func=arguments.naming_flags(run, enh))
    return enh


def run(args: argparse.Namespace) -> int:
    from srcodec.enhance import enhance_file

    check_paths(args.input, args.output, writes="image")
    result = enhance_file(args.input, args.output, args.tool, args.device)
    say(args, f"{printable(args.output)}: {result.provenance}")
    return EXIT_OK
