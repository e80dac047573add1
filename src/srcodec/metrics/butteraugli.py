"""Butteraugli (libjxl's psychovisual distance) as a second opinion beside SSIMULACRA 2.

It runs libjxl's own `butteraugli_main` (Debian: libjxl-devtools) on two PNG files; where
the program is not installed, `missing()` says so and callers leave the column empty.
Lower is better: about 1 is at the threshold of visible difference.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

PROGRAM = "butteraugli_main"


@dataclass(frozen=True)
class Distance:
    max: float  # the largest local distance (butteraugli's headline number)
    pnorm3: float  # the 3-norm over the image: the average-like figure libjxl reports


def missing() -> str | None:
    """None when Butteraugli can run here, else why not."""
    if shutil.which(PROGRAM) is None:
        return f"{PROGRAM} is not installed (Debian: apt-get install libjxl-devtools)"
    return None


def butteraugli(reference: np.ndarray, distorted: np.ndarray) -> Distance:
    """The distance of two same-size 8-bit sRGB images (RuntimeError where it cannot run)."""
    reason = missing()
    if reason is not None:
        raise RuntimeError(reason)
    with tempfile.TemporaryDirectory(prefix="srcodec-butteraugli-") as tmp:
        paths = [Path(tmp) / "reference.png", Path(tmp) / "distorted.png"]
        for path, pixels in zip(paths, (reference, distorted), strict=True):
            Image.fromarray(np.ascontiguousarray(pixels)).save(path, compress_level=0)
        done = subprocess.run(
            [PROGRAM, *map(str, paths)], capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        msg = f"{PROGRAM} failed: {' '.join(done.stderr.split())[:200]}"
        raise RuntimeError(msg)
    lines = done.stdout.split("\n")
    pnorm = next(line for line in lines if line.startswith("3-norm:"))
    return Distance(float(lines[0]), float(pnorm.split(":")[1]))
