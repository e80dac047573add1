"""Auto-encoder time and size per image, against Pillow AVIF in the same run.

    python tools/bench_encode.py ../shared/datasets/kodak [--quality 60] [--effort 4]

The PSNR promise (`--metric psnr`, the default here; the default encoder's SSIMULACRA 2
promise is tools/bench_promise.py). For each image: `srcodec.encode` (auto mode, target "as
good as AVIF at --quality" in PSNR, in memory) wall time; Pillow AVIF speed 6 (defaults)
and AVIF with its best settings (4:4:4, tune=psnr) at speeds 5 and 3 on the same image at
the same quality as references, timed in the same run; bytes of the srcodec stream vs the
AVIF s6 file, and whether the stream reached the reference PSNR.
torch and the model are loaded before timing (a warm process, as in `srcodec batch`).
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
from srcodec import metrics
from srcodec.search.effort import DEFAULT_EFFORT


def avif(rgb: np.ndarray, quality: int, **kw: object) -> tuple[float, bytes]:
    buf = io.BytesIO()
    start = time.perf_counter()
    Image.fromarray(rgb).save(buf, format="AVIF", quality=quality, **kw)
    return time.perf_counter() - start, buf.getvalue()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--quality", type=int, default=60)
    p.add_argument("--effort", type=int, default=DEFAULT_EFFORT)
    p.add_argument("--limit", type=int, default=0, help="first N images only")
    p.add_argument("--metric", default="psnr", help="the encoder's metric (default psnr)")
    args = p.parse_args(argv)
    files = sorted(f for f in args.folder.iterdir() if f.suffix.lower() == ".png")
    files = files[: args.limit] if args.limit else files
    warm = np.zeros((64, 64, 3), np.uint8)
    kw = {"quality": args.quality, "effort": args.effort, "metric": args.metric}
    srcodec.encode(warm, **kw)  # torch + model load
    rows = []
    head = "image        srcodec s  avif-s6 s  best-s5 s best-s3 s  ratio-s6  bytes  avif-s6 B"
    print(head + "  saved %  reached")
    for f in files:
        rgb = np.asarray(Image.open(f).convert("RGB"))
        start = time.perf_counter()
        data, _ = srcodec.encode_explained(rgb, **kw)
        t_src = time.perf_counter() - start
        t6, ref = avif(rgb, args.quality, speed=6)
        best = {"subsampling": "4:4:4", "advanced": {"tune": "psnr"}}
        t5, _ = avif(rgb, args.quality, speed=5, **best)
        t3, _ = avif(rgb, args.quality, speed=3, **best)
        decoded = np.asarray(srcodec.decode(data).convert("RGB"))
        ref_dec = np.asarray(Image.open(io.BytesIO(ref)).convert("RGB"))
        reached = metrics.psnr(rgb, decoded) >= metrics.psnr(rgb, ref_dec) - 1e-9
        saved = 100 * (1 - len(data) / len(ref))
        rows.append((t_src, t6, t5, t3, len(data), len(ref), saved, reached))
        print(
            f"{f.name:<12} {t_src:9.2f} {t6:10.2f} {t5:9.2f} {t3:9.2f} {t_src / t6:9.2f} "
            f"{len(data):6d} {len(ref):10d} {saved:8.1f}  {reached}"
        )
    mean = [statistics.mean(r[i] for r in rows) for i in range(7)]
    print(
        f"{'mean':<12} {mean[0]:9.2f} {mean[1]:10.2f} {mean[2]:9.2f} {mean[3]:9.2f} "
        f"{mean[0] / mean[1]:9.2f} {mean[4]:6.0f} {mean[5]:10.0f} {mean[6]:8.1f}  "
        f"{sum(r[7] for r in rows)}/{len(rows)}"
    )
    print(f"max srcodec s: {max(r[0] for r in rows):.2f}")


if __name__ == "__main__":
    main()
