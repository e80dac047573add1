from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
KODAK = SHARED / "datasets" / "kodak"


def python_output(code: str) -> str:
    """What a fresh interpreter prints running `code` (stripped): for checks of what an
    import pulls in, which the test process itself has long loaded."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def synthetic(w: int, h: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """Smooth gradients + texture + noise: structured enough for codecs and upscalers."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), 128 + 100 * np.sin((x + y) / 3)]
    img = np.stack(planes[:channels], axis=-1) + rng.normal(0, 6, (h, w, channels))
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def rgb_64() -> np.ndarray:
    return synthetic(64, 48)


@pytest.fixture
def kodim01() -> Path:
    path = KODAK / "kodim01.png"
    if not path.exists():
        pytest.skip("../shared/datasets/kodak is not beside the checkout")
    return path
