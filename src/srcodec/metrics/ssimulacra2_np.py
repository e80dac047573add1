"""SSIMULACRA 2, the perceptual metric of the image-codec community, in numpy.

Written here from the published description of the metric (Jon Sneyers, Cloudinary,
cloudinary/ssimulacra2, v2.1): both images go to linear sRGB, then for six scales (1:1 to
1:32, halved by 2x2 box averages in linear light) to a positive XYB colour space; per
channel it compares the Gaussian-blurred statistics of the two images with an SSIM that has
no luminance-denominator term, and measures "artifacts" (edges in the distorted image where
the original is smooth) and "detail lost" (the reverse). The 1-norm and 4-norm of each of
those 3 maps x 3 channels x 6 scales give 108 numbers; a fixed weighted sum and a fixed
polynomial map them to a score: 100 is identical, about 90 visually lossless, 70 high
quality, 50 medium, 30 low, and it goes below 0 for very poor images.

The blur is the reference's recursive Gaussian (Charalampidis 2016, sigma 1.5), which
treats pixels outside the image as zero. That filter is linear and its impulse response is
finite, so it is applied here as the equivalent 9-tap FIR kernel, derived below from the
same recursion rather than a sampled Gaussian: the zero padding at the borders and the
exact taps both move the score by more than the reference tolerance otherwise.

Scores match the reference C++ within a few hundredths on ../shared/reference/ssimulacra2
(tests/test_ssimulacra2.py). `srcodec.metrics.ssimulacra2_torch` is the differentiable twin.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from srcodec.metrics.ssimulacra2_params import (
    ALPHA_BACKGROUND,
    MIN_SIDE,
    NUM_SCALES,
    OPSIN,
    OPSIN_BIAS,
    SCORE_EXPONENT,
    SCORE_POLY,
    SCORE_SCALE,
    SSIM_C2,
    WEIGHTS,
    blur_kernel,
)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in 0..1 to linear light (IEC 61966-2-1), float32."""
    x = np.asarray(srgb, np.float64)
    lin = np.where(x <= 0.04045, x / 12.92, ((np.maximum(x, 0.04045) + 0.055) / 1.055) ** 2.4)
    return lin.astype(np.float32)


@cache
def _uint8_lut() -> np.ndarray:
    return srgb_to_linear(np.arange(256) / 255.0)


def to_linear(image: np.ndarray) -> np.ndarray:
    """An HxW, HxWx1, HxWx3 or HxWx4 image (uint8, or float in 0..255) as HxWx3 linear
    sRGB float32 in 0..1; alpha is composited over the reference's mid grey."""
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        msg = f"expected an HxW, HxWx1, HxWx3 or HxWx4 image, got shape {a.shape}"
        raise ValueError(msg)
    alpha = None
    if a.shape[2] in (2, 4):
        alpha = a[..., -1:].astype(np.float64) / 255.0
        a = a[..., :-1]
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if alpha is None and a.dtype == np.uint8:
        return _uint8_lut()[a]
    encoded = a.astype(np.float64) / 255.0  # as the uint8 table, so both paths agree exactly
    if alpha is not None:
        encoded = alpha * encoded + (1.0 - alpha) * ALPHA_BACKGROUND
    return srgb_to_linear(encoded)


def linear_to_xyb(linear: np.ndarray) -> np.ndarray:
    """Linear sRGB HxWx3 to SSIMULACRA 2's positive XYB, as a 3xHxW float32 stack."""
    mixed = np.tensordot(linear, OPSIN.T.astype(np.float32), axes=1) + np.float32(OPSIN_BIAS)
    cone = np.cbrt(np.maximum(mixed, 0.0)) - np.float32(np.cbrt(OPSIN_BIAS))
    lum, med, short = np.moveaxis(cone, 2, 0)
    x = 0.5 * (lum - med)
    y = 0.5 * (lum + med)
    return np.stack([x * 14.0 + 0.42, y + 0.01, (short - y) + 0.55]).astype(np.float32)


