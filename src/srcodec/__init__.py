"""srcodec: downsample, code the low-resolution image, upscale it back with a learned model.

    >>> import srcodec
    >>> data = srcodec.encode("photo.png")                    # auto: smaller than AVIF q60
    >>> data = srcodec.encode("photo.png", target_psnr=36)   # the smallest stream >= 36 dB
    >>> img = srcodec.decode(data)              # PIL image at the original size
    >>> lr = srcodec.decode(data, lr_only=True) # the transmitted LR image
    >>> srcodec.info(data)["bpp"]

Importing srcodec never imports torch; only learned upscalers do, when they run.
"""

from __future__ import annotations

from srcodec.decoder import decode, decode_with_report
from srcodec.encoder import encode, encode_explained
from srcodec.errors import (
    BackendUnavailableError,
    ChecksumError,
    CorruptError,
    FormatError,
    LimitError,
    NotSrzError,
    SrcodecError,
    TruncatedError,
    UnsupportedError,
    UsageError,
)
from srcodec.stream_info import info

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailableError",
    "ChecksumError",
    "CorruptError",
    "FormatError",
    "LimitError",
    "NotSrzError",
    "SrcodecError",
    "TruncatedError",
    "UnsupportedError",
    "UsageError",
    "decode",
    "decode_with_report",
    "encode",
    "encode_explained",
    "info",
]
