"""Upscale in full-width row bands, so decode memory does not grow with the image.

Every upscaler here is local: an output pixel depends on LR pixels at most `halo` rows
away. So the LR image is cut into bands of rows, each read with `halo` rows of context
above and below (clamped at the image edge, where the upscaler pads as on the whole image),
upscaled on its own, and only its core rows kept. Output equals whole-image output exactly
for bicubic and up to float rounding (rarely 1 level) for the learned tools; an image no
taller than one band is upscaled whole, as before banding existed.

Band starts are even, so restore's 2x2 unshuffle keeps its phase; RAISR's pixel types follow
the HR row modulo the scale, and a band's HR rows start at an LR row times the scale, so they
keep theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcodec.memory import BAND_PIXELS

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np

    from srcodec.upscale import SideInfo, Upscaler


def band_rows(lr_width: int, scale: int, halo: int) -> int:
    """LR rows per band core: BAND_PIXELS of output, and at least 8 halos so the context
    read twice costs at most ~25 % more work; even."""
    rows = max(BAND_PIXELS // max(1, lr_width * scale * scale), 8 * halo, 2)
    return rows + rows % 2


def row_bands(height: int, rows: int, halo: int) -> Iterator[tuple[int, int, int, int]]:
    """Yields (read_y0, read_y1, core_y0, core_y1) in LR rows covering `height` once;
    core rows relative to the image; rows and halo are made even."""
    rows, halo = rows + rows % 2, halo + halo % 2
    for y0 in range(0, height, rows):
        y1 = min(y0 + rows, height)
        yield max(y0 - halo, 0), min(y1 + halo, height), y0, y1


def upscale_bands(
    impl: Upscaler, lr: np.ndarray, side: SideInfo, device: str, rows: int | None = None
) -> Iterator[tuple[int, np.ndarray]]:
    """Yields (first HR row, uint8 HR band) covering the upscaled image top to bottom."""
    s = side.scale
    halo = impl.halo
    rows = rows or band_rows(lr.shape[1], s, halo)
    for r0, r1, c0, c1 in row_bands(lr.shape[0], rows, halo):
        if (r0, r1) == (0, lr.shape[0]):
            hr = impl.upscale(lr, side, device)  # one band: the whole image, as ever
        else:
            hr = impl.upscale(lr[r0:r1], side, device)
        expected = ((r1 - r0) * s, lr.shape[1] * s)
        if hr.shape[:2] != expected:
            from srcodec.errors import CorruptError

            msg = f"upscaler {impl.name} returned {hr.shape[:2]}, expected {expected}"
            raise CorruptError(msg)
        yield c0 * s, hr[(c0 - r0) * s : (c1 - r0) * s]
