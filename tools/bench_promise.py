"""The default encoder's promise, image by image: "at least as good as plain AVIF qQ on
this image, in no more bytes" (issue 28), in SSIMULACRA 2, with PSNR and Butteraugli beside.

    python tools/bench_promise.py ../shared/datasets/kodak --qualities 30 60 80 \
        --json results/promise-kodak.json

For every image and quality it makes the reference (Pillow AVIF at qQ, speed 6, its
defaults) and `srcodec.encode(image, quality=Q)`, decodes both and prints one row: bytes,
SSIMULACRA 2, PSNR and Butteraugli 3-norm (where butteraugli_main is installed) of each,
whether the promise held, and the encode times of both in this run. The last lines count
the pairs that kept the promise and give the median time ratio.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

import srcodec
from srcodec import metrics
from srcodec.metrics import butteraugli
from srcodec.search.effort import DEFAULT_EFFORT


def _avif(rgb: np.ndarray, quality: int) -> tuple[bytes, float]:
    buf = io.BytesIO()
    started = time.perf_counter()
    Image.fromarray(rgb).save(buf, "AVIF", quality=quality, speed=6)
    return buf.getvalue(), time.perf_counter() - started


def _scores(rgb: np.ndarray, decoded: np.ndarray) -> dict[str, float | None]:
    ba = butteraugli.butteraugli(rgb, decoded).pnorm3 if butteraugli.missing() is None else None
    return {
        "ssimulacra2": metrics.ssimulacra2(rgb, decoded),
        "psnr": metrics.psnr(rgb, decoded),
        "butteraugli": ba,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset", type=Path)
    p.add_argument("--qualities", type=int, nargs="+", default=[30, 60, 80])
    p.add_argument("--limit", type=int, help="the first N images only")
    p.add_argument("--effort", type=int, default=DEFAULT_EFFORT)
    p.add_argument("--json", type=Path, help="also write every row here")
    args = p.parse_args(argv)
    images = sorted(x for x in args.dataset.iterdir() if x.suffix.lower() == ".png")
    images = images[: args.limit]
    rows = []
    print(
        "image      Q | AVIF bytes  S2     PSNR  BA   | srcodec bytes  S2     PSNR  BA   "
        "| kept | enc s AVIF / srcodec"
    )
    for path in images:
        with Image.open(path) as img:
            rgb = np.asarray(img.convert("RGB"))
        for q in args.qualities:
            ref, ref_s = _avif(rgb, q)
            with Image.open(io.BytesIO(ref)) as img:
                ref_scores = _scores(rgb, np.asarray(img.convert("RGB")))
            started = time.perf_counter()
            ours = srcodec.encode(rgb, quality=q, effort=args.effort)
            ours_s = time.perf_counter() - started
            our_scores = _scores(rgb, np.asarray(srcodec.decode(ours).convert("RGB")))
            kept = bool(
                len(ours) <= len(ref) and our_scores["ssimulacra2"] >= ref_scores["ssimulacra2"]
            )
            row = {
                "image": path.name,
                "quality": q,
                "avif_bytes": len(ref),
                "srcodec_bytes": len(ours),
                "avif": ref_scores,
                "srcodec": our_scores,
                "kept": kept,
                "avif_seconds": ref_s,
                "srcodec_seconds": ours_s,
            }
            rows.append(row)
            ba = [
                "-" if s["butteraugli"] is None else f"{s['butteraugli']:.2f}"
                for s in (ref_scores, our_scores)
            ]
            print(
                f"{path.stem:<10} {q:>2} | {len(ref):>10} {ref_scores['ssimulacra2']:6.2f} "
                f"{ref_scores['psnr']:5.2f} {ba[0]:>4} | {len(ours):>13} "
                f"{our_scores['ssimulacra2']:6.2f} {our_scores['psnr']:5.2f} {ba[1]:>4} | "
                f"{'yes' if kept else 'NO':>4} | {ref_s:.2f} / {ours_s:.2f}",
                flush=True,
            )
    kept = sum(r["kept"] for r in rows)
    saved = [1 - r["srcodec_bytes"] / r["avif_bytes"] for r in rows]
    gained = [r["srcodec"]["ssimulacra2"] - r["avif"]["ssimulacra2"] for r in rows]
    ratio = statistics.median(r["srcodec_seconds"] / r["avif_seconds"] for r in rows)
    print(f"promise kept on {kept} of {len(rows)} (image, quality) pairs")
    print(
        f"bytes saved: median {statistics.median(saved):.1%}, SSIMULACRA 2 gained: median "
        f"{statistics.median(gained):+.2f}; encode time: median {ratio:.1f}x Pillow AVIF's"
    )
    if args.json:
        clean = json.loads(json.dumps(rows, default=lambda v: None))
        for r in clean:
            for side in ("avif", "srcodec"):
                psnr = r[side]["psnr"]
                r[side]["psnr"] = None if psnr is None or math.isinf(psnr) else psnr
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(clean, indent=1) + "\n")
    return 0 if kept == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
