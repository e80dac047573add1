"""Bicubic interpolation through Pillow: the reference upscaler and the fallback.

Pillow's resize maps output pixel centres as (i + 0.5) / s - 0.5, the same convention as the
downsampler (spec §5), so the two are aligned without a shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from srcodec.upscale import SideInfo


def resize_bicubic(lr: np.ndarray, scale: int) -> np.ndarray:
    """uint8 hxwxC -> uint8 (h*scale)x(w*scale)xC, each channel with Pillow's bicubic."""
    if scale == 1:
        return lr.copy()
    h, w, c = lr.shape
    size = (w * scale, h * scale)
    if c == 3:
        return np.asarray(Image.fromarray(lr).resize(size, Image.Resampling.BICUBIC))
    planes = [
        np.asarray(Image.fromarray(lr[..., i]).resize(size, Image.Resampling.BICUBIC))
        for i in range(c)
    ]
    return np.stack(planes, axis=-1)


class Bicubic:
    name = "bicubic"
    synthesizes = False
    runs_network = False
    halo = 3  # bicubic support: 2 LR pixels
    band_bytes_per_pixel = 16
    preference = None  # the plain reconstruction: the fallback, never a learned default

    def scales(self) -> tuple[int, ...]:
        return (1, 2, 3, 4)

    def supports(self, base: str, scale: int) -> bool:
        return scale in self.scales()  # no model: any payload

    def model_hash(
        self, scale: int, base: str | None = None, metric: str | None = None
    ) -> bytes | None:
        return None

    def model_hashes(self, scale: int) -> set[bytes]:
        return set()

    def upscale(self, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        return resize_bicubic(lr, side.scale)
