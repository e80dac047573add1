"""Wire identifiers, mirrored from bitstream_spec/SPEC.md §6.

Literal constants, never derived from registry order: once released an id is fixed forever,
so adding a codec never renumbers old files.
"""

from __future__ import annotations

# spec §6.1 base codecs
BASE_PNG = 0
BASE_JPEG = 1
BASE_WEBP = 2
BASE_AVIF = 3
BASE_LEARNED = 4  # spec §6.1.1: srcodec's factorized-prior transform codec
# 5..127 reserved for the spec, 128..255 private use.

# spec §6.2 upscalers
UPSCALER_BICUBIC = 0
UPSCALER_RAISR = 1
UPSCALER_CNN = 2
UPSCALER_RESTORE = 3

# spec §6.3 downsamplers
DOWNSAMPLER_AA_CUBIC = 0

# spec §6.4 colour models
COLOUR_GRAY = 0
COLOUR_RGB = 1

# spec §3.3 chunk types (one ASCII letter; uppercase = critical, lowercase = ancillary)
CHUNK_HEAD = ord("H")
CHUNK_BASE = ord("B")
CHUNK_ALPHA = ord("A")
CHUNK_ENHANCEMENT = ord("E")  # reserved: a 1.x decoder refuses it (critical, unknown)
CHUNK_STRENGTH = ord("S")  # 1.3: per-channel and per-tile strength of the learned tool
CHUNK_ICC = ord("i")
CHUNK_EXIF = ord("x")

# quality byte value meaning "the base codec has no quality knob" (lossless PNG)
QUALITY_NONE = 255
