"""`srcodec decode`: one .srz stream -> one image (or the transmitted low-resolution image)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srcodec.cli import arguments
from srcodec.cli.exits import EXIT_OK
from srcodec.cli.files import STDIO, check_paths, stdin_bytes
from srcodec.cli.status import naming_files, progress_bar, report_stream, say
from srcodec.errors import UsageError
from srcodec.printable import printable

if TYPE_CHECKING:
    import argparse

# devices not worth naming in the status line
_PLAIN_DEVICES = ("cpu", "none")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `decode` subcommand to argparse subparsers `sub`."""
    from srcodec.upscale import UPSCALERS

    dec = sub.add_parser("decode", help=".srz -> image")
    dec.add_argument("input", help="the .srz stream; - for standard input")
    dec.add_argument(
        "output", help="output image; format by extension (PNG by default); - for PNG on stdout"
    )
    arguments.add_device(dec)
    dec.add_argument(
        "--lr-only", action="store_true", help="write only the transmitted low-resolution image"
    )
    dec.add_argument(
        "--upscaler",
        choices=UPSCALERS.names(),
        default=None,
        help="override the upscaler recorded in the stream",
    )
    dec.add_argument(
        "--report",
        action="store_true",
        help="print LR consistency: PSNR of the downsampled output vs the decoded LR",
    )
    dec.add_argument("-q", "--quiet", action="store_true", help="no status line, no progress")
    arguments.add_stream_pixel_limit(dec)
    arguments.add_memory_limit(dec, verb="refuse")
    dec.set_defaults(func=arguments.naming_flags(run, dec))
    return dec


def run(args: argparse.Namespace) -> int:
    from srcodec import decoder, image_io

    check_paths(args.input, args.output, writes="image")
    if args.report and args.lr_only:
        msg = "--report compares the upscaled output with the LR image; not with --lr-only"
        raise UsageError(msg)
    if args.report and args.input == STDIO:
        msg = "--report needs the stream as a file, not standard input"
        raise UsageError(msg)
    options = {
        "device": args.device,
        "lr_only": args.lr_only,
        "upscaler": args.upscaler,
        "max_pixels": args.max_pixels,
        "max_memory": None if args.max_memory is None else args.max_memory << 20,
    }
    with naming_files(args.input, args.output), progress_bar(args, "decode") as progress:
        if not args.report:
            size, report = decoder.decode_to_file(
                stdin_bytes(args.input), args.output, progress=progress, **options
            )
        else:  # the report needs the whole output image in memory
            img, report = decoder.decode_with_report(args.input, progress=progress, **options)
            image_io.save_image(img, args.output, text={decoder.PROVENANCE_KEY: report.provenance})
            size = img.size
            print(_consistency_line(args.input, img, report.header.scale), file=report_stream(args))
    where = f" on {report.device}" if report.device not in _PLAIN_DEVICES else ""
    say(args, f"{printable(args.output)}: {size[0]}x{size[1]}{where}; {report.provenance}")
    return EXIT_OK


def _consistency_line(stream_path: str, img: object, scale: int) -> str:
    """`--report`'s line; at scale 1 nothing was downsampled, so it does not say so."""
    how = "the output downsampled" if scale > 1 else "the output"
    return (
        f"LR consistency: {_lr_consistency(stream_path, img):.2f} dB "
        f"(PSNR of {how} vs the transmitted LR image)"
    )


def _lr_consistency(stream_path: str, img: object) -> float:
    """PSNR of the decoded image downsampled by the stream's scale vs the transmitted LR."""
    import numpy as np

    from srcodec import decoder, image_io, metrics, resample
    from srcodec import format as fmt

    stream = fmt.read(image_io.read_bytes(stream_path))
    lr = decoder.decode_lr(stream)
    pixels = image_io.load(img).pixels
    back = resample.downsample(pixels, stream.header.scale)
    return metrics.psnr(np.asarray(back), lr)
