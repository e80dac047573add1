"""The `srcodec` command: encode | decode | info | enhance | compare | batch | rd | demo.

Only this module prints and only it catches SrcodecError: one line on stderr,
`srcodec: error: ...`, exit 1 for bad data or I/O, 2 for bad usage. Outputs are written
atomically and never over the input.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from srcodec.base.pillow import KNOBS
from srcodec.errors import SrcodecError, UsageError
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.metrics.scoring import DEFAULT_METRIC, SCORINGS, add_target_flags
from srcodec.search.effort import DEFAULT_EFFORT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage dump
        self.exit(EXIT_USAGE, f"srcodec: error: {message} (see `{self.prog} --help`)\n")


def _quality(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        msg = f"quality must be an integer 0-100, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= value <= 100:
        msg = f"quality must be 0-100, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a positive integer, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


_LIMIT_HELP = (
    "refuse streams whose header declares more pixels than this, before decoding "
    f"(default {DEFAULT_MAX_PIXELS:,}, Pillow's decompression-bomb threshold)"
)


def build_parser() -> argparse.ArgumentParser:
    from srcodec import __version__
    from srcodec.base import BASE_CODECS
    from srcodec.upscale import UPSCALERS

    parser = _Parser(prog="srcodec", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"srcodec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    enc = sub.add_parser(
        "encode",
        help="image -> .srz (default: the smallest stream as good as AVIF q60)",
        description="Auto mode (default): search per image for the smallest stream that "
        "reaches the target. --base without a --target-* codes that base at --quality "
        "as given (manual mode).",
    )
    enc.add_argument("input", help="any image Pillow reads; - for standard input")
    enc.add_argument("output", help="the .srz file to write; - for standard output")
    tgt = enc.add_argument_group("target (one of; default --quality 60)")
    tgt.add_argument(
        "--quality",
        type=_quality,
        default=None,
        help="auto: at least the quality (--metric) plain AVIF reaches at this quality, "
        "in no more bytes (default 60); with --base: that codec's quality",
    )
    add_target_flags(tgt)
    tgt.add_argument(
        "--target-size", type=_positive, metavar="BYTES", help="best quality in BYTES, never over"
    )
    tgt.add_argument("--target-bpp", type=float, metavar="B", help="best quality in B bits/pixel")
    enc.add_argument(
        "--metric",
        choices=list(SCORINGS),
        default=DEFAULT_METRIC,
        help=f"what --quality and --target-size optimise (default {DEFAULT_METRIC}: "
        "SSIMULACRA 2, what people see; psnr: PSNR-RGB)",
    )
    enc.add_argument(
        "--effort",
        type=int,
        choices=range(1, 10),
        default=DEFAULT_EFFORT,
        metavar="1-9",
        help=f"search effort like cjxl -e (default {DEFAULT_EFFORT}; 1 fastest, 9 slowest)",
    )
    enc.add_argument("--explain", action="store_true", help="print what the search tried")
    pins = enc.add_argument_group("pins (restrict the search; all are searched by default)")
    pins.add_argument(
        "--scale", type=int, choices=(1, 2, 3, 4), default=None, help="downsampling factor"
    )
    pins.add_argument(
        "--base",
        choices=BASE_CODECS.names(),
        default=None,
        help="base codec; without a --target-* this is manual mode",
    )
    pins.add_argument(
        "--upscaler",
        choices=[*UPSCALERS.names(), "auto"],
        default="auto",
        help="decoder tool (default auto: the encoder keeps the learned tool only where it "
        "beats the plain decode/bicubic on this image)",
    )
    pins.add_argument("--speed", type=int, choices=range(0, 11), metavar="0-10", help="AVIF speed")
    pins.add_argument("--subsampling", choices=("4:2:0", "4:4:4"), help="AVIF/JPEG chroma")
    pins.add_argument("--tune", choices=KNOBS["avif"]["tune"], help="libaom tune (AVIF)")
    enc.add_argument("--strip", action="store_true", help="drop ICC profile and EXIF")
    enc.add_argument(
        "--first-frame",
        action="store_true",
        help="code frame 0 of an animated GIF/WebP/PNG (refused without this flag)",
    )
    enc.add_argument(
        "--max-pixels",
        type=_positive,
        default=DEFAULT_MAX_PIXELS,
        help=f"refuse input images larger than this (default {DEFAULT_MAX_PIXELS:,})",
    )
    enc.add_argument("-q", "--quiet", action="store_true", help="no status line")

    dec = sub.add_parser("decode", help=".srz -> image")
    dec.add_argument("input", help="the .srz stream; - for standard input")
    dec.add_argument(
        "output", help="output image; format by extension (PNG by default); - for PNG on stdout"
    )
    dec.add_argument("--device", default="auto", help="auto | cpu | cuda[:N] (default auto)")
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
    dec.add_argument("--max-pixels", type=_positive, default=DEFAULT_MAX_PIXELS, help=_LIMIT_HELP)
    dec.add_argument(
        "--max-memory",
        type=_positive,
        metavar="MIB",
        help="refuse, before decoding, a stream whose decode would need more than MIB "
        "mebibytes (the estimate of SPEC section 8); default: no limit",
    )

    inf = sub.add_parser("info", help="describe a .srz stream, or list codecs without INPUT")
    inf.add_argument("input", nargs="?", help="the .srz stream; - for standard input")
    inf.add_argument("--json", action="store_true", help="machine-readable output")
    inf.add_argument("--max-pixels", type=_positive, default=DEFAULT_MAX_PIXELS, help=_LIMIT_HELP)

    enh = sub.add_parser(
        "enhance", help="restore an existing JPEG/WebP/AVIF file with a learned filter"
    )
    enh.add_argument("input", help="a JPEG, lossy WebP or AVIF file")
    enh.add_argument("output", help="the restored image (PNG by default; provenance kept)")
    enh.add_argument(
        "--tool",
        choices=("auto", "restore", "cnn"),
        default="auto",
        help="learned filter (default auto: cnn for JPEG, restore for WebP/AVIF)",
    )
    enh.add_argument("--device", default="auto", help="auto | cpu | cuda[:N] (default auto)")
    enh.add_argument("-q", "--quiet", action="store_true", help="no status line")

    demo = sub.add_parser("demo", help="encode + decode a bundled sample image")
    demo.add_argument(
        "--out", default="srcodec-demo", help="folder to write (default srcodec-demo)"
    )

    try:
        from srcodec.rd.command import add_parser as add_rd_parser
    except ImportError:  # rd needs the `rd` extra only when run, not to exist
        add_rd_parser = None
    if add_rd_parser is not None:
        add_rd_parser(sub)
    from srcodec.batch.command import add_parser as add_batch_parser

    add_batch_parser(sub)
    from srcodec.compare.command import add_parser as add_compare_parser

    add_compare_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    import warnings

    from srcodec.errors import LossWarning

    default_show = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *rest: object, **kw: object) -> None:
        if issubclass(category, LossWarning):  # one line, like errors
            print(f"srcodec: warning: {message}", file=sys.stderr)
        else:
            default_show(message, category, *rest, **kw)  # type: ignore[arg-type]

    warnings.showwarning = show
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command in ("encode", "decode") and not extra[0].startswith("-"):
        _error(
            f"{args.command} takes one INPUT and one OUTPUT, got {2 + len(extra)} paths; for "
            f"many files use `srcodec batch SRC_DIR DST_DIR --{args.command}`"
        )
        return EXIT_USAGE
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args) if hasattr(args, "func") else _COMMANDS[args.command](args)
    except UsageError as exc:
        _error(exc)
        return EXIT_USAGE
    except SrcodecError as exc:
        _error(exc)
        return EXIT_DATA
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
        return EXIT_DATA
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _error(exc: object) -> None:
    text = " ".join(str(exc).split())  # always exactly one line
    print(f"srcodec: error: {text}", file=sys.stderr)


STDIO = "-"


def _stdin_bytes(name: str) -> bytes | str:
    """`-`: the bytes on standard input; any other name is returned as is."""
    if name != STDIO:
        return name
    data = sys.stdin.buffer.read()
    if not data:
        msg = "standard input is empty"
        raise UsageError(msg)
    return data


def _say(args: argparse.Namespace, text: str) -> None:
    """Status lines go to stdout, or to stderr when stdout carries the output (`-`)."""
    if not args.quiet:
        print(text, file=sys.stderr if args.output == STDIO else sys.stdout)


@contextlib.contextmanager
def _progress(
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


def _check_paths(src: str, dst: str, writes: str) -> None:
    """Before any work: the output can be written where asked, is not the input, and its
    extension does not promise another kind of file (`writes`: "srz" or "image")."""
    if dst != STDIO:
        out = Path(dst)
        if out.is_dir():
            msg = f"output {dst} is a folder; give a file name"
            raise UsageError(msg)
        parent = out.parent
        if parent.exists() and not parent.is_dir():
            msg = f"output {dst}: {parent} is a file, not a folder"
            raise UsageError(msg)
        if not parent.is_dir():
            msg = f"output folder {parent} does not exist"
            raise UsageError(msg)
        if not os.access(parent, os.W_OK):
            msg = f"output {dst}: no permission to write in {parent}"
            raise UsageError(msg)
        if src != STDIO and out.exists() and Path(src).exists() and os.path.samefile(src, dst):
            msg = f"output {dst} is the input; refusing to overwrite it"
            raise UsageError(msg)
        _check_extension(out, writes)


def _check_extension(out: Path, writes: str) -> None:
    from PIL import Image

    suffix = out.suffix.lower()
    # .srz itself is registered with Pillow once srcodec.pillow is imported
    if writes == "srz" and suffix != ".srz" and suffix in Image.registered_extensions():
        msg = f"output {out} would hold an .srz stream under an image extension; name it .srz"
        raise UsageError(msg)
    if writes == "image" and suffix == ".srz":
        msg = f"output {out} would hold an image under the .srz extension; name it .png"
        raise UsageError(msg)


def _source(args: argparse.Namespace) -> object:
    """The image to encode: a path loaded under --max-pixels, or standard input's bytes;
    an animation only with --first-frame (then frame 0, with a warning)."""
    from PIL import UnidentifiedImageError

    from srcodec import image_io

    if args.input != STDIO and not args.first_frame:
        return image_io.load(args.input, max_pixels=args.max_pixels)
    data = _stdin_bytes(args.input)
    name = "standard input" if args.input == STDIO else args.input
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
    except (UnidentifiedImageError, OSError) as exc:
        msg = f"{name} is not an image Pillow reads ({exc})"
        raise UsageError(msg) from None
    if frames > 1:
        import warnings

        from srcodec.errors import LossWarning

        warnings.warn(f"{name}: coded frame 0 of {frames}", LossWarning, stacklevel=1)
    return source


def cmd_encode(args: argparse.Namespace) -> int:
    from srcodec import image_io, stream_info

    _check_paths(args.input, args.output, writes="srz")
    if args.input != STDIO and Path(args.input).is_dir():
        msg = (
            f"{args.input} is a folder; encode one image at a time, "
            "or a folder with `srcodec batch SRC DST`"
        )
        raise UsageError(msg)
    if args.input != STDIO and not Path(args.input).exists():
        msg = f"{args.input}: no such file"
        raise UsageError(msg)
    source = _source(args)
    with _progress(args, "encode", unit=" candidates") as progress:
        data, explanation = _encode(args, source, lambda n: progress(n, 0))
    if args.explain:
        lines = explanation.lines() if explanation else ["manual mode: nothing searched"]
        print("\n".join(lines), file=sys.stderr if args.output == STDIO else sys.stdout)
    if args.output == STDIO:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        image_io.write_atomic(args.output, lambda f: f.write(data))
    i = stream_info.info(data)
    q = "" if i["quality"] is None else f" q{i['quality']}"
    _say(
        args,
        f"{args.output}: {i['file_bytes']} bytes, {i['bpp']:.4f} bpp; "
        f"{i['width']}x{i['height']} -> {i['lr_width']}x{i['lr_height']} "
        f"{i['base']}{q}, upscaler {i['upscaler']}",
    )
    return EXIT_OK


def _encode(args: argparse.Namespace, source: object, progress: Callable[[int], None]) -> Any:
    from srcodec.encoder import encode_explained

    options = {
        k: v
        for k, v in (("speed", args.speed), ("subsampling", args.subsampling), ("tune", args.tune))
        if v is not None
    }
    return encode_explained(
        source,
        quality=args.quality,
        scale=args.scale,
        base=args.base,
        upscaler=args.upscaler,
        metric=args.metric,
        **{spec.target_keyword: getattr(args, spec.target_keyword) for spec in SCORINGS.values()},
        target_size=args.target_size,
        target_bpp=args.target_bpp,
        effort=args.effort,
        options=options or None,
        keep_metadata=not args.strip,
        max_pixels=args.max_pixels,
        progress=progress,
    )


def cmd_decode(args: argparse.Namespace) -> int:
    from srcodec import decoder, image_io

    _check_paths(args.input, args.output, writes="image")
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
    with _progress(args, "decode") as progress:
        if not args.report:
            size, report = decoder.decode_to_file(
                _stdin_bytes(args.input), args.output, progress=progress, **options
            )
        else:  # the report needs the whole output image in memory
            img, report = decoder.decode_with_report(args.input, progress=progress, **options)
            image_io.save_image(img, args.output, text={decoder.PROVENANCE_KEY: report.provenance})
            size = img.size
            print(
                f"LR consistency: {_lr_consistency(args.input, img):.2f} dB "
                "(PSNR of the output downsampled vs the transmitted LR image)",
                file=sys.stderr if args.output == STDIO else sys.stdout,
            )
    where = f" on {report.device}" if report.device not in ("cpu", "none") else ""
    _say(args, f"{args.output}: {size[0]}x{size[1]}{where}; {report.provenance}")
    return EXIT_OK


def _lr_consistency(stream_path: str, img: object) -> float:
    import numpy as np

    from srcodec import decoder, image_io, metrics, resample
    from srcodec import format as fmt

    stream = fmt.read(image_io.read_bytes(stream_path))
    lr = decoder.decode_lr(stream)
    pixels = image_io.load(img).pixels
    back = resample.downsample(pixels, stream.header.scale)
    return metrics.psnr(np.asarray(back), lr)


def cmd_info(args: argparse.Namespace) -> int:
    from srcodec import stream_info

    if args.input is None:
        return _list_components(args.json)
    details = stream_info.info(_stdin_bytes(args.input), max_pixels=args.max_pixels)
    if args.json:
        print(json.dumps(details, indent=2))
    else:
        for key, value in details.items():
            print(f"{key:15s} {_plain(value)}")
    return EXIT_OK


def _plain(value: object) -> str:
    """A value of `info` as a person reads it (--json keeps the types)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def _list_components(as_json: bool) -> int:
    from srcodec.base import BASE_CODECS
    from srcodec.upscale import UPSCALERS

    rows = []
    for kind, registry in (("base", BASE_CODECS), ("upscaler", UPSCALERS)):
        for entry in registry:
            missing = entry.missing()
            rows.append(
                {
                    "kind": kind,
                    "name": entry.name,
                    "id": entry.wire_id,
                    "available": missing is None,
                    "reason": missing,
                    "summary": entry.summary,
                }
            )
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            state = "yes" if r["available"] else f"no ({r['reason']})"
            print(
                f"{r['kind']:9s} {r['name']:10s} id {r['id']:<3d} "
                f"available: {state:5s} {r['summary']}"
            )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    import numpy as np

    from srcodec import decoder, image_io, metrics, stream_info
    from srcodec.encoder import encode_explained

    sample = Path(__file__).parent / "data" / "sample.png"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data, explanation = encode_explained(sample)
    stream_path = out / "sample.srz"
    image_io.write_atomic(stream_path, lambda f: f.write(data))
    img, report = decoder.decode_with_report(data)
    decoded_path = out / "sample-decoded.png"
    image_io.save_image(img, decoded_path, text={"srcodec": report.provenance})
    lr_img = decoder.decode(data, lr_only=True)
    lr_path = out / "sample-lr.png"
    image_io.save_image(lr_img, lr_path, text={"srcodec": lr_img.info["srcodec"]})
    i = stream_info.info(data)
    original = image_io.load(sample).pixels
    quality = metrics.psnr(original, np.asarray(img))
    print(f"sample      {sample} ({i['width']}x{i['height']})")
    print(
        f"settings    scale {i['scale']}, base {i['base']} q{i['quality']}, "
        f"upscaler {i['upscaler']}"
    )
    print(f"size        {i['file_bytes']} bytes ({i['overhead_bytes']} container overhead)")
    ref = explanation.reference if explanation else None
    if ref is not None:
        saved = 100 * (1 - i["file_bytes"] / ref.stream_bytes)
        print(
            f"vs AVIF     {explanation.target.describe()}: plain AVIF is {ref.stream_bytes} "
            f"bytes at {ref.score:.2f} dB; srcodec is {saved:.1f} % smaller"
        )
    print(f"bpp         {i['bpp']:.4f}")
    print(f"PSNR        {quality:.2f} dB (RGB, vs the original)")
    print(f"wrote       {stream_path}, {decoded_path}, {lr_path}")
    print(f"provenance  {report.provenance}")
    return EXIT_OK


def cmd_enhance(args: argparse.Namespace) -> int:
    from srcodec.enhance import enhance_file

    _check_paths(args.input, args.output, writes="image")
    if not Path(args.input).is_file():
        msg = f"{args.input}: no such file"
        raise UsageError(msg)
    result = enhance_file(args.input, args.output, args.tool, args.device)
    _say(args, f"{args.output}: {result.provenance}")
    return EXIT_OK


_COMMANDS = {
    "encode": cmd_encode,
    "decode": cmd_decode,
    "info": cmd_info,
    "enhance": cmd_enhance,
    "demo": cmd_demo,
}


if __name__ == "__main__":
    sys.exit(main())
