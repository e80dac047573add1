"""RAISR hashing: each pixel's local gradient structure -> one of BUCKETS buckets.

Romano, Isidoro, Milanfar, "RAISR: Rapid and Accurate Image Super Resolution" (2016), §3.2.
The gradient (central differences) of the cheaply upscaled luma is turned into the 2x2
structure tensor, summed over a Gaussian window (sigma SIGMA, radius RADIUS). Its
eigen-analysis gives the dominant gradient angle in [0, pi), the strength sqrt(l1) and the
coherence (sqrt(l1) - sqrt(l2)) / (sqrt(l1) + sqrt(l2)). The angle is cut into ANGLES equal
bins; strength and coherence into 3 bins each by thresholds taken from training-set
quantiles (they are stored with each filter bank, since coded LR images are smoother).

Symmetries (exact up to float rounding at bin edges): a horizontal or vertical flip maps angle
bin k to ANGLES - 1 - k, a transpose to (ANGLES / 2 - 1 - k) mod ANGLES; strength and
coherence are unchanged.
"""

from __future__ import annotations

import math

import torch

# the constants are shared with the numpy twin that decoding runs (raisr_numpy)
from srcodec.upscale.raisr_numpy import (
    ANGLES,
    BUCKETS,
    COHERENCES,
    MARGIN,
    RADIUS,
    SIGMA,
    STRENGTHS,
)
from srcodec.upscale.raisr_numpy import EPS as _EPS
from srcodec.upscale.raisr_numpy import gauss as _gauss

__all__ = [
    "ANGLES",
    "BUCKETS",
    "COHERENCES",
    "MARGIN",
    "RADIUS",
    "SIGMA",
    "STRENGTHS",
    "hash_plane",
    "pixel_types",
    "quantize",
    "structure",
]


def _blur(x: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian over the last two axes, 'valid' (shrinks each by 2 RADIUS).

    Shifted in-place adds: several times faster than conv2d for one-channel maps on a CPU."""
    g = _gauss()
    taps = len(g)
    width = x.shape[-1] - taps + 1
    rows = x[..., 0:width] * g[0]
    for i in range(1, taps):
        rows.add_(x[..., i : i + width], alpha=g[i])
    height = x.shape[-2] - taps + 1
    out = rows[..., 0:height, :] * g[0]
    for i in range(1, taps):
        out.add_(rows[..., i : i + height, :], alpha=g[i])
    return out


def structure(ypad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """float32 (H + 2 MARGIN) x (W + 2 MARGIN) luma -> (angle, strength, coherence), each H x W.

    angle is the dominant gradient direction in [0, pi) (array axes: x = column, y = row)."""
    gx = (ypad[1:-1, 2:] - ypad[1:-1, :-2]) * 0.5
    gy = (ypad[2:, 1:-1] - ypad[:-2, 1:-1]) * 0.5
    t = _blur(torch.stack([gx * gx, gx * gy, gy * gy]))
    a, b, c = t[0], t[1], t[2]
    half_trace = (a + c) * 0.5
    disc = torch.sqrt(((a - c) * 0.5) ** 2 + b * b)
    s1 = torch.sqrt(half_trace + disc)
    s2 = torch.sqrt(torch.clamp(half_trace - disc, min=0.0))
    angle = torch.remainder(0.5 * torch.atan2(2 * b, a - c), math.pi)
    coherence = (s1 - s2) / (s1 + s2 + _EPS)
    return angle, s1, coherence


def quantize(
    angle: torch.Tensor,
    strength: torch.Tensor,
    coherence: torch.Tensor,
    thresholds: torch.Tensor,
) -> torch.Tensor:
    """Bucket index in 0..BUCKETS-1 (int64), angle-major: (angle * 3 + strength) * 3 + coh.

    thresholds: float32 [strength_lo, strength_hi, coherence_lo, coherence_hi]."""
    a = torch.clamp((angle * (ANGLES / math.pi)).long(), 0, ANGLES - 1)
    idx = a * (STRENGTHS * COHERENCES)
    for i in range(STRENGTHS - 1):  # = bucketize(right=True), cheaper for 2 thresholds
        idx += (strength >= thresholds[i]).long() * COHERENCES
    for i in range(COHERENCES - 1):
        idx += (coherence >= thresholds[STRENGTHS - 1 + i]).long()
    return idx


def hash_plane(ypad: torch.Tensor, thresholds: torch.Tensor) -> torch.Tensor:
    """float32 (H + 2 MARGIN) x (W + 2 MARGIN) -> int64 H x W bucket indices."""
    return quantize(*structure(ypad), thresholds)


def pixel_types(height: int, width: int, scale: int, row0: int = 0) -> torch.Tensor:
    """int64 height x width: (row mod s) * s + (col mod s), the HR pixel's phase with respect
    to the LR grid; row0 is the first row's index in the whole image. Returned as a
    broadcast sum of a column and a row vector (no height x width temporary)."""
    rows = (torch.arange(row0, row0 + height) % scale)[:, None] * scale
    cols = (torch.arange(width) % scale)[None, :]
    return rows + cols
