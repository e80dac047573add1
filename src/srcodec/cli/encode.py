"""`srcodec encode`: one image -> one .srz stream (auto mode searches, --base alone is manual)."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING, Any

from srcodec.cli import arguments
from srcodec.cli.exits import EXIT_OK
from srcodec.cli.files import STDIO, check_paths, stdin_bytes
from srcodec.cli.status import naming_files, progress_bar, report_stream, say
from srcodec.errors import FileError
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.metrics.scoring import DEFAULT_METRIC, SCORINGS
from srcodec.printable import printable
from srcodec.search.effort import DEFAULT_EFFORT

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable


SUMMARY = "image -> .srz (default: the smallest stream as good as AVIF q60)"
DESCRIPTION = (
    "Auto mode (default): search per image for the smallest stream that reaches the target. "
    "--base without a --target-* codes that base at --quality as given (manual mode)."
)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `encode` subcommand to argparse subparsers `sub`."""
    enc = sub.add_parser("encode", help=SUMMARY, description=DESCRIPTION)
    enc.add_argument("input", help="any image Pillow reads; - for standard input")
    enc.add_argument("output", help="the .srz file to write; - for standard output")
    tgt = enc.add_argument_group("target (one of; default --quality 60)")
    tgt.add_argument(
        "--quality",
        type=arguments.quality,
        default=None,
        help="auto: at least the quality (--metric) plain AVIF reaches at this quality, "
        "in no more bytes (default 60); with --base: that codec's quality",
    )
    arguments.add_targets(tgt)
    enc.add_argument(
        "--metric",
        choices=list(SCORINGS),
        default=DEFAULT_METRIC,
        help=f"what --quality and --target-size optimise (default {DEFAULT_METRIC}: "
        "SSIMULACRA 2, what people see; psnr: PSNR-RGB)",
    )
    arguments.add_effort(
        enc,
        default=DEFAULT_EFFORT,
        help_text=f"search effort like cjxl -e (default {DEFAULT_EFFORT}; 1 fastest, 9 slowest)",
    )
    enc.add_argument("--explain", action="store_true", help="print what the search tried")
    pins = enc.add_argument_group("pins (restrict the search; all are searched by default)")
    arguments.add_pins(
        pins,
        upscaler_default="auto",
        upscaler_help="decoder tool (default auto: the encoder keeps the learned tool only "
        "where it beats the plain decode/bicubic on this image)",
    )
    enc.add_argument("--strip", action="store_true", help="drop ICC profile and EXIF")
    enc.add_argument(
        "--first-frame",
        action="store_true",
        help="code frame 0 of an animated GIF/WebP/PNG (refused without this flag)",
    )
    enc.add_argument(
        "--max-pixels",
        type=arguments.positive,
        default=DEFAULT_MAX_PIXELS,
        help=f"refuse input images larger than this (default {DEFAULT_MAX_PIXELS:,})",
    )
    enc.add_argument("-q", "--quiet", action="store_true", help="no status line")
    enc.set_defaults(func=arguments.naming_flags(run, enc))
    return enc


def run(args: argparse.Namespace) -> int:
    from srcodec import image_io, stream_info

    check_paths(args.input, args.output, writes="srz")  # the input too: a file, not a folder
    source = _source(args)
    with progress_bar(args, "encode", unit=" candidates") as progress:
        data, explanation = _encode(args, source, lambda n: progress(n, 0))
    if args.explain:
        lines = explanation.lines() if explanation else ["manual mode: nothing searched"]
        print("\n".join(lines), file=report_stream(args))
    with naming_files(args.input, args.output):
        if args.output == STDIO:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            image_io.write_atomic(args.output, lambda f: f.write(data))
    i = stream_info.info(data)
    q = "" if i["quality"] is None else f" q{i['quality']}"
    say(
        args,
        f"{printable(args.output)}: {i['file_bytes']} bytes, {i['bpp']:.4f} bpp; "
        f"{i['width']}x{i['height']} -> {i['lr_width']}x{i['lr_height']} "
        f"{i['base']}{q}, upscaler {i['upscaler']}",
    )
    return EXIT_OK


def _source(args: argparse.Namespace) -> object:
    """The image to encode: a path loaded under --max-pixels, or standard input's bytes;
    an animation only with --first-frame (then frame 0, with a warning)."""
    from PIL import UnidentifiedImageError

    from srcodec import image_io

    if args.input != STDIO and not args.first_frame:
        return image_io.load(args.input, max_pixels=args.max_pixels)
    data = stdin_bytes(args.input)
    name = "standard input" if args.input == STDIO else printable(args.input)
    try:
        with image_io.open_limited(
            io.BytesIO(data) if isinstance(data, bytes) else data, args.max_pixels
        ) as img:
            frames = getattr(img, "n_frames", 1)
            if not args.first_frame:
                image_io.refuse_animation(img, name)
            img.seek(0)
            img.load()
            source = image_io.load(img)
    except UnidentifiedImageError:
        msg = f"{name} is not an image format Pillow can read"
        raise FileError(msg) from None
    except OSError as exc:  # Pillow's messages may carry a repr of the buffer: not shown
        msg = f"{name} is not an image Pillow reads ({exc.strerror or type(exc).__name__})"
        raise FileError(msg) from None
    if frames > 1:
        import warnings

        from srcodec.errors import LossWarning

        warnings.warn(f"{name}: coded frame 0 of {frames}", LossWarning, stacklevel=1)
    return source


def _encode(args: argparse.Namespace, source: object, progress: Callable[[int], None]) -> Any:
    from srcodec.encoder import encode_explained

    return encode_explained(
        source,
        quality=args.quality,
        scale=args.scale,
        base=args.base,
        upscaler=args.upscaler,
        metric=args.metric,
        **arguments.targets(args),
        effort=args.effort,
        options=arguments.base_options(args),
        keep_metadata=not args.strip,
        max_pixels=args.max_pixels,
        progress=progress,
    )
