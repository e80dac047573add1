"""Overlapping tiles for convolutional upscalers, so any image size runs in bounded memory.

Each tile is read with `overlap` pixels of context on every side (clamped at the image edge,
where the net zero-pads exactly as on the whole image); only its core is kept. When the
overlap is at least the network's receptive radius, tiled output equals whole-image output
up to float rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

Box = tuple[int, int, int, int]  # y0, y1, x0, x1


def tiles(h: int, w: int, tile: int, overlap: int) -> Iterator[tuple[Box, Box]]:
    """Yields (read box in the image, core box relative to the read box) covering h x w
    once: cores are tile x tile (smaller at the right/bottom edge), reads add `overlap`."""
    if tile < 1 or overlap < 0:
        msg = f"tile must be >= 1 and overlap >= 0, got {tile}, {overlap}"
        raise ValueError(msg)
    for ty in range(0, h, tile):
        for tx in range(0, w, tile):
            ty1, tx1 = min(ty + tile, h), min(tx + tile, w)
            y0, x0 = max(ty - overlap, 0), max(tx - overlap, 0)
            y1, x1 = min(ty1 + overlap, h), min(tx1 + overlap, w)
            yield (y0, y1, x0, x1), (ty - y0, ty1 - y0, tx - x0, tx1 - x0)
