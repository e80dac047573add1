"""Default-encode time and peak memory on large photos, against Pillow AVIF q60 in the same run.

    python tools/bench_encode_large.py --mosaic ../shared/datasets/train \
        --kodak ../shared/datasets/kodak --kodak-limit 6 --out docs/measured/encode-large.json

There is no 12-Mpixel photo in ../shared, so `--mosaic` builds one honestly from real
photos at their own resolution: the 600-row centre band of every wiki_*.png at least 600
rows tall, laid side by side and cut into five 4000-pixel rows (4000x3000, no resampling,
no pixel used twice). Each image is encoded in its own child process (a warm one: torch
and the models loaded first, as in `srcodec batch`): `srcodec.encode` with the defaults
(wall time, bytes, peak RSS of the process and its rise over the warm process), then
Pillow AVIF at quality 60 (its defaults) on the same pixels, timed in the same child.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

MOSAIC_ROWS, MOSAIC_WIDTH, BAND = 5, 4000, 600


def mosaic(folder: Path) -> np.ndarray:
    photos = [np.asarray(Image.open(f).convert("RGB")) for f in sorted(folder.glob("wiki_*.png"))]
    bands = [p[(p.shape[0] - BAND) // 2 :][:BAND] for p in photos if p.shape[0] >= BAND]
    strip = np.concatenate(bands, 1)
    rows = [strip[:, r * MOSAIC_WIDTH : (r + 1) * MOSAIC_WIDTH] for r in range(MOSAIC_ROWS)]
    return np.ascontiguousarray(np.concatenate(rows, 0))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(rgb: np.ndarray, out: multiprocessing.Queue) -> None:
    import srcodec

    srcodec.encode(np.zeros((64, 64, 3), np.uint8))  # torch + models loaded
    warm = _rss_mib()
    start = time.perf_counter()
    data, why = srcodec.encode_explained(rgb)
    t_src = time.perf_counter() - start
    peak = _rss_mib()
    buf = io.BytesIO()
    start = time.perf_counter()
    Image.fromarray(rgb).save(buf, format="AVIF", quality=60)
    t_avif = time.perf_counter() - start
    chosen = why.chosen
    out.put(
        {
            "srcodec_s": round(t_src, 2),
            "avif_q60_s": round(t_avif, 2),
            "ratio": round(t_src / t_avif, 2),
            "srcodec_bytes": len(data),
            "avif_q60_bytes": len(buf.getvalue()),
            "peak_rss_mib": round(peak),
            "warm_rss_mib": round(warm),
            "candidates": len(why.trials),
            "chosen": f"{chosen.choice.describe()} {chosen.upscaler}" if chosen else "",
        }
    )


def measure(name: str, rgb: np.ndarray) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_measure, args=(rgb, queue))
    child.start()
    row = {"image": name, "size": f"{rgb.shape[1]}x{rgb.shape[0]}", **queue.get()}
    child.join()
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mosaic", type=Path, help="folder of wiki_*.png photos")
    p.add_argument("--kodak", type=Path)
    p.add_argument("--kodak-limit", type=int, default=6, help="every 4th image, up to N")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    rows = []
    if args.mosaic:
        rows.append(measure("wiki mosaic 12 Mpx", mosaic(args.mosaic)))
    if args.kodak:
        files = sorted(args.kodak.glob("kodim*.png"))[::4][: args.kodak_limit]
        for f in files:
            rows.append(measure(f.name, np.asarray(Image.open(f).convert("RGB"))))
    load = os.getloadavg()[0]
    result = {
        "command": "python tools/bench_encode_large.py " + " ".join(sys.argv[1:]),
        "load_average_1min_at_end": round(load, 2),
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