def downsample(linear: np.ndarray) -> np.ndarray:
    """2x2 box average; an odd last row or column is averaged with a copy of itself."""
    h, w = linear.shape[:2]
    if h % 2:
        linear = np.concatenate([linear, linear[-1:]], axis=0)
    if w % 2:
        linear = np.concatenate([linear, linear[:, -1:]], axis=1)
    return 0.25 * (
        linear[0::2, 0::2] + linear[1::2, 0::2] + linear[0::2, 1::2] + linear[1::2, 1::2]
    )


def blur(planes: np.ndarray) -> np.ndarray:
    """The separable blur over the last two axes, zero outside the image."""
    kernel = blur_kernel().astype(np.float32)
    radius = len(kernel) // 2
    return _fir(_fir(planes, kernel, radius, -1), kernel, radius, -2)


def _fir(x: np.ndarray, kernel: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """The symmetric kernel along `axis` (negative), zero outside: the centre tap plus one
    multiply per pair of mirrored taps, on slices of a zero-padded copy."""
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = n + 2 * radius
    padded = np.zeros(shape, np.float32)
    tail = (slice(None),) * (-axis - 1)

    def window(start: int) -> np.ndarray:
        return padded[(..., slice(start, start + n), *tail)]

    window(radius)[...] = x
    out = kernel[radius] * x
    for k in range(1, radius + 1):
        out += kernel[radius + k] * (window(radius - k) + window(radius + k))
    return out


BAND_ROWS = 256  # rows scored at a time: memory stays ~100 bytes x width x BAND_ROWS
STATS_CACHE_PIXELS = 1 << 22  # up to this many pixels a scale keeps the original's blurs


def _bands(height: int) -> list[tuple[int, int, int, int]]:
    """(y0, y1, a0, a1): output rows y0..y1 and the rows a0..a1 read for them, which add
    the blur's radius above and below (exact, since the kernel reaches no further)."""
    halo = len(blur_kernel()) // 2
    return [
        (y0, min(height, y0 + BAND_ROWS), max(0, y0 - halo), min(height, y0 + BAND_ROWS + halo))
        for y0 in range(0, height, BAND_ROWS)
    ]


def _crop(stats: np.ndarray, y0: int, y1: int, a0: int) -> np.ndarray:
    return stats[..., y0 - a0 : y1 - a0, :]


@dataclass
class _ReferenceScale:
    xyb: np.ndarray  # 3 x H x W
    # per band: the blurred xyb and its local variance, kept for images up to
    # STATS_CACHE_PIXELS (recomputed per score above that, to bound memory)
    stats: list[tuple[np.ndarray, np.ndarray]] | None = None

    def band_stats(self, index: int, band: tuple[int, int, int, int]) -> tuple[np.ndarray, ...]:
        if self.stats is not None:
            return self.stats[index]
        y0, y1, a0, a1 = band
        part = self.xyb[:, a0:a1]
        mu, square = (_crop(x, y0, y1, a0) for x in blur(np.stack([part, part * part])))
        return mu, square - mu * mu


def _reference_scale(xyb: np.ndarray) -> _ReferenceScale:
    ref = _ReferenceScale(xyb)
    if xyb.shape[1] * xyb.shape[2] <= STATS_CACHE_PIXELS:
        ref.stats = [ref.band_stats(i, band) for i, band in enumerate(_bands(xyb.shape[1]))]
    return ref


def scale_features(ref: _ReferenceScale, dist_xyb: np.ndarray) -> np.ndarray:
    """The 3 channels x 2 norms x 3 maps features of one scale (see WEIGHTS' layout),
    band by band."""
    sums = np.zeros((2, 3, 3))  # norm, map, channel
    for index, band in enumerate(_bands(dist_xyb.shape[1])):
        y0, y1, a0, a1 = band
        r, d = ref.xyb[:, a0:a1], dist_xyb[:, a0:a1]
        mu2, s22, s12 = (_crop(x, y0, y1, a0) for x in blur(np.stack([d, d * d, r * d])))
        mu1, sigma1 = ref.band_stats(index, band)
        r, d = ref.xyb[:, y0:y1], dist_xyb[:, y0:y1]
        num_m = 1.0 - (mu1 - mu2) ** 2
        num_s = 2.0 * (s12 - mu1 * mu2) + SSIM_C2
        den_s = sigma1 + (s22 - mu2 * mu2) + SSIM_C2
        ssim_err = np.maximum(1.0 - num_m * num_s / den_s, 0.0)
        ratio = (1.0 + np.abs(d - mu2)) / (1.0 + np.abs(r - mu1)) - 1.0
        for m, err in enumerate((ssim_err, np.maximum(ratio, 0.0), np.maximum(-ratio, 0.0))):
            flat = err.reshape(3, -1)
            square = flat * flat
            sums[0, m] += flat.sum(axis=1, dtype=np.float64)
            sums[1, m] += (square * square).sum(axis=1, dtype=np.float64)
    count = dist_xyb.shape[1] * dist_xyb.shape[2]
    features = np.empty((3, 2, 3))
    features[:, 0, :] = (sums[0] / count).T
    features[:, 1, :] = np.sqrt(np.sqrt(sums[1] / count)).T
    return features


def score_from_features(features: list[np.ndarray]) -> float:
    """Weighted sum of per-scale features (one 3x2x3 array per scale scored) to a score.

    With fewer than six scales (images under 256 px a side) the weights are taken in the
    reference's order, channel by channel, over the scales present only."""
    flat_weights = WEIGHTS.reshape(-1)
    total, i = 0.0, 0
    for c in range(3):
        for f in features:
            for norm in range(2):
                for m in range(3):
                    total += flat_weights[i] * abs(float(f[c, norm, m]))
                    i += 1
    return score_from_sum(total)


def score_from_sum(total: float) -> float:
    """The fixed polynomial and power that map the weighted sum onto 0..100."""
    s = total * SCORE_SCALE
    a, b, c = SCORE_POLY
    s = a * s + b * s * s + c * s * s * s
    return 100.0 - 10.0 * s**SCORE_EXPONENT if s > 0 else 100.0


class Reference:
    """An original image prepared once for scoring many decodes of it (an encoder's
    search): its XYB planes at every scale are kept, and their blurred statistics too for
    images up to STATS_CACHE_PIXELS."""

    def __init__(self, reference: np.ndarray) -> None:
        self.shape = np.asarray(reference).shape[:2]
        linear = to_linear(reference)
        self.scales: list[_ReferenceScale] = []
        for scale in range(NUM_SCALES):
            if min(linear.shape[:2]) < MIN_SIDE:
                break
            if scale:  # the reference checks the previous scale's size, then halves
                linear = downsample(linear)
            self.scales.append(_reference_scale(linear_to_xyb(linear)))

    def score(self, distorted: np.ndarray) -> float:
        if tuple(self.shape) != tuple(np.asarray(distorted).shape[:2]):
            msg = f"image sizes differ: {tuple(self.shape)} vs {np.asarray(distorted).shape[:2]}"
            raise ValueError(msg)
        linear = to_linear(distorted)
        features = []
        for scale, ref in enumerate(self.scales):
            if scale:
                linear = downsample(linear)
            features.append(scale_features(ref, linear_to_xyb(linear)))
        return score_from_features(features)


def ssimulacra2(reference: np.ndarray, distorted: np.ndarray) -> float:
    """SSIMULACRA 2 of `distorted` against `reference` (same-size sRGB images, uint8 or
    float 0..255, grey/RGB with optional alpha). Higher is better; 100 means identical."""
    if reference.shape[:2] != distorted.shape[:2]:
        msg = f"image sizes differ: {reference.shape[:2]} vs {distorted.shape[:2]}"
        raise ValueError(msg)
    return Reference(reference).score(distorted)
