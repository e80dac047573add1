"""Bits of the learned base's entropy models on the same latents, per quality.

python tools/bench_context_model.py ../shared/datasets/kodak [--plain-sum ../shared/datasets/train]

For each image and quality the shipped model's latents are coded as payload version 0
(one table per channel) and version 1 (context model, srcodec.base.learned_context); the
table gives the mean bits per pixel of both and the time of the entropy coding alone
(encode + decode per image; the reference, version 0, measured in the same run). Pixels
are identical: only the entropy coding differs. With --plain-sum, a context model without
activity weights (the plain sum of the earlier channels' magnitudes, as the first version 1
models) is refitted on those training images (about 4 minutes) and coded too, so the
table also shows what the fitted weights save.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec import entropy
from srcodec.base import learned, learned_context

Coder = tuple[Callable[[np.ndarray], tuple[bytes, bytes]], Callable[..., np.ndarray]]


def _context_coder(context: learned_context.ContextModel) -> Coder:
    return (
        lambda y: learned_context.encode(y, context),
        lambda w, e, y: learned_context.decode(w, e, context, y.shape),
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--qualities", default="0,20,40,70,100")
    p.add_argument(
        "--plain-sum", type=Path, metavar="TRAIN_DATA", help="also a refitted plain-sum model"
    )
    args = p.parse_args(argv)
    qualities = [int(q) for q in args.qualities.split(",")]
    m = learned.model()
    if m.context is None:
        msg = "the shipped learned-base model has no context model"
        raise SystemExit(msg)
    coders: list[Coder] = [
        (
            lambda y: entropy.encode(y.reshape(len(y), -1), m.tables),
            lambda w, e, y: entropy.decode(w, e, m.tables, y[0].size),
        ),
        _context_coder(m.context),
    ]
    header = "| quality | version 0 bpp | version 1 bpp | saving | v0 ms | v1 ms |"
    if args.plain_sum:
        from srcodec.train.learned_base import LearnedBaseFamily

        plain = LearnedBaseFamily().context_model(m.net, args.plain_sum, weighted=False)
        coders.append(_context_coder(plain))
        header += " plain-sum bpp | weights save |"
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    print(f"learned-base {m.hash.hex()}, {len(files)} images of {args.folder}\n")
    print(header)
    print("|---" * header.count(" |") + "|")
    for q in qualities:
        bits = np.zeros(len(coders))
        seconds = np.zeros(len(coders))
        pixels = 0
        for f in files:
            with Image.open(f) as im:
                rgb = np.asarray(im.convert("RGB"))
            y = learned.analyse(m.net, rgb, q)
            pixels += rgb.shape[0] * rgb.shape[1]
            for i, (encode, decode) in enumerate(coders):
                start = time.perf_counter()
                words, esc = encode(y)
                back = decode(words, esc, y)
                seconds[i] += time.perf_counter() - start
                if not np.array_equal(back.reshape(y.shape), y):
                    msg = f"{f.name} q{q}: entropy model {i} does not round-trip"
                    raise SystemExit(msg)
                bits[i] += 8 * (len(words) + len(esc))
        bpp = bits / pixels
        ms = 1000 * seconds / len(files)
        row = (
            f"| {q} | {bpp[0]:.4f} | {bpp[1]:.4f} | {100 * (1 - bpp[1] / bpp[0]):.1f} % "
            f"| {ms[0]:.0f} | {ms[1]:.0f} |"
        )
        if args.plain_sum:
            row += f" {bpp[2]:.4f} | {100 * (1 - bpp[1] / bpp[2]):.1f} % |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
