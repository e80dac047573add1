"""`srcodec rd`: the argparse side of the RD tool (the work is in srcodec.rd.runner).

Importing this module is cheap: srcodec.cli imports it on every run to list the subcommand.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srcodec.errors import BackendUnavailableError, UsageError
from srcodec.terminal import add_subcommand, shows_progress

if TYPE_CHECKING:
    import argparse

_NEEDS = ("matplotlib", "scipy")  # the `rd` extra

EPILOG = """\
codec specs (repeat --codec; default: the Kodak set of docs/history.md):
  srcodec:base=avif,scale=2,upscaler=bicubic,quality=10:90:10
  jpeg:quality=5:95:5[,subsampling=4:2:0]    webp:quality=20/40/60[,method=6]
  avif:quality=10:90:10[,speed=6]            jpeg2000:quality=26:40:2[,mode=dB|rates]
quality=START:STOP:STEP is inclusive; A/B/C is a list; name=... renames the curve.
jpeg2000 quality is a target PSNR in dB (mode=dB) or a compression ratio (mode=rates).
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `rd` subcommand to argparse subparsers `sub`."""
    p = add_subcommand(
        sub,
        "rd",
        summary="measure rate-distortion curves on a folder of images",
        description="Measure RD curves (bpp, PSNR-RGB, PSNR-Y, MS-SSIM, times) and write "
        "CompressAI-format JSON, rows.csv, plots and a BD-rate table (bd.md); with --html, "
        "also report.html.",
        epilog=EPILOG,
    )
    p.add_argument("dataset", help="folder of images (e.g. Kodak)")
    p.add_argument("--out", required=True, help="results folder (cache in OUT/.cache)")
    p.add_argument("--codec", action="append", metavar="SPEC", help="one sweep; repeatable")
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: all cores)",
    )
    p.add_argument("--limit", type=int, default=None, help="use only the first N images")
    p.add_argument(
        "--reference",
        default=None,
        help="published CompressAI-format JSON file, or a folder of them, to plot and BD-rate",
    )
    p.add_argument(
        "--anchor", default=None, help="BD anchor curve, by name or name prefix (default: jpeg)"
    )
    p.add_argument(
        "--html",
        action="store_true",
        help="also write OUT/report.html: the plots and BD tables as one self-contained page",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    missing = [m for m in _NEEDS if importlib.util.find_spec(m) is None]
    if missing:
        msg = f"srcodec rd needs {', '.join(missing)}: pip install 'srcodec[rd]'"
        raise BackendUnavailableError(msg)
    from srcodec.rd.runner import DEFAULT_SPECS, run_rd

    if args.jobs < 1:
        msg = f"--jobs must be at least 1, got {args.jobs}"
        raise UsageError(msg)
    out = Path(args.out)
    outcome = run_rd(
        Path(args.dataset),
        out,
        args.codec or DEFAULT_SPECS,
        jobs=args.jobs,
        limit=args.limit,
        reference=Path(args.reference) if args.reference else None,
        anchor=args.anchor,
        progress=shows_progress(args),
        html=args.html,
    )
    for path, reason in outcome.skipped:  # reported even with -q: results lack these
        print(f"srcodec: error: {path}: {reason} (skipped)", file=sys.stderr)
    if outcome.skipped:
        names = ", ".join(p.name for p, _ in outcome.skipped)
        count = len(outcome.skipped)
        print(f"srcodec: skipped {count} unreadable image(s): {names}", file=sys.stderr)
    if not args.quiet:
        print((out / "bd.md").read_text(), end="")
        print(
            f"{outcome.computed} rows measured, {outcome.cached} from cache; "
            f"wrote {len(outcome.files)} files to {out}"
        )
    return 0
