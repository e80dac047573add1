"""Encode/decode time per base codec on one Kodak image, against Pillow on the same LR.

    python tools/bench_codec.py [IMAGE] [--runs 7] [--scale 2] [--upscaler bicubic]

srcodec's times cover the whole pipeline (load excluded: the image is in memory; encode =
downsample + base encode + container; decode = parse + base decode + the upscaler, bicubic
unless --upscaler names a learned one, e.g. restore at scale 1). The
reference is Pillow encoding/decoding the same LR image with the same settings, measured in
the same run, so the ratio says what srcodec adds on top of the base codec.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

import srcodec
from srcodec.base import BASE_CODECS
from srcodec.base.pillow import PILLOW_CODECS
from srcodec.resample import downsample

KODIM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "kodak" / "kodim23.png"


def median_time(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=str(KODIM))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--upscaler", default="bicubic")
    args = parser.parse_args()
    hr = np.asarray(Image.open(args.image).convert("RGB"))
    lr = downsample(hr, args.scale)
    print(
        f"image {args.image} {hr.shape[1]}x{hr.shape[0]}, scale {args.scale}, "
        f"upscaler {args.upscaler}, median of {args.runs} runs, Pillow {Image.__version__}"
    )
    header = (
        "| base | q | bytes | srcodec enc ms | Pillow enc ms | ratio | "
        "srcodec dec ms | Pillow dec ms | ratio |"
    )
    print(header)
    print("|" + "---|" * 9)
    for name in BASE_CODECS.names():
        print(bench_one(name, hr, lr, args.scale, args.runs, args.upscaler))


def bench_one(
    name: str, hr: np.ndarray, lr: np.ndarray, scale: int, runs: int, upscaler: str
) -> str:
    quality = BASE_CODECS.entry(name).get().default_quality
    data = srcodec.encode(hr, scale=scale, base=name, quality=quality, upscaler=upscaler)
    # a base of our own (learned) has no Pillow twin: its reference is Pillow WebP, the
    # peer its rate-distortion targets name
    codec = PILLOW_CODECS.get(name) or PILLOW_CODECS["webp"]
    kwargs = dict(codec.options)
    if codec.default_quality is not None:
        kwargs["quality"] = codec.default_quality
    lr_img = Image.fromarray(lr)

    def pil_encode() -> bytes:
        buf = io.BytesIO()
        lr_img.save(buf, format=codec.pil_format, **kwargs)
        return buf.getvalue()

    payload = pil_encode()

    def pil_decode() -> None:
        Image.open(io.BytesIO(payload)).load()

    def our_encode() -> None:
        srcodec.encode(hr, scale=scale, base=name, quality=quality, upscaler=upscaler)

    def our_decode() -> None:
        srcodec.decode(data)

    enc, ref_enc = median_time(our_encode, runs), median_time(pil_encode, runs)
    dec, ref_dec = median_time(our_decode, runs), median_time(pil_decode, runs)
    q = "-" if quality is None else str(quality)
    label = name if name in PILLOW_CODECS else f"{name} (ref: Pillow {codec.name})"
    return (
        f"| {label} | {q} | {len(data)} | {enc * 1e3:.1f} | {ref_enc * 1e3:.1f} | "
        f"{enc / ref_enc:.2f} | {dec * 1e3:.1f} | {ref_dec * 1e3:.1f} | {dec / ref_dec:.2f} |"
    )


if __name__ == "__main__":
    main()
