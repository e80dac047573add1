"""Whole-decode time of auto streams, against Pillow decoding the same AVIF payload.

    python tools/bench_decode.py ../shared/datasets/kodak [--quality 60] [--threads 2]

Each image is encoded once with the defaults (not timed); then `srcodec.decode` of the
stream (parse + AVIF decode + the recorded learned tool, torch warm) and Pillow's decode of
the stream's own AVIF payload are timed in the same run, median of --repeat.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import srcodec
from srcodec import format as fmt


def median_time(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--quality", type=int, default=60)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    files = files[: args.limit] if args.limit else files
    srcodec.decode(srcodec.encode(np.zeros((64, 64, 3), np.uint8), quality=50))  # warm
    print(f"torch {torch.__version__}, {args.threads} threads; median of {args.repeat}")
    print("| image | upscaler | srcodec decode s | Pillow AVIF decode s |")
    print("|---|---|---|---|")
    rows = []
    for f in files:
        data = srcodec.encode(Image.open(f).convert("RGB"), quality=args.quality)
        payload = fmt.read(data).base_payload
        t_src = median_time(lambda d=data: srcodec.decode(d), args.repeat)
        t_pil = median_time(lambda b=payload: Image.open(io.BytesIO(b)).load(), args.repeat)
        upscaler = srcodec.info(data)["upscaler"]
        rows.append((upscaler, t_src, t_pil))
        print(f"| {f.name} | {upscaler} | {t_src:.3f} | {t_pil:.4f} |")
    learned = [r[1] for r in rows if r[0] != "bicubic"]
    mean_learned = statistics.mean(learned) if learned else 0.0
    print(
        f"mean: all {statistics.mean(r[1] for r in rows):.3f} s; learned-tool streams "
        f"{len(learned)}/{len(rows)}, {mean_learned:.3f} s, max {max(r[1] for r in rows):.3f} s;"
        f" Pillow {statistics.mean(r[2] for r in rows):.4f} s"
    )


if __name__ == "__main__":
    main()
