"""Measure the RAISR upscaler against bicubic: speed, clean SR PSNR, coded PSNR at equal size.

    python tools/bench_raisr.py speed            # x2 to 768x512, median of --runs, vs Pillow
    python tools/bench_raisr.py clean            # Set5/Set14 Y-PSNR (shave=scale), Kodak RGB PSNR
    python tools/bench_raisr.py coded            # Kodak through srcodec encode/decode, avif/webp

--models-dir points at another folder with manifest.json + banks (to compare exports).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from srcodec import decoder, metrics, resample, weights
from srcodec.search import encode_manual
from srcodec.upscale import SideInfo
from srcodec.upscale.classic import resize_bicubic
from srcodec.upscale.raisr import Raisr

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def images(name: str) -> list[tuple[str, np.ndarray]]:
    files = sorted((DATASETS / name).glob("*.png"))
    return [(p.stem, np.asarray(Image.open(p).convert("RGB"))) for p in files]


def speed(args: argparse.Namespace) -> None:
    hr = images("kodak")[0][1]
    hr = hr if hr.shape[0] < hr.shape[1] else np.ascontiguousarray(hr.transpose(1, 0, 2))
    lr = resample.downsample(hr[:512, :768], 2)
    side = SideInfo("png", None, 2)

    def median(fn) -> float:
        fn()  # warm-up (bank loading, allocator)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def pil() -> None:
        Image.fromarray(lr).resize((768, 512), Image.Resampling.BICUBIC)

    print(
        f"x2 {lr.shape[1]}x{lr.shape[0]} -> 768x512, median of {args.runs}, "
        f"load avg {os.getloadavg()[0]:.2f}, {os.cpu_count()} cpus, torch {torch.__version__}"
    )
    print(f"{'method':<28} {'threads':>7} {'seconds':>8}")
    for threads in args.threads:
        torch.set_num_threads(threads)
        print(f"{'Pillow bicubic':<28} {threads:>7} {median(pil):8.4f}")
        for mode in args.modes:
            up = Raisr(mode=mode)
            t = median(lambda up=up: up.upscale(lr, side, args.device))
            print(f"{'raisr ' + mode + ' (' + args.device + ')':<28} {threads:>7} {t:8.4f}")


def clean(args: argparse.Namespace) -> None:
    scale = args.scale
    ups = {"bicubic": None} | {f"raisr-{m}": Raisr(mode=m) for m in args.modes}
    side = SideInfo("png", None, scale)
    print(f"clean x{scale}: mean PSNR (Set5/Set14: Y, shave {scale}; Kodak: RGB)")
    print(f"{'set':<8} " + " ".join(f"{n:>11}" for n in ups))
    for name in args.sets:
        scores: dict[str, list[float]] = {n: [] for n in ups}
        for _, hr in images(name):
            h, w = hr.shape[0] // scale * scale, hr.shape[1] // scale * scale
            hr = hr[:h, :w]
            lr = resample.downsample(hr, scale)
            for n, up in ups.items():
                sr = resize_bicubic(lr, scale) if up is None else up.upscale(lr, side, args.device)
                if name == "kodak":
                    scores[n].append(metrics.psnr(sr, hr))
                else:
                    scores[n].append(metrics.psnr_y(sr, hr, shave=scale))
        print(f"{name:<8} " + " ".join(f"{np.mean(v):11.3f}" for v in scores.values()))


def coded(args: argparse.Namespace) -> None:
    kodak = images("kodak")[: args.limit]
    print(f"Kodak ({len(kodak)} images) x{args.scale}: mean bpp, PSNR-RGB bicubic, raisr, gain")
    print(f"{'base':<6} {'q':>4} {'bpp':>7} {'bicubic':>8} {'raisr':>8} {'gain':>7}")
    for spec in args.bases:
        base, qualities = spec.split(":")
        gains = []
        for q in map(int, qualities.split(",")):
            bpp, psnr_b, psnr_r = [], [], []
            for _, hr in kodak:
                data = encode_manual(hr, base=base, quality=q, scale=args.scale, upscaler="raisr")
                bpp.append(len(data) * 8 / (hr.shape[0] * hr.shape[1]))
                sr = np.asarray(decoder.decode(data, device=args.device))
                bic = np.asarray(decoder.decode(data, upscaler="bicubic"))
                psnr_r.append(metrics.psnr(sr, hr))
                psnr_b.append(metrics.psnr(bic, hr))
            gain = np.mean(psnr_r) - np.mean(psnr_b)
            gains.append(gain)
            print(
                f"{base:<6} {q:>4} {np.mean(bpp):7.3f} {np.mean(psnr_b):8.3f} "
                f"{np.mean(psnr_r):8.3f} {gain:+7.3f}",
                flush=True,
            )
        print(f"{base:<6} mean gain {np.mean(gains):+.3f} dB")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=["speed", "clean", "coded"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--modes", nargs="+", default=["luma", "rgb"], choices=["luma", "rgb"])
    p.add_argument("--sets", nargs="+", default=["set5", "set14", "kodak"])
    p.add_argument("--bases", nargs="+", default=["avif:20,30,40,50", "webp:5,10,20,30,40"])
    p.add_argument("--limit", type=int, default=None, help="first N Kodak images (coded)")
    p.add_argument("--models-dir", type=Path, default=None)
    args = p.parse_args()
    if args.models_dir is not None:
        weights.MODELS_DIR = args.models_dir
        weights.MANIFEST = args.models_dir / "manifest.json"
    if args.what != "speed":
        torch.set_num_threads(1)
    {"speed": speed, "clean": clean, "coded": coded}[args.what](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
