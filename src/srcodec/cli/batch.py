"""`srcodec batch`: the argparse side (the work is in srcodec.batch.runner).

Importing this module is cheap: the parser imports it on every run to list the subcommand.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from srcodec.cli import arguments
from srcodec.errors import UsageError
from srcodec.metrics.scoring import DEFAULT_METRIC, SCORINGS
from srcodec.search.effort import DEFAULT_EFFORT
from srcodec.terminal import add_subcommand, shows_progress

if TYPE_CHECKING:
    import argparse

EPILOG = """\
SRC and DST are folders or fsspec URLs (memory://, s3://bucket/prefix, gs://...).
Encode (default): every image Pillow reads -> DST/same/path.srz.
Decode: every .srz -> DST/same/path.png (--format for another image type).
DST/.srcodec-batch.jsonl records each finished output: run the same command again after
an interruption and only what is missing is done. Exit status 1 if any file failed.
"""

# options that belong to one mode: giving them in the other is a usage error
_ENCODE_ONLY = (
    "quality",
    *(spec.target_keyword for spec in SCORINGS.values()),
    "target_size",
    "target_bpp",
    "metric",
    "effort",
    "scale",
    "base",
    "speed",
    "subsampling",
    "tune",
    "strip",
)
_DECODE_ONLY = ("lr_only", "format", "max_pixels", "max_memory")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `batch` subcommand to argparse subparsers `sub`."""
    from srcodec.batch.engines import ENGINES

    p = add_subcommand(
        sub,
        "batch",
        summary="encode or decode a tree of files, resumably, on local cores or a Dask cluster",
        description="Transcode the tree SRC into DST, keeping relative paths. Outputs are "
        "written atomically and recorded in a manifest, so an interrupted run is resumed by "
        "running it again. A bad file is reported and skipped.",
        epilog=EPILOG,
    )
    p.add_argument("src", metavar="SRC", help="source folder or fsspec URL")
    p.add_argument("dst", metavar="DST", help="output folder or fsspec URL (created if missing)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--encode",
        dest="mode",
        action="store_const",
        const="encode",
        help="images -> .srz (default)",
    )
    mode.add_argument(
        "--decode", dest="mode", action="store_const", const="decode", help=".srz -> images"
    )
    run = p.add_argument_group("running")
    run.add_argument(
        "--jobs",
        type=arguments.positive,
        default=None,
        help="worker processes (default: all cores; --engine dask: local cluster workers)",
    )
    run.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local process pool (default) or a Dask distributed cluster (`srcodec[batch]`)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="--engine dask: a running cluster's scheduler (tcp://host:8786); "
        "default: start a local cluster of --jobs workers",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    run.add_argument("--device", default=None, help="auto | cpu | cuda[:N] (default auto)")
    enc = p.add_argument_group("encode (the options of `srcodec encode`)")
    enc.add_argument(
        "--quality",
        type=arguments.quality,
        default=None,
        help="auto: as good as plain AVIF at this quality (default 60); with --base: its quality",
    )
    arguments.add_targets(enc)
    enc.add_argument(
        "--metric",
        choices=list(SCORINGS),
        default=None,
        help=f"what targets optimise (default {DEFAULT_METRIC})",
    )
    arguments.add_effort(
        enc, default=None, help_text=f"search effort (default {DEFAULT_EFFORT}; 1 fastest)"
    )
    arguments.add_pins(
        enc,
        upscaler_default=None,
        upscaler_help="encode: the decoder tool to record (default auto); decode: override the "
        "stream's (default: the stream's)",
    )
    enc.add_argument("--strip", action="store_true", default=None, help="drop ICC and EXIF")
    dec = p.add_argument_group("decode")
    dec.add_argument(
        "--lr-only",
        action="store_true",
        default=None,
        help="write the transmitted low-resolution images",
    )
    dec.add_argument("--format", default=None, help="image type of the outputs (default png)")
    dec.add_argument(
        "--max-pixels",
        type=arguments.positive,
        default=None,
        help="skip streams whose header declares more pixels (default: Pillow's bomb limit)",
    )
    arguments.add_memory_limit(dec, verb="skip", scope="; per worker")
    p.set_defaults(func=arguments.naming_flags(run_command, p))
    return p


def settings_from(args: argparse.Namespace) -> Any:
    """The Settings an argparse namespace asks for; options of the other mode: UsageError."""
    from srcodec.batch.settings import Settings, image_extension

    mode = args.mode or "encode"
    wrong = _DECODE_ONLY if mode == "encode" else _ENCODE_ONLY
    given = [name for name in wrong if getattr(args, name) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        msg = f"{flag} does not apply to --{mode}"
        raise UsageError(msg)
    device = args.device or "auto"
    if mode == "decode":
        decode = {"device": device, "lr_only": bool(args.lr_only)}
        if args.upscaler not in (None, "auto"):
            decode["upscaler"] = args.upscaler
        if args.max_pixels is not None:
            decode["max_pixels"] = args.max_pixels
        if args.max_memory is not None:
            decode["max_memory"] = args.max_memory << 20
        return Settings("decode", decode=decode, ext=image_extension(args.format or "png"))
    encode = {
        "quality": args.quality,
        "scale": args.scale,
        "base": args.base,
        "upscaler": args.upscaler or "auto",
        "metric": args.metric or DEFAULT_METRIC,
        **arguments.targets(args),
        "options": arguments.base_options(args),
        "keep_metadata": not args.strip,
        "device": device,
    }
    if args.effort is not None:
        encode["effort"] = args.effort
    return Settings("encode", encode=encode)


def run_command(args: argparse.Namespace) -> int:
    from srcodec.batch.runner import run_batch

    summary = run_batch(
        args.src,
        args.dst,
        settings_from(args),
        engine=args.engine,
        jobs=args.jobs,
        scheduler=args.scheduler,
        progress=shows_progress(args),
    )
    if not args.quiet:
        print("\n".join(summary_lines(summary, args.dst)))
    for source, why in summary.errors:  # even with -q: a failure is never silent
        print(f"srcodec: error: {source}: {why}", file=sys.stderr)
    return 1 if summary.errors else 0


def summary_lines(s: Any, dst: str) -> list[str]:
    rate = s.done / s.seconds if s.seconds else 0.0
    lines = [
        f"files     {s.files}: {s.done} done now, {s.skipped} already done, "
        f"{len(s.errors)} errors ({s.seconds:.1f} s, {rate:.2f} files/s)",
        f"bytes     {s.in_bytes:,} in -> {s.out_bytes:,} out, savings {s.savings:.1f} %",
    ]
    if s.other:
        lines.append(f"left      {s.other} other files (not what this mode transcodes)")
    if s.hidden:
        lines.append(f"left      {s.hidden} hidden files and symlinks (never followed)")
    if s.errors:
        names = ", ".join(source for source, _ in s.errors)
        lines.append(f"errors    {names}")
    lines.append(f"manifest  {os.path.join(dst, '.srcodec-batch.jsonl')}")
    return lines
