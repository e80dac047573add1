"""Code one image at one quality: srcodec through its public pipeline, peers through Pillow.

Peers are coded at full resolution the way CompressAI's `PillowCodec` does it (save to an
in-memory file, count every byte, open it again), so their bpp is file bytes x 8 / pixels.
Settings beyond quality:
  jpeg      Pillow's baseline JPEG with `subsampling` (default 4:2:0, Pillow's own default).
  webp      `method` (default 6, as srcodec's webp base layer; Pillow's default is 4).
  avif      `speed` (default 6, as srcodec's avif base layer).
  jpeg2000  OpenJPEG through Pillow: 9/7 irreversible wavelet, RGB->YCbCr transform (mct=1),
            raw .j2k codestream (no JP2 boxes), one quality layer. mode=dB makes quality a
            target PSNR in dB (OpenJPEG's fixed-quality mode), mode=rates a compression ratio.
            Pillow's defaults (reversible 5/3 wavelet, no colour transform) are a lossless
            setup and lose ~1-2 dB when rate-limited.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from srcodec.metrics.scoring import SCORINGS
from srcodec.rd.peers import PEERS

if TYPE_CHECKING:
    from srcodec.rd.spec import CodecSpec


@dataclass(frozen=True)
class Coded:
    """The result of one encode + decode. `decoded` is uint8 HxWx3, like the input."""

    num_bytes: int
    decoded: np.ndarray
    encoding_time: float  # seconds, wall clock
    decoding_time: float


def code(rgb: np.ndarray, spec: CodecSpec, quality: int) -> Coded:
    """Encode `rgb` (uint8 HxWx3) with `spec` at `quality`, decode it back, time both."""
    if spec.kind == "srcodec":
        return _code_srcodec(rgb, spec, quality)
    if spec.kind == "auto":
        return _code_auto(rgb, spec, quality)
    return _code_pillow(rgb, spec, quality)


def auto_keywords(spec: CodecSpec, value: int) -> dict[str, Any]:
    """`srcodec.encode` keywords for one point of an `auto` spec."""
    p = spec.params
    kw: dict[str, Any] = {"effort": int(p["effort"]), "metric": p["metric"]}
    if p["scale"] != "any":
        kw["scale"] = int(p["scale"])
    if p["upscaler"] != "auto":
        kw["upscaler"] = p["upscaler"]
    target = p["target"]
    if target == "quality":
        kw["quality"] = value
    elif target == "bpp":
        kw["target_bpp"] = value / 1000
    else:  # a metric: MS-SSIM (0..1) is given x 1000, PSNR and SSIMULACRA 2 as they are
        scale = 1000 if SCORINGS[target].high <= 1 else 1
        kw[SCORINGS[target].target_keyword] = value / scale
    return kw


def srcodec_stream(rgb: np.ndarray, spec: CodecSpec, quality: int) -> bytes:
    """The .srz stream of an `auto` or `srcodec` spec at one grid value (for callers that
    need the stream itself, e.g. `srcodec compare` reads the decoder's provenance)."""
    if spec.kind == "auto":
        import srcodec

        return srcodec.encode(rgb, **auto_keywords(spec, quality))
    from srcodec.base import BASE_CODECS
    from srcodec.rd.spec import base_options
    from srcodec.search import encode_manual

    p = spec.params
    # no quality knob: the grid only repeats the point
    lossless = BASE_CODECS.entry(p["base"]).get().lossless
    return encode_manual(
        rgb,
        scale=int(p["scale"]),
        base=p["base"],
        quality=None if lossless else quality,
        upscaler=p["upscaler"],
        options=base_options(p) or None,
        strength=None if "strength" not in p else p["strength"] == "1",
    )


def _code_auto(rgb: np.ndarray, spec: CodecSpec, value: int) -> Coded:
    import srcodec

    start = time.perf_counter()
    data = srcodec_stream(rgb, spec, value)
    mid = time.perf_counter()
    decoded = np.asarray(srcodec.decode(data).convert("RGB"))
    end = time.perf_counter()
    return Coded(len(data), decoded, mid - start, end - mid)


def _code_srcodec(rgb: np.ndarray, spec: CodecSpec, quality: int) -> Coded:
    from srcodec import decoder

    start = time.perf_counter()
    data = srcodec_stream(rgb, spec, quality)
    mid = time.perf_counter()
    img = decoder.decode(data)
    decoded = np.asarray(img.convert("RGB"))
    end = time.perf_counter()
    return Coded(len(data), decoded, mid - start, end - mid)


def pillow_options(spec: CodecSpec, quality: int) -> dict[str, Any]:
    """Keyword arguments for `Image.save` (also recorded in the JSON description)."""
    return PEERS[spec.kind].save_options(spec.params, quality)


def _code_pillow(rgb: np.ndarray, spec: CodecSpec, quality: int) -> Coded:
    img = Image.fromarray(rgb)
    options = pillow_options(spec, quality)
    buf = io.BytesIO()
    start = time.perf_counter()
    img.save(buf, format=PEERS[spec.kind].pil_format, **options)
    mid = time.perf_counter()
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as out:
        decoded = np.asarray(out.convert("RGB"))
    end = time.perf_counter()
    return Coded(len(data), decoded, mid - start, end - mid)
