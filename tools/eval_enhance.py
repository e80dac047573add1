"""`srcodec enhance` on JPEG/WebP/AVIF files made from a test set: dB over the plain decode.

    python tools/eval_enhance.py ../shared/datasets/kodak --format jpeg --quality 20 30 40 60 80

Each image is coded by Pillow at each quality (JPEG 4:2:0 defaults, WebP method 6, AVIF
speed 6 defaults), then enhanced exactly as the CLI does (quality read or estimated from
the file); PSNR-RGB against the original, mean over images.
"""

from __future__ import annotations

import argparse
import io
import statistics
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec import metrics
from srcodec.enhance import enhance

PIL_FORMAT = {"jpeg": ("JPEG", {}), "webp": ("WEBP", {"method": 6}), "avif": ("AVIF", {})}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--format", choices=sorted(PIL_FORMAT), default="jpeg")
    p.add_argument("--quality", type=int, nargs="+", default=[20, 30, 40, 60, 80])
    p.add_argument("--tool", default="auto")
    args = p.parse_args(argv)
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    fmt, opts = PIL_FORMAT[args.format]
    print("| format | quality | images | plain dB | enhanced dB | gain dB | quality read |")
    print("|---|---|---|---|---|---|---|")
    for q in args.quality:
        plain, better, read = [], [], []
        for f in files:
            rgb = np.asarray(Image.open(f).convert("RGB"))
            buf = io.BytesIO()
            Image.fromarray(rgb).save(buf, format=fmt, quality=q, **opts)
            data = buf.getvalue()
            decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            result = enhance(data, args.tool, "cpu")
            plain.append(metrics.psnr(rgb, decoded))
            better.append(metrics.psnr(rgb, np.asarray(result.image.convert("RGB"))))
            read.append(result.quality)
        gain = statistics.mean(b - a for a, b in zip(plain, better, strict=True))
        print(
            f"| {args.format} | {q} | {len(files)} | {statistics.mean(plain):.2f} | "
            f"{statistics.mean(better):.2f} | {gain:+.3f} | {min(read)}-{max(read)} |"
        )


if __name__ == "__main__":
    main()
