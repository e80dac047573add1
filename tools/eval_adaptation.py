"""Oracle bounds of per-image adaptation of the restore filter (issue 14, item 4).

    python tools/eval_adaptation.py [--qualities 35 55 75]

On the restore model's held-out validation images (training-set photos it never trains on;
not Kodak), coded with AVIF speed 6, 4:4:4, tune psnr, it measures what the encoder could
buy by signalling, per image, (a) a residual scale per RGB channel (3 numbers, ~3 bytes),
(b) a least-squares 1x1 correction from the last features to the 12 output planes (396
numbers quantised to 2^-9; its bytes estimated from the empirical entropy of the values), and
(c) a 64 px tile on/off map chosen with the original (1 bit per tile before coding). All
gains are oracle gains over the shipped filter, before subtracting their bytes.
"""

from __future__ import annotations

import argparse
import io
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from srcodec import weights
from srcodec.train.data import held_out
from srcodec.upscale import restore

TILE = 64
STEP = 2.0**-9  # quantiser of the 1x1 correction


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * math.log10(255**2 / np.mean((a.astype(np.float64) - b) ** 2))


def to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(x * 255 + 0.5), 0, 255)


def measure(net: torch.nn.Module, hr: np.ndarray, quality: int) -> dict[str, float]:
    buf = io.BytesIO()
    Image.fromarray(hr).save(
        buf, "AVIF", quality=quality, speed=6, subsampling="4:4:4", advanced={"tune": "psnr"}
    )
    dec = np.asarray(Image.open(buf).convert("RGB"))
    x = torch.from_numpy(dec.transpose(2, 0, 1).copy())[None].float() / 255
    cond = torch.from_numpy(restore.condition("avif", quality, False))[None]
    with torch.no_grad():
        u = torch.nn.functional.pixel_unshuffle(x, 2)
        n, _, h, w = u.shape
        feats = torch.relu(net.head(torch.cat([u, cond[:, :, None, None].expand(n, -1, h, w)], 1)))
        for conv in net.body:
            feats = torch.relu(conv(feats))
        tail = net.tail(feats)
        res = torch.nn.functional.pixel_shuffle(tail, 2)
    target = torch.from_numpy(hr.transpose(2, 0, 1).copy())[None].float() / 255 - x
    base = psnr(hr, dec)
    restored = to_u8((x + res)[0].numpy().transpose(1, 2, 0))
    # (a) residual scale per channel, least squares, quantised to 1/32
    r, t = res[0].reshape(3, -1).numpy(), target[0].reshape(3, -1).numpy()
    alpha = np.round((r * t).sum(1) / (r * r).sum(1) * 32) / 32
    scaled = to_u8((x[0].numpy() + alpha[:, None, None] * res[0].numpy()).transpose(1, 2, 0))
    # (b) 1x1 correction from the last features (+ bias), ridge least squares
    f = feats[0].reshape(feats.shape[1], -1).numpy().T
    f1 = np.concatenate([f, np.ones((f.shape[0], 1), np.float32)], 1)
    goal = torch.nn.functional.pixel_unshuffle(target, 2)[0].reshape(12, -1).numpy().T
    goal = goal - tail[0].reshape(12, -1).numpy().T
    solved = np.linalg.solve(f1.T @ f1 + 1e-3 * f.shape[0] * np.eye(f1.shape[1]), f1.T @ goal)
    levels = np.round(solved / STEP)
    corr = torch.from_numpy((f1 @ (levels * STEP)).T.reshape(1, 12, h, w).astype(np.float32))
    corrected = x + torch.nn.functional.pixel_shuffle(tail + corr, 2)
    corrected = to_u8(corrected[0].numpy().transpose(1, 2, 0))
    _, counts = np.unique(levels, return_counts=True)
    p = counts / counts.sum()
    corr_bytes = (-(counts * np.log2(p)).sum() + 16 * len(counts)) / 8
    # (c) tile map: keep the filter only on tiles where it lowers the error
    on_err = ((restored - hr) ** 2).sum(2)
    off_err = ((dec.astype(np.float64) - hr) ** 2).sum(2)
    tiled, tiles = restored.copy(), 0
    for y in range(0, hr.shape[0], TILE):
        for x0 in range(0, hr.shape[1], TILE):
            tiles += 1
            box = (slice(y, y + TILE), slice(x0, x0 + TILE))
            if on_err[box].sum() > off_err[box].sum():
                tiled[box] = dec[box]
    return {
        "bytes": len(buf.getvalue()),
        "restore": psnr(hr, restored) - base,
        "scale": psnr(hr, scaled) - psnr(hr, restored),
        "scale_bytes": 3,
        "correction": psnr(hr, corrected) - psnr(hr, restored),
        "correction_bytes": corr_bytes,
        "tiles": psnr(hr, tiled) - psnr(hr, restored),
        "tile_bytes": tiles / 8,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/datasets/train")
    ap.add_argument("--qualities", type=int, nargs="+", default=[35, 55, 75])
    args = ap.parse_args()
    torch.set_num_threads(1)
    net = restore.from_arrays(weights.load("restore-x1"))
    rows = []
    for path in held_out(Path(args.data)):
        hr = np.asarray(Image.open(path).convert("RGB"))
        hr = np.ascontiguousarray(hr[: hr.shape[0] // 2 * 2, : hr.shape[1] // 2 * 2])
        for q in args.qualities:
            rows.append(measure(net, hr, q))
    print("| adaptation (oracle) | mean dB over the shipped filter | max | bytes it costs |")
    print("|---|---|---|---|")
    mean_bytes = np.mean([r["bytes"] for r in rows])
    gain = np.mean([r["restore"] for r in rows])
    print(f"| shipped filter over plain AVIF | +{gain:.3f} | - | 0 (stream {mean_bytes:.0f} B) |")
    for key, label in (
        ("scale", "residual scale per channel"),
        ("correction", "1x1 least-squares correction"),
        ("tiles", f"{TILE} px tile on/off map"),
    ):
        vals = [r[key] for r in rows]
        cost = np.mean([r[f"{key}_bytes" if key != "tiles" else "tile_bytes"] for r in rows])
        print(f"| {label} | {np.mean(vals):+.4f} | {max(vals):+.4f} | ~{cost:.0f} |")
    print(f"\n{len(rows)} image x quality points")


if __name__ == "__main__":
    main()
