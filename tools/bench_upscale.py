"""Upscaler speed: x2 upscale of a Kodak-size image, whole .srz decodes, and a big tiled run.

    python tools/bench_upscale.py --device cpu
    python tools/bench_upscale.py --device cuda            # on a machine with a GPU

For every registered, usable upscaler (bicubic is the same-run reference): the median time
of upscaling a 384x256 LR image to 768x512 (kodim01, AVIF q30 side information) and the
output MP/s; the median time of a whole `decoder.decode` of kodim01 coded as AVIF q30 x2
(same bytes, upscaler overridden); and, in a fresh subprocess per upscaler so the numbers are
isolated, a 3000x2000 -> 6000x4000 upscale with its wall time and peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from srcodec import decoder, resample
from srcodec.search import encode_manual
from srcodec.upscale import UPSCALERS, SideInfo

if TYPE_CHECKING:
    from collections.abc import Callable

KODIM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "kodak" / "kodim01.png"
SIDE = SideInfo(base="avif", quality=30, scale=2)


def _hr() -> np.ndarray:
    if KODIM.exists():
        with Image.open(KODIM) as img:
            return np.asarray(img.convert("RGB"))
    rng = np.random.default_rng(0)  # no Kodak beside the checkout: textured noise
    return rng.integers(0, 256, (512, 768, 3), dtype=np.uint8)


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median (wall s, process CPU s over all threads). CPU time is the figure to trust
    on a shared, loaded machine, where wall time also counts other processes' turns."""
    fn()  # warm-up: model load, first-call allocations
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def big_run(name: str, device: str) -> dict[str, float]:
    """3000x2000 LR (kodim01 tiled with mirrors) -> 6000x4000; runs in its own process."""
    lr = resample.downsample(_hr(), 2)
    reps = (-(-2000 // lr.shape[0]), -(-3000 // lr.shape[1]))
    tile = np.concatenate([lr, lr[:, ::-1]], axis=1)
    tile = np.concatenate([tile, tile[::-1]], axis=0)
    big = np.ascontiguousarray(np.tile(tile, (reps[0], reps[1], 1))[:2000, :3000])
    impl = UPSCALERS.entry(name).get()
    impl.upscale(lr[:8, :8], SIDE, device)  # load the model before the baseline RSS
    before = _peak_rss_mb()
    t = time.perf_counter()
    hr = impl.upscale(big, SIDE, device)
    seconds = time.perf_counter() - t
    assert hr.shape == (4000, 6000, 3)
    return {"seconds": seconds, "rss_before_mb": before, "peak_rss_mb": _peak_rss_mb()}


def bench(device: str, repeat: int, big: bool) -> list[dict[str, object]]:
    hr = _hr()
    lr = resample.downsample(hr, 2)
    out_mp = lr.shape[0] * lr.shape[1] * 4 / 1e6
    data = encode_manual(Image.fromarray(hr), scale=2, base="avif", quality=30)
    rows = []
    for entry in UPSCALERS:
        if entry.missing():
            continue
        impl = entry.get()
        try:
            up, up_cpu = _median(lambda impl=impl: impl.upscale(lr, SIDE, device), repeat)
        except Exception as exc:  # a model not shipped yet: report it, keep benchmarking
            rows.append({"upscaler": entry.name, "error": str(exc)})
            continue
        dec, dec_cpu = _median(
            lambda name=entry.name: decoder.decode(data, device=device, upscaler=name), repeat
        )
        row: dict[str, object] = {
            "upscaler": entry.name,
            "upscale_s": up,
            "upscale_cpu_s": up_cpu,
            "mp_per_s": out_mp / up,
            "decode_s": dec,
            "decode_cpu_s": dec_cpu,
        }
        if big:
            cmd = [sys.executable, __file__, "--big-only", entry.name, "--device", device]
            res = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row.update({f"big_{k}": v for k, v in json.loads(res.stdout).items()})
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--no-big", action="store_true", help="skip the 6000x4000 run")
    p.add_argument("--big-only", metavar="UPSCALER", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.big_only:
        print(json.dumps(big_run(args.big_only, args.device)))
        return
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            print("cuda: not measured (no GPU in this session)")
            return
    import torch

    print(
        f"device {args.device}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
        f"{platform.processor() or platform.machine()}, Pillow {Image.__version__}; "
        f"x2 of {KODIM.name} 384x256 -> 768x512, median of {args.repeat}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; cpu s = process CPU")
    head = (
        f"{'upscaler':<10} {'upscale s':>10} {'cpu s':>6} {'MP/s':>6} {'decode s':>9} {'cpu s':>6}"
    )
    if not args.no_big:
        head += f" {'6000x4000 s':>12} {'peak RSS MB':>12}"
    print(head)
    for row in bench(args.device, args.repeat, not args.no_big):
        if "error" in row:
            print(f"{row['upscaler']:<10} unavailable: {row['error']}")
            continue
        line = (
            f"{row['upscaler']:<10} {row['upscale_s']:>10.3f} {row['upscale_cpu_s']:>6.3f} "
            f"{row['mp_per_s']:>6.1f} {row['decode_s']:>9.3f} {row['decode_cpu_s']:>6.3f}"
        )
        if not args.no_big:
            line += f" {row['big_seconds']:>12.1f} {row['big_peak_rss_mb']:>12.0f}"
        print(line)


if __name__ == "__main__":
    main()
