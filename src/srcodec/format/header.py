"""The HEAD chunk as a frozen dataclass (spec §4).

HEAD data layout, in order:
  width   LEB128 (1-4 bytes)  original image width in pixels, >= 1
  height  LEB128 (1-4 bytes)  original image height in pixels, >= 1
  pixel   1 byte  bits 0-1 colour model, bit 2 source had 16 bits/sample,
                  bits 3-4 scale - 1, bits 5-7 downsampler id
  base    1 byte  base codec id (spec §6.1)
  quality 1 byte  the base codec's quality 0-100, or 255 = none
  upscaler 1 byte upscaler id (spec §6.2)
  model   0 or 4 bytes: first 4 bytes of the SHA-256 of the upscaler's model file
"""

from __future__ import annotations

from dataclasses import dataclass

from srcodec.errors import CorruptError, LimitError, TruncatedError
from srcodec.format import ids
from srcodec.format.chunks import decode_varint, encode_varint

MAX_DIMENSION = (1 << 24) - 1  # spec §8
MODEL_HASH_BYTES = 4
SCALES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Header:
    width: int
    height: int
    colour: int = ids.COLOUR_RGB
    scale: int = 2
    base: int = ids.BASE_AVIF
    quality: int = 50
    upscaler: int = ids.UPSCALER_BICUBIC
    model_hash: bytes | None = None
    downsampler: int = ids.DOWNSAMPLER_AA_CUBIC
    source_16bit: bool = False

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.width <= MAX_DIMENSION or not 1 <= self.height <= MAX_DIMENSION:
            problems.append(f"size {self.width}x{self.height} outside 1..{MAX_DIMENSION}")
        if self.colour not in (ids.COLOUR_GRAY, ids.COLOUR_RGB):
            problems.append(f"colour model {self.colour} unknown")
        if self.scale not in SCALES:
            problems.append(f"scale {self.scale} not in {SCALES}")
        if not 0 <= self.downsampler <= 7:
            problems.append(f"downsampler id {self.downsampler} outside 0..7")
        for name in ("base", "upscaler"):
            if not 0 <= getattr(self, name) <= 255:
                problems.append(f"{name} id outside 0..255")
        if not (0 <= self.quality <= 100 or self.quality == ids.QUALITY_NONE):
            problems.append(f"quality {self.quality} outside 0..100 and not 255")
        if self.model_hash is not None and len(self.model_hash) != MODEL_HASH_BYTES:
            problems.append(f"model hash must be {MODEL_HASH_BYTES} bytes")
        if problems:
            msg = "invalid header: " + "; ".join(problems)
            raise CorruptError(msg)

    @property
    def channels(self) -> int:
        return 1 if self.colour == ids.COLOUR_GRAY else 3

    @property
    def lr_size(self) -> tuple[int, int]:
        """Size of the transmitted LR image: ceil(W/scale) x ceil(H/scale) (spec §5.2)."""
        return -(-self.width // self.scale), -(-self.height // self.scale)

    def to_bytes(self) -> bytes:
        pixel = (
            self.colour
            | (int(self.source_16bit) << 2)
            | ((self.scale - 1) << 3)
            | (self.downsampler << 5)
        )
        out = encode_varint(self.width) + encode_varint(self.height)
        out += bytes([pixel, self.base, self.quality, self.upscaler])
        return out + (self.model_hash or b"")

    @classmethod
    def from_bytes(cls, data: bytes, *, max_pixels: int) -> Header:
        width, pos = decode_varint(data, 0, max_bytes=4, what="HEAD width")
        height, pos = decode_varint(data, pos, max_bytes=4, what="HEAD height")
        rest = data[pos:]
        if len(rest) not in (4, 4 + MODEL_HASH_BYTES):
            if len(rest) < 4:
                msg = f"truncated: HEAD is {len(data)} bytes, shorter than its fixed fields"
                raise TruncatedError(msg)
            msg = f"HEAD: {len(rest) - 4} trailing bytes (0 or {MODEL_HASH_BYTES} allowed)"
            raise CorruptError(msg)
        if width * height > max_pixels:  # spec §8: before anything is allocated
            msg = (
                f"HEAD: {width}x{height} = {width * height:,} pixels is over the limit of "
                f"{max_pixels:,}; raise it with --max-pixels (library: max_pixels=)"
            )
            raise LimitError(msg)
        pixel, base, quality, upscaler = rest[:4]
        if pixel & 0b11 > ids.COLOUR_RGB:
            msg = f"HEAD: reserved colour model {pixel & 0b11}"
            raise CorruptError(msg)
        return cls(
            width=width,
            height=height,
            colour=pixel & 0b11,
            source_16bit=bool(pixel & 0b100),
            scale=((pixel >> 3) & 0b11) + 1,
            downsampler=pixel >> 5,
            base=base,
            quality=quality,
            upscaler=upscaler,
            model_hash=bytes(rest[4:]) or None,
        )
