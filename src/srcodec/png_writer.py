"""A PNG encoder fed row band by row band, so a decode never holds the whole output image.

Pillow only saves whole images, and a 13000 x 13000 RGB image is 676 MB in Pillow's layout.
This writer takes uint8 rows as they come from the upscaler, filters them with the usual
adaptive heuristic (per row, the filter with the smallest sum of absolute signed bytes, as
libpng and Pillow do) and deflates them as they arrive. Chunks: IHDR, iCCP, eXIf, iTXt,
IDAT..., IEND, 8 bits per sample, no interlace.
"""

from __future__ import annotations

import struct
import zlib
from typing import IO

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> gray, gray+alpha, RGB, RGBA
IDAT_BYTES = 1 << 18  # compressed bytes per IDAT chunk
FILTER_SAMPLES = 1 << 20  # samples filtered at once: bounds the 5 candidate filterings


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


class PngWriter:
    """Write a width x height PNG to `out` through write(rows) calls, then close()."""

    def __init__(
        self,
        out: IO[bytes],
        width: int,
        height: int,
        channels: int,
        *,
        text: dict[str, str] | None = None,
        icc: bytes | None = None,
        exif: bytes | None = None,
        level: int = 6,
    ) -> None:
        if channels not in COLOUR_TYPES:
            msg = f"PNG rows need 1-4 channels, got {channels}"
            raise ValueError(msg)
        self.out, self.width, self.height, self.channels = out, width, height, channels
        self.rows_written = 0
        self._prev = np.zeros(width * channels, dtype=np.uint8)
        self._deflate = zlib.compressobj(level)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        ihdr = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
        out.write(SIGNATURE + _chunk(b"IHDR", ihdr))
        if icc:
            out.write(_chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc)))
        if exif:
            # eXIf holds the TIFF structure without the JPEG APP1 "Exif\0\0" prefix
            out.write(_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
        for key, value in (text or {}).items():
            body = key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")
            out.write(_chunk(b"iTXt", body))

    def write(self, rows: np.ndarray) -> None:
        """uint8 n x width x channels (or n x width for one channel), top to bottom."""
        rows = rows.reshape(rows.shape[0], -1)
        if rows.dtype != np.uint8 or rows.shape[1] != self.width * self.channels:
            msg = f"rows must be uint8 with {self.width}x{self.channels} samples, got {rows.shape}"
            raise ValueError(msg)
        if self.rows_written + rows.shape[0] > self.height:
            msg = f"more than {self.height} rows written"
            raise ValueError(msg)
        step = max(1, FILTER_SAMPLES // rows.shape[1])
        for i in range(0, rows.shape[0], step):
            part = rows[i : i + step]
            self._emit(self._deflate.compress(_filtered(part, self._prev, self.channels)))
            self._prev = part[-1]
        self.rows_written += rows.shape[0]

    def close(self) -> None:
        if self.rows_written != self.height:
            msg = f"{self.rows_written} of {self.height} rows written"
            raise ValueError(msg)
        self._emit(self._deflate.flush(), final=True)
        self.out.write(_chunk(b"IEND", b""))

    def _emit(self, data: bytes, final: bool = False) -> None:
        if data:
            self._pending.append(data)
            self._pending_bytes += len(data)
        if self._pending_bytes >= IDAT_BYTES or (final and self._pending):
            self.out.write(_chunk(b"IDAT", b"".join(self._pending)))
            self._pending, self._pending_bytes = [], 0


def _filtered(rows: np.ndarray, prev: np.ndarray, bpp: int) -> bytes:
    """Each row prefixed by its filter type byte, the filter chosen per row (PNG §12.8)."""
    raw = rows.astype(np.int16)
    up = np.vstack([prev[None].astype(np.int16), raw[:-1]])
    left = np.zeros_like(raw)
    left[:, bpp:] = raw[:, :-bpp]
    upleft = np.zeros_like(raw)
    upleft[:, bpp:] = up[:, :-bpp]
    p = left + up - upleft
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - upleft)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
    candidates = np.stack(
        [raw, raw - left, raw - up, raw - ((left + up) >> 1), raw - paeth]
    ).astype(np.uint8)  # wraps modulo 256, as PNG filters do
    cost = np.abs(candidates.view(np.int8).astype(np.int32)).sum(axis=2)  # 5 x n
    best = cost.argmin(axis=0)
    chosen = candidates[best, np.arange(rows.shape[0])]
    return np.hstack([best.astype(np.uint8)[:, None], chosen]).tobytes()
