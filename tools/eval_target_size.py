"""How well --target-size / --target-bpp fills the budget: never over, how far below.

    python tools/eval_target_size.py ../shared/datasets/kodak --bpp 0.05 0.1 0.25

Per image and budget: the auto encoder's stream bytes against the budget (fill %), the
scale it chose and its PSNR-RGB. The target is "never over, within 3 % below".
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

import srcodec
from srcodec import metrics
from srcodec.search.effort import DEFAULT_EFFORT


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--bpp", type=float, nargs="+", default=[0.05, 0.1, 0.25])
    p.add_argument("--effort", type=int, default=DEFAULT_EFFORT)
    p.add_argument("--metric", default="psnr", help="what the size targets optimise")
    args = p.parse_args(argv)
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    cols = "over budget | within 3 % | fill mean | fill min | scale 1/2+ | PSNR mean | s/image"
    print(f"| bpp | images | {cols} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for bpp in args.bpp:
        fills, scales, psnrs, times = [], [], [], []
        for f in files:
            rgb = np.asarray(Image.open(f).convert("RGB"))
            budget = int(bpp * rgb.shape[0] * rgb.shape[1] / 8)
            start = time.perf_counter()
            data = srcodec.encode(rgb, target_bpp=bpp, effort=args.effort, metric=args.metric)
            times.append(time.perf_counter() - start)
            fills.append(100 * len(data) / budget)
            scales.append(srcodec.info(data)["scale"])
            psnrs.append(metrics.psnr(rgb, np.asarray(srcodec.decode(data).convert("RGB"))))
        over = sum(fl > 100 for fl in fills)
        within = sum(97 <= fl <= 100 for fl in fills)
        print(
            f"| {bpp} | {len(files)} | {over} | {within} | {statistics.mean(fills):.1f} % | "
            f"{min(fills):.1f} % | {sum(s == 1 for s in scales)}/{sum(s > 1 for s in scales)} | "
            f"{statistics.mean(psnrs):.2f} | {statistics.mean(times):.2f} |"
        )


if __name__ == "__main__":
    main()
