"""Bits of the learned base's two entropy models on the same latents, per quality.

python tools/bench_context_model.py ../shared/datasets/kodak

For each image and quality the shipped model's latents are coded as payload version 0
(one table per channel) and version 1 (context model, srcodec.base.learned_context); the
table gives the mean bits per pixel of both and the time of the entropy coding alone
(encode + decode per image; the reference, version 0, measured in the same run). Pixels
are identical: only the entropy coding differs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec import entropy
from srcodec.base import learned, learned_context


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--qualities", default="0,20,40,70,100")
    args = p.parse_args(argv)
    qualities = [int(q) for q in args.qualities.split(",")]
    m = learned.model()
    if m.context is None:
        msg = "the shipped learned-base model has no context model"
        raise SystemExit(msg)
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    print(f"learned-base {m.hash.hex()}, {len(files)} images of {args.folder}\n")
    print("| quality | version 0 bpp | version 1 bpp | saving | v0 ms | v1 ms |")
    print("|---|---|---|---|---|---|")
    for q in qualities:
        bits = np.zeros(2)
        seconds = np.zeros(2)
        pixels = 0
        for f in files:
            with Image.open(f) as im:
                rgb = np.asarray(im.convert("RGB"))
            y = learned.analyse(m.net, rgb, q)
            pixels += rgb.shape[0] * rgb.shape[1]
            for version, (encode, decode) in enumerate(
                [
                    (
                        lambda y: entropy.encode(y.reshape(len(y), -1), m.tables),
                        lambda w, e, y: entropy.decode(w, e, m.tables, y[0].size),
                    ),
                    (
                        lambda y: learned_context.encode(y, m.context),
                        lambda w, e, y: learned_context.decode(w, e, m.context, y.shape),
                    ),
                ]
            ):
                start = time.perf_counter()
                words, esc = encode(y)
                back = decode(words, esc, y)
                seconds[version] += time.perf_counter() - start
                if not np.array_equal(back.reshape(y.shape), y):
                    msg = f"{f.name} q{q}: version {version} does not round-trip"
                    raise SystemExit(msg)
                bits[version] += 8 * (len(words) + len(esc))
        bpp = bits / pixels
        ms = 1000 * seconds / len(files)
        print(
            f"| {q} | {bpp[0]:.4f} | {bpp[1]:.4f} | {100 * (1 - bpp[1] / bpp[0]):.1f} % "
            f"| {ms[0]:.0f} | {ms[1]:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
