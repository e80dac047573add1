"""Quality of upscalers on the same bytes: mean bpp and PSNR per base quality.

    python tools/eval_upscale.py --set kodak --base avif --qualities 20 30 40 50
    python tools/eval_upscale.py --set set5 --base png --y-shave 2     # clean x2, Y-PSNR

Each image is encoded once through `search.encode_manual` (bicubic in HEAD, so no model hash) and
decoded through `decoder.decode(..., upscaler=name)` for every upscaler: the bytes, hence
the bpp, are identical across upscalers. PSNR is RGB over the whole image (metrics.psnr), or
luma with `--y-shave` border pixels removed, the SR-paper convention (metrics.psnr_y).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec import decoder, metrics
from srcodec.search import encode_manual
from srcodec.upscale import UPSCALERS

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def evaluate(
    files: list[Path],
    base: str,
    qualities: list[int | None],
    scale: int,
    upscalers: list[str],
    device: str,
    y_shave: int | None,
) -> dict[str, dict[str, list[float]]]:
    """{upscaler: {"bpp": [...], "psnr": [...]}}, one mean per quality."""
    out: dict[str, dict[str, list[float]]] = {u: {"bpp": [], "psnr": []} for u in upscalers}
    for q in qualities:
        bpp: list[float] = []
        scores: dict[str, list[float]] = {u: [] for u in upscalers}
        for path in files:
            with Image.open(path) as img:
                hr = np.asarray(img.convert("RGB"))
            data = encode_manual(Image.fromarray(hr), scale=scale, base=base, quality=q)
            bpp.append(len(data) * 8 / (hr.shape[0] * hr.shape[1]))
            for name in upscalers:
                dec = np.asarray(decoder.decode(data, device=device, upscaler=name))
                if y_shave is None:
                    scores[name].append(metrics.psnr(dec, hr))
                else:
                    scores[name].append(metrics.psnr_y(dec, hr, shave=y_shave))
        for name in upscalers:
            out[name]["bpp"].append(float(np.mean(bpp)))
            out[name]["psnr"].append(float(np.mean(scores[name])))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set", default="kodak", help="folder under ../shared/datasets")
    p.add_argument("--base", default="avif")
    p.add_argument("--qualities", type=int, nargs="*", default=[20, 30, 40, 50])
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--upscalers", nargs="*", default=None, help="default: all usable")
    p.add_argument("--device", default="cpu")
    p.add_argument("--y-shave", type=int, default=None, help="Y-PSNR with this border shave")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    files = sorted((DATASETS / args.set).glob("*.png"))
    names = args.upscalers or [e.name for e in UPSCALERS if not e.missing()]
    qualities: list[int | None] = [None] if args.base == "png" else list(args.qualities)
    res = evaluate(files, args.base, qualities, args.scale, names, args.device, args.y_shave)
    metric = "PSNR-RGB" if args.y_shave is None else f"Y-PSNR (shave {args.y_shave})"
    print(f"{args.set} ({len(files)} images), {args.base} x{args.scale}, mean {metric} dB")
    print(f"{'q':>4} {'bpp':>7} " + " ".join(f"{n:>9}" for n in names) + "  gain vs " + names[0])
    ref = res[names[0]]["psnr"]
    for i, q in enumerate(qualities):
        row = " ".join(f"{res[n]['psnr'][i]:>9.3f}" for n in names)
        gains = " ".join(f"{res[n]['psnr'][i] - ref[i]:+.3f}" for n in names[1:])
        print(f"{q or '-':>4} {res[names[0]]['bpp'][i]:>7.4f} {row}  {gains}")
    mean = " ".join(f"{np.mean(res[n]['psnr']):>9.3f}" for n in names)
    gains = " ".join(f"{np.mean(res[n]['psnr']) - np.mean(ref):+.3f}" for n in names[1:])
    print(f"{'mean':>12} {mean}  {gains}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
