"""The encoder's downsampler: antialiased Keys cubic, exactly defined (spec §5).

For scale s, LR pixel i takes the weighted sum of HR samples k with weight
`cubic((k - c) / s) / s`, centre c = (i + 0.5) * s - 0.5, where `cubic` is Keys' kernel with
a = -0.5 (support radius 2, stretched to 2s so the filter also antialiases). Weights are
normalised to sum to 1; sample indices outside the image are clamped to the nearest edge
(which is also the padding rule when W or H is not a multiple of s). Computed separably,
rows then columns, in float64; the result is rounded half up and clipped to 0..255.
Training tools import this module so models see the decoder's exact LR statistics.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from srcodec.format.header import SCALES


def keys_cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


@cache
def taps(scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, weights) of the 1-D filter: LR sample i reads HR samples scale*i + offsets."""
    centre = (scale - 1) / 2
    offsets = np.arange(int(np.floor(centre - 2 * scale)) + 1, int(np.ceil(centre + 2 * scale)))
    weights = keys_cubic((offsets - centre) / scale) / scale
    keep = weights != 0
    offsets, weights = offsets[keep], weights[keep]
    return offsets, weights / weights.sum()


def _downsample_axis(img: np.ndarray, scale: int, axis: int) -> np.ndarray:
    """Filter and decimate along `axis`: one strided slice per tap of an edge-padded copy."""
    n = img.shape[axis]
    out_n = -(-n // scale)
    offsets, weights = taps(scale)
    lo = int(-offsets.min())
    hi = max(0, (out_n - 1) * scale + int(offsets.max()) - (n - 1))
    pad = [(0, 0)] * img.ndim
    pad[axis] = (lo, hi)
    padded = np.pad(img, pad, mode="edge")  # edge clamping = the spec's padding rule
    out = None
    for offset, weight in zip(offsets, weights, strict=True):
        start = lo + int(offset)
        index = [slice(None)] * img.ndim
        index[axis] = slice(start, start + (out_n - 1) * scale + 1, scale)
        term = padded[tuple(index)] * weight
        out = term if out is None else out + term
    return out


def downsample(hr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 HxW or HxWxC -> uint8 ceil(H/s) x ceil(W/s) (x C). Scale 1 returns a copy."""
    if scale not in SCALES:
        msg = f"scale must be one of {SCALES}, got {scale}"
        raise ValueError(msg)
    if scale == 1:
        return hr.copy()
    x = hr.astype(np.float64)
    x = _downsample_axis(x, scale, 0)
    x = _downsample_axis(x, scale, 1)
    return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)
