"""Peak memory of `srcodec decode` on crafted large streams, every upscaler at its scales.

    python tools/bench_memory.py                       # 6000x4000 and 13000x13000
    python tools/bench_memory.py --sizes 6000x4000     # quicker

Each stream is tiny (its LR image is one flat grey PNG) but declares a large image, the
attack the decoder must survive. Each decode runs in a fresh `srcodec decode` process
(torch import included, output PNG written); peak RSS comes from wait4. Printed beside it:
the decoder's own estimate (srcodec.decoder.memory_estimate, the SPEC §8 bound), the size
of the output image in Pillow's layout, and, as the reference measured in the same run,
Pillow itself opening the same-size flat PNG and saving it again.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from srcodec import format as fmt
from srcodec.base import BASE_CODECS
from srcodec.decoder import _plan, memory_estimate
from srcodec.format import ids
from srcodec.format.header import Header
from srcodec.upscale import UPSCALERS

CASES = (
    ("bicubic", 1),
    ("bicubic", 2),
    ("bicubic", 4),
    ("raisr", 2),
    ("raisr", 4),
    ("cnn", 1),
    ("cnn", 2),
    ("restore", 1),
    ("restore", 2),
)


def crafted(width: int, height: int, upscaler: str, scale: int) -> bytes:
    """A stream of a flat grey W x H image at `scale` with a PNG base."""
    entry = UPSCALERS.entry(upscaler)
    header = Header(
        width=width,
        height=height,
        scale=scale,
        base=BASE_CODECS.entry("png").wire_id,
        quality=ids.QUALITY_NONE,
        upscaler=entry.wire_id,
        model_hash=entry.get().model_hash(scale),
    )
    lr_w, lr_h = header.lr_size
    buf = io.BytesIO()
    Image.new("RGB", (lr_w, lr_h), (128, 128, 128)).save(buf, format="PNG")
    return fmt.write(fmt.Stream(header, buf.getvalue()))


# A small launcher runs each command and reports its child's peak RSS: Linux carries the
# peak RSS of a forked process across exec, so forking from this (big) process would report
# at least this process's own size.
LAUNCHER = (
    "import resource, subprocess, sys; "
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
    "sys.stderr.write(r.stderr.decode()); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
)


def peak_rss(cmd: list[str]) -> tuple[int, float, int]:
    """(peak RSS bytes, wall seconds, exit status) of `cmd` run to completion."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    kib, code = (int(v) for v in done.stdout.split())
    if code:
        print(f"  failed: {' '.join(cmd[-3:])}: {done.stderr.strip()}", file=sys.stderr)
    return kib * 1024, wall, code


FLAT = (
    "import sys; from PIL import Image; w, h = int(sys.argv[1]), int(sys.argv[2]); "
    "Image.new('RGB', (w, h), (128, 128, 128)).save(sys.argv[3])"
)
PILLOW_REFERENCE = (
    "import sys; from PIL import Image; Image.MAX_IMAGE_PIXELS = None; "
    "Image.open(sys.argv[1]).save(sys.argv[2])"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["6000x4000", "13000x13000"])
    ap.add_argument("--cases", nargs="+", help="upscaler:scale, e.g. raisr:4 (default: all)")
    ap.add_argument(
        "--estimate-only", action="store_true", help="print the estimates, decode nothing"
    )
    args = ap.parse_args()
    cases = [(c.split(":")[0], int(c.split(":")[1])) for c in args.cases] if args.cases else CASES
    mib = 1 << 20
    print("| size | upscaler | peak RSS MiB | estimate MiB | output image MiB | wall s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x"))
            out_mib = width * height * 4 / mib
            if not args.estimate_only:
                flat = Path(tmp, "flat.png")
                subprocess.run(
                    [sys.executable, "-c", FLAT, str(width), str(height), str(flat)], check=True
                )
                rss, wall, _ = peak_rss(
                    [sys.executable, "-c", PILLOW_REFERENCE, str(flat), str(Path(tmp, "re.png"))]
                )
                row = f"| {size} | Pillow open + save (reference) | {rss / mib:.0f} | - |"
                print(f"{row} {out_mib:.0f} | {wall:.1f} |", flush=True)
            for name, scale in cases:
                data = crafted(width, height, name, scale)
                stream = Path(tmp, "s.srz")
                stream.write_bytes(data)
                plan = _plan(data, device="cpu", lr_only=False, upscaler=None, max_pixels=2**31)
                estimate = memory_estimate(plan, streamed=True)
                if args.estimate_only:
                    print(f"| {size} | {name} x{scale} | - | {estimate / mib:.0f} | - | - |")
                    continue
                cmd = [sys.executable, "-m", "srcodec", "decode", "-q", "--device", "cpu"]
                cmd += ["--max-pixels", str(2**31), str(stream), str(Path(tmp, "o.png"))]
                rss, wall, code = peak_rss(cmd)
                label = f"{name} x{scale} ({len(data)} B stream)" + ("" if code == 0 else " FAILED")
                print(
                    f"| {size} | {label} | {rss / mib:.0f} | {estimate / mib:.0f} | "
                    f"{out_mib:.0f} | {wall:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
