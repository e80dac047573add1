"""Prepare a GPU training call (the `device` tool's machine gets the repo, not ../shared).

    python tools/prepare_gpu_training.py     # then, on the device:
    bash tools/gpu_train_learned_base.sh     # with carry [".gpudata", ".whl"]

Writes lossless WebP copies of ../shared/datasets/train to .gpudata/train (36 MiB against
49 MiB of PNG: the repo and what it carries must fit in 64 MiB; pixels are checked equal, and
the names keep their order, so the held-out split is the same) and downloads the
constriction wheel for the device's Python 3.12 into .whl/ (validation codes with it). Both
folders are added to .git/info/exclude.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    exclude = ROOT / ".git" / "info" / "exclude"
    lines = exclude.read_text().splitlines() if exclude.exists() else []
    for entry in ("/.gpudata/", "/.whl/"):
        if entry not in lines:
            lines.append(entry)
    exclude.write_text("\n".join(lines) + "\n")
    out = ROOT / ".gpudata" / "train"
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT.parent / "shared" / "datasets" / "train").iterdir()):
        dst = out / f"{src.stem}.webp"
        if dst.exists():
            continue
        img = Image.open(src).convert("RGB")
        img.save(dst, lossless=True, quality=100, method=4)
        if not np.array_equal(np.asarray(Image.open(dst).convert("RGB")), np.asarray(img)):
            msg = f"{dst}: lossless WebP changed the pixels"
            raise SystemExit(msg)
    platforms = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    cmd += ["--python-version", "3.12", "--implementation", "cp", "-d", str(ROOT / ".whl")]
    for platform in platforms:
        cmd += ["--platform", platform]
    subprocess.run([*cmd, f"constriction=={version('constriction')}"], check=True)
    size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
    print(f"{out}: {len(list(out.iterdir()))} images, {size:.1f} MiB; wheel in .whl/")


if __name__ == "__main__":
    main()
