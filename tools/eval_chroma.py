"""Chroma at x1: how much of the error is chroma (oracle), and how much restore wins back.

    python tools/eval_chroma.py [--qualities 30 50 70]

On the restore model's held-out validation photos (never trained on; not Kodak), coded with
Pillow AVIF speed 6 in 4:2:0 (Pillow's default, tune iq) and 4:4:4 (tune psnr): PSNR-RGB of
the plain decode, of the decode with its chroma replaced by the original's (the oracle: what
perfect chroma restoration would give), and of the restore filter; plus Cb and Cr PSNR
(BT.601 full range) before and after restore.
"""

from __future__ import annotations

import argparse
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from srcodec.train.data import held_out
from srcodec.upscale.restore import Restore

SETTINGS = {
    "4:2:0": {"subsampling": "4:2:0"},
    "4:4:4": {"subsampling": "4:4:4", "advanced": {"tune": "psnr"}},
}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * math.log10(255**2 / np.mean((a.astype(np.float64) - b) ** 2))


def ycbcr(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("YCbCr"), dtype=np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/train")
    ap.add_argument("--qualities", type=int, nargs="+", default=[30, 50, 70])
    args = ap.parse_args()
    from srcodec.upscale import SideInfo

    tool = Restore()
    print("| layout | q | plain dB | chroma oracle | restore | Cb plain -> restore | Cr ... |")
    print("|---|---|---|---|---|---|---|")
    for layout, opts in SETTINGS.items():
        for q in args.qualities:
            acc = np.zeros(7)
            images = held_out(Path(args.data))
            for path in images:
                hr = np.asarray(Image.open(path).convert("RGB"))
                hr = np.ascontiguousarray(hr[: hr.shape[0] // 2 * 2, : hr.shape[1] // 2 * 2])
                buf = io.BytesIO()
                Image.fromarray(hr).save(buf, "AVIF", quality=q, speed=6, **opts)
                dec = np.asarray(Image.open(buf).convert("RGB"))
                side = SideInfo("avif", q, 1, layout == "4:2:0")
                out = tool.upscale(dec, side, "cpu")
                y_hr, y_dec, y_out = ycbcr(hr), ycbcr(dec), ycbcr(out)
                oracle = np.concatenate([y_dec[..., :1], y_hr[..., 1:]], axis=2)
                oracle_rgb = np.asarray(Image.fromarray(oracle, "YCbCr").convert("RGB"))
                acc += [
                    psnr(hr, dec),
                    psnr(hr, oracle_rgb) - psnr(hr, dec),
                    psnr(hr, out) - psnr(hr, dec),
                    psnr(y_hr[..., 1], y_dec[..., 1]),
                    psnr(y_hr[..., 1], y_out[..., 1]),
                    psnr(y_hr[..., 2], y_dec[..., 2]),
                    psnr(y_hr[..., 2], y_out[..., 2]),
                ]
            m = acc / len(images)
            print(
                f"| {layout} | {q} | {m[0]:.2f} | +{m[1]:.2f} | +{m[2]:.3f} | "
                f"{m[3]:.2f} -> {m[4]:.2f} | {m[5]:.2f} -> {m[6]:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
