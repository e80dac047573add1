"""`srcodec compare`: the argparse side (the work is in build and page).

Importing this module is cheap: srcodec.cli imports it on every run to list the subcommand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srcodec.errors import FileError, UsageError
from srcodec.search.effort import DEFAULT_EFFORT
from srcodec.terminal import add_subcommand

if TYPE_CHECKING:
    import argparse

EPILOG = """\
codec specs (repeat --codec; default: the three below), the `srcodec rd` syntax:
  avif:quality=0:100:1,speed=6    webp:quality=0:100:1    jpeg:quality=1:100:1
Each spec is coded at the grid point whose file is closest to, and not above, the budget:
the srcodec stream's size, or --target-bpp. srcodec's auto encode is always the first panel.
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `compare` subcommand to argparse subparsers `sub`."""
    p = add_subcommand(
        sub,
        "compare",
        summary="HTML page: decodes at matched size beside the original",
        description="Code IMAGE with srcodec (auto) and each --codec at matched file size and "
        "write one self-contained HTML page: a before/after slider, synchronised zoom, "
        "bpp/PSNR/MS-SSIM per decode, and a mark where detail was synthesized.",
        epilog=EPILOG,
    )
    p.add_argument("image", help="any image Pillow reads")
    p.add_argument("--out", required=True, help="the HTML page to write")
    p.add_argument("--codec", action="append", metavar="SPEC", help="one peer; repeatable")
    p.add_argument(
        "--target-bpp",
        type=float,
        metavar="B",
        help="budget in bits/pixel for every codec, srcodec included (default: the size of "
        "srcodec's auto encode)",
    )
    p.add_argument(
        "--quality",
        type=int,
        default=None,
        help="srcodec's auto target without --target-bpp: as good as AVIF at Q (default 60)",
    )
    p.add_argument(
        "--effort", type=int, default=DEFAULT_EFFORT, help="srcodec's encoder effort 1-9"
    )
    p.add_argument(
        "--browser-decode",
        action="store_true",
        help="write a page that decodes the srcodec stream in the browser (web/ decoder) beside "
        "the browser's own decode of the matched-size AVIF, with decode times; the .srz and "
        ".avif files go beside the page, which must be served over HTTP",
    )
    p.add_argument("--decoder-url", help="with --browser-decode: URL of web/src/index.js")
    p.add_argument("--models-url", help="with --browser-decode: URL of the models folder")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from srcodec.compare import build, page
    from srcodec.image_io import write_atomic

    image, out = Path(args.image), Path(args.out)
    if out.exists() and image.exists() and out.resolve() == image.resolve():
        msg = f"--out {out} is the input image"
        raise UsageError(msg)
    if out.is_dir():
        msg = f"--out {out} is a folder; give the HTML file to write"
        raise FileError(msg)
    if not out.parent.resolve().is_dir():  # say so now, not after minutes of encoding
        msg = f"--out {out}: folder {out.parent} does not exist"
        raise FileError(msg)
    specs = build.parse_specs(args.codec)  # bad specs fail before any encode
    if args.browser_decode:
        from srcodec.compare import browser

        if args.decoder_url is None or args.models_url is None:
            browser.default_urls(out)  # no web/ decoder: say so before encoding
    progress = None if args.quiet else (lambda text: print(text, file=sys.stderr))
    comparison = build.build(
        image,
        specs,
        target_bpp=args.target_bpp,
        quality=args.quality,
        effort=args.effort,
        progress=progress,
    )
    if args.browser_decode:
        written = browser.write(comparison, specs, out, args.decoder_url, args.models_url)
        if not args.quiet:
            names = ", ".join(str(p) for p in written)
            print(f"wrote {names}; serve them over HTTP (ES modules do not load from file://)")
        return 0
    blob = page.render(comparison).encode("utf-8")
    write_atomic(out, lambda f: f.write(blob))
    if not args.quiet:
        print(f"wrote {out} ({len(blob) / 1e6:.1f} MB, {len(comparison.panels)} decodes)")
    return 0
