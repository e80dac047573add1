"""Quality and rate metrics. Arrays are uint8 (or float) HxWxC in 0..255.

`ssimulacra2` (perceptual, numpy) lives in its own module; its differentiable torch twin for
training is `srcodec.metrics.ssimulacra2_torch`."""

from __future__ import annotations

import math

import numpy as np

from srcodec.metrics.ssimulacra2_np import ssimulacra2

__all__ = ["bpp", "ms_ssim", "ms_ssim_any", "psnr", "psnr_y", "rgb_to_y", "ssimulacra2"]


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """PSNR in dB over all samples; inf for identical images."""
    if a.shape != b.shape:
        msg = f"shapes differ: {a.shape} vs {b.shape}"
        raise ValueError(msg)
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """BT.601 studio-range luma (16..235) as float64, the convention of SR papers
    (MATLAB rgb2ycbcr). A 1-channel input is returned as is."""
    x = rgb.astype(np.float64)
    if x.ndim == 2 or x.shape[-1] == 1:
        return x.reshape(x.shape[:2])
    return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]) / 255.0


def psnr_y(a: np.ndarray, b: np.ndarray, shave: int = 0) -> float:
    """Y-PSNR as SR papers report it: luma only, `shave` border pixels removed."""
    ya, yb = rgb_to_y(a), rgb_to_y(b)
    if shave:
        ya, yb = ya[shave:-shave, shave:-shave], yb[shave:-shave, shave:-shave]
    return psnr(ya, yb)


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM (pytorch_msssim's definition, data_range 255, five scales) on RGB, in numpy;
    images under 161 px a side, where five scales do not fit, give NaN (`ms_ssim_any`
    scores those with fewer scales)."""
    from srcodec.metrics import ms_ssim_np

    if min(a.shape[:2]) < 161:
        return math.nan
    return ms_ssim_np.ms_ssim(a, b)


def bpp(num_bytes: int, width: int, height: int) -> float:
    """Bits per original pixel: whole file bytes x 8 / (W x H)."""
    return num_bytes * 8 / (width * height)


_MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ms_ssim_any(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM for any image size: the standard 5 scales when the image allows (>= 161 px a
    side, `ms_ssim`'s definition), else as many scales as fit, weights renormalised; single
    scale SSIM for tiny images. For the encoder's search, which must score every input: in
    numpy (ms_ssim_np), so encoding needs no torch."""
    from srcodec.metrics import ms_ssim_np

    side = min(a.shape[:2])
    levels = 5
    while levels > 1 and side <= 10 * 2 ** (levels - 1):
        levels -= 1
    if levels == 1:
        win = max(1, min(11, side - (1 - side % 2)))
        if win % 2 == 0:
            win -= 1
        if win < 3:
            return 1.0 - float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)) / 255**2
        return ms_ssim_np.ssim(a, b, win)
    w = _MS_SSIM_WEIGHTS[:levels]
    return ms_ssim_np.ms_ssim(a, b, tuple(x / sum(w) for x in w))
