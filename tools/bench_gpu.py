"""GPU throughput of the decoder's networks, with the CPU measured in the same run.

    python tools/bench_gpu.py [--repeat 20] [--cpu-threads 2]

For a Kodak-sized image (768x512, random pixels: the time does not depend on content):
`restore-x1` through the decoder's own tiled path (srcodec.upscale.restore.run: fp16 autocast
on CUDA, float32 on the CPU), the bare network on a batch of 8 images in float32 and fp16,
and the learned base's synthesis transform. Median of --repeat after warm-up; CUDA timings
synchronise before reading the clock. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from collections.abc import Callable

W, H = 768, 512


def median_ms(fn: Callable[[], object], repeat: int, cuda: bool) -> float:
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        if cuda:
            torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--cpu-threads", type=int, default=2)
    args = p.parse_args(argv)
    from srcodec.base import learned
    from srcodec.upscale import restore

    if not torch.cuda.is_available():
        msg = "no CUDA device: this benchmark needs a GPU"
        raise SystemExit(msg)
    torch.set_num_threads(args.cpu_threads)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    cond = restore.condition("avif", 50, False)
    rows: list[tuple[str, str, float, float]] = []  # what, device, ms, images/s

    for dev in ("cpu", "cuda"):
        net = restore._model("restore-x1", dev)

        def decode(net: torch.nn.Module = net, dev: str = dev) -> None:
            restore.run(net, img, cond, dev)

        ms = median_ms(decode, args.repeat if dev == "cuda" else 5, dev == "cuda")
        rows.append(("restore-x1, decoder path (tiled)", dev, ms, 1000 / ms))

    net = restore._model("restore-x1", "cuda")
    batch = torch.rand(8, 3, H, W, device="cuda")
    cond_t = torch.from_numpy(cond)[None].expand(8, -1).cuda()
    for dtype in (torch.float32, torch.float16):

        def forward(dtype: torch.dtype = dtype) -> None:
            with torch.inference_mode(), torch.autocast("cuda", dtype, dtype != torch.float32):
                net(batch, cond_t)

        ms = median_ms(forward, args.repeat, True)
        rows.append((f"restore-x1 network, batch of 8, {dtype}", "cuda", ms / 8, 8000 / ms))

    model = learned.model()
    latents = torch.randn(1, model.net.log_gain.shape[1], H // 16, W // 16)
    for dev in ("cpu", "cuda"):
        g_s = model.net.g_s.to(dev)
        y = latents.to(dev)

        def synth(g_s: torch.nn.Module = g_s, y: torch.Tensor = y) -> None:
            with torch.inference_mode():
                g_s(y)

        ms = median_ms(synth, args.repeat if dev == "cuda" else 5, dev == "cuda")
        rows.append(("learned base synthesis (g_s), float32", dev, ms, 1000 / ms))
    model.net.g_s.to("cpu")

    print(
        f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, CPU threads "
        f"{args.cpu_threads}; {W}x{H} images\n"
    )
    print("| what | device | ms per image | images/s |\n|---|---|---|---|")
    for what, dev, ms, ips in rows:
        print(f"| {what} | {dev} | {ms:.2f} | {ips:.1f} |")


if __name__ == "__main__":
    main()
