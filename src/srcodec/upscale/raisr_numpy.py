"""RAISR inference in numpy: the gradient hash and the filtered residual, no torch.

The same computation as srcodec.upscale.raisr_hash (the torch twin that training uses) and
the bank layout of srcodec.upscale.raisr: float32 throughout, so a pixel can differ from the
torch path only where float summation order moves a value across a rounding or bucket edge.
The constants of the hash live here, so both twins share them without importing torch.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

ANGLES = 24
STRENGTHS = 3
COHERENCES = 3
BUCKETS = ANGLES * STRENGTHS * COHERENCES
SIGMA = 2.0
RADIUS = 4
MARGIN = RADIUS + 1  # context hash() needs on each side of the pixels it hashes
EPS = 1e-6
TILE_VALUES = 1 << 20  # conv outputs per row tile (x4 bytes): bounds memory, fits caches


@cache
def gauss() -> tuple[float, ...]:
    w = [math.exp(-(i * i) / (2 * SIGMA * SIGMA)) for i in range(-RADIUS, RADIUS + 1)]
    return tuple(v / sum(w) for v in w)


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable Gaussian over the last two axes, 'valid' (shrinks each by 2 RADIUS)."""
    g = [np.float32(v) for v in gauss()]
    taps = len(g)
    width = x.shape[-1] - taps + 1
    rows = x[..., 0:width] * g[0]
    for i in range(1, taps):
        rows += x[..., i : i + width] * g[i]
    height = x.shape[-2] - taps + 1
    out = rows[..., 0:height, :] * g[0]
    for i in range(1, taps):
        out += rows[..., i : i + height, :] * g[i]
    return out


def hash_plane(ypad: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """float32 (H + 2 MARGIN) x (W + 2 MARGIN) luma -> int64 H x W bucket indices,
    angle-major: (angle * 3 + strength) * 3 + coherence (raisr_hash.quantize)."""
    half = np.float32(0.5)
    gx = (ypad[1:-1, 2:] - ypad[1:-1, :-2]) * half
    gy = (ypad[2:, 1:-1] - ypad[:-2, 1:-1]) * half
    a, b, c = _blur(np.stack([gx * gx, gx * gy, gy * gy]))
    half_trace = (a + c) * half
    disc = np.sqrt(((a - c) * half) ** 2 + b * b)
    s1 = np.sqrt(half_trace + disc)
    s2 = np.sqrt(np.maximum(half_trace - disc, np.float32(0)))
    angle = np.remainder(half * np.arctan2(2 * b, a - c), np.float32(math.pi))
    coherence = (s1 - s2) / (s1 + s2 + np.float32(EPS))
    bins = np.clip((angle * np.float32(ANGLES / math.pi)).astype(np.int64), 0, ANGLES - 1)
    idx = bins * (STRENGTHS * COHERENCES)
    for i in range(STRENGTHS - 1):
        idx += (s1 >= thresholds[i]).astype(np.int64) * COHERENCES
    for i in range(COHERENCES - 1):
        idx += (coherence >= thresholds[STRENGTHS - 1 + i]).astype(np.int64)
    return idx


def pixel_types(height: int, width: int, scale: int, row0: int = 0) -> np.ndarray:
    """int64 height x width: (row mod s) * s + (col mod s), the HR pixel's phase with respect
    to the LR grid; row0 is the first row's index in the whole image."""
    rows = (np.arange(row0, row0 + height) % scale)[:, None] * scale
    cols = (np.arange(width) % scale)[None, :]
    return rows + cols


def _correlate(src: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """C x (h + k - 1) x (w + k - 1) with R x k x k -> C x R x h x w ('valid'
    cross-correlation, as torch's conv2d), as one matrix product over the k x k taps."""
    k = basis.shape[-1]
    windows = np.lib.stride_tricks.sliding_window_view(src, (k, k), axis=(1, 2))
    resp = np.tensordot(windows, basis, axes=([3, 4], [1, 2]))  # C x h x w x R
    return resp.transpose(0, 3, 1, 2)


def residual(
    y: np.ndarray,
    planes: np.ndarray | None,
    basis: np.ndarray,
    coef: np.ndarray,
    thresholds: np.ndarray,
    scale: int,
) -> np.ndarray:
    """The filtered residual of each plane, float32 C x H x W (raisr.residual's twin).

    y: H x W luma to hash; planes: C x H x W to filter, None to filter y (luma mode);
    basis R x k x k, coef (scale^2 * BUCKETS) x R, thresholds (4,), all float32."""
    k = basis.shape[-1]
    half = k // 2
    border = max(MARGIN, half)
    height, width = y.shape
    ypad = np.pad(y, border, mode="edge")
    if planes is None:
        ppad = ypad[None]
    else:
        ppad = np.pad(planes, ((0, 0), (border, border), (border, border)), mode="edge")
    channels = ppad.shape[0]
    out = np.empty((channels, height, width), np.float32)
    rows = max(1, TILE_VALUES // max(1, width * basis.shape[0] * channels))
    for r0 in range(0, height, rows):
        r1 = min(height, r0 + rows)
        hy = ypad[
            r0 + border - MARGIN : r1 + border + MARGIN, border - MARGIN : width + border + MARGIN
        ]
        idx = hash_plane(hy, thresholds)
        idx += pixel_types(r1 - r0, width, scale, r0) * BUCKETS
        src = ppad[
            :, r0 + border - half : r1 + border + half, border - half : width + border + half
        ]
        resp = _correlate(src, basis)  # C x R x rows x W
        out[:, r0:r1] = np.einsum("crhw,hwr->chw", resp, coef[idx])
    return out
