"""MS-SSIM in numpy, for the encoder's search: pytorch_msssim's definition without torch.

The same window (Gaussian, 11 taps, sigma 1.5, 'valid'), constants (K1 0.01, K2 0.03, data
range 255), per-scale pooling (2x2 average, odd sides zero-padded by one on both sides and
the pad counted, as torch's avg_pool2d) and weighting as pytorch_msssim, in float64; it agrees
with the torch implementation to float32 rounding (tests/test_onnx.py).
"""

from __future__ import annotations

import numpy as np

WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
WINDOW = 11
SIGMA = 1.5
K1, K2 = 0.01, 0.03


def gaussian(size: int = WINDOW, sigma: float = SIGMA) -> np.ndarray:
    coords = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(coords**2) / (2 * sigma**2))
    return g / g.sum()


def _filter(x: np.ndarray, win: np.ndarray) -> np.ndarray:
    """'valid' separable filter over the first two axes of H x W x C; an axis shorter than
    the window is left unfiltered (as pytorch_msssim does)."""
    k = len(win)
    for axis in (0, 1):
        if x.shape[axis] < k:
            continue
        n = x.shape[axis] - k + 1
        out = np.zeros((*x.shape[:axis], n, *x.shape[axis + 1 :]))
        for i, w in enumerate(win):
            out += w * np.take(x, np.arange(i, i + n), axis=axis)
        x = out
    return x


def ssim_cs(
    a: np.ndarray, b: np.ndarray, win: np.ndarray, data_range: float = 255.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel SSIM and contrast-structure means of float H x W x C images."""
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu1, mu2 = _filter(a, win), _filter(b, win)
    s11 = _filter(a * a, win) - mu1 * mu1
    s22 = _filter(b * b, win) - mu2 * mu2
    s12 = _filter(a * b, win) - mu1 * mu2
    cs_map = (2 * s12 + c2) / (s11 + s22 + c2)
    ssim_map = (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1) * cs_map
    return ssim_map.mean(axis=(0, 1)), cs_map.mean(axis=(0, 1))


def _pool(x: np.ndarray) -> np.ndarray:
    """2x2 average with an odd side zero-padded by one on both ends (pad counted)."""
    pads = [(s % 2, s % 2) for s in x.shape[:2]] + [(0, 0)]
    x = np.pad(x, pads)
    h, w = (x.shape[0] - 2) // 2 + 1, (x.shape[1] - 2) // 2 + 1
    x = x[: 2 * h, : 2 * w]
    return (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2]) / 4


def ms_ssim(a: np.ndarray, b: np.ndarray, weights: tuple[float, ...] = WEIGHTS) -> float:
    """MS-SSIM over len(weights) scales of uint8 (or float) H x W x C images, range 255."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    win = gaussian()
    factors = []
    for level in range(len(weights)):
        ssim, cs = ssim_cs(x, y, win)
        if level < len(weights) - 1:
            factors.append(np.maximum(cs, 0))
            x, y = _pool(x), _pool(y)
    factors.append(np.maximum(ssim, 0))
    w = np.asarray(weights)[:, None]
    return float(np.prod(np.stack(factors) ** w, axis=0).mean())


def ssim(a: np.ndarray, b: np.ndarray, window: int = WINDOW) -> float:
    """Single-scale SSIM with a `window`-tap Gaussian (sigma 1.5), mean over channels."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    if x.ndim == 2:
        x, y = x[..., None], y[..., None]
    return float(ssim_cs(x, y, gaussian(window))[0].mean())
