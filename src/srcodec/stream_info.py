"""`srcodec.info`: a stream's header fields and chunk sizes, read without decoding pixels
or importing torch (the decode side: it reads streams, srcodec.decoder decodes them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srcodec import arguments, image_io
from srcodec import format as fmt
from srcodec.base import BASE_CODECS
from srcodec.errors import UnsupportedError
from srcodec.format import ids
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.upscale import UPSCALERS

if TYPE_CHECKING:
    import os
    from typing import IO


def info(
    data: bytes | str | os.PathLike | IO[bytes], *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> dict[str, Any]:
    """Header fields and chunk sizes, without decoding pixels or importing torch."""
    arguments.check_int("max_pixels", max_pixels, low=1)
    raw = image_io.read_bytes(data)
    stream = fmt.read(raw, max_pixels=max_pixels)
    h = stream.header
    base = _name_or_id(BASE_CODECS, h.base)
    up_entry = _entry_or_none(UPSCALERS, h.upscaler)
    lr_w, lr_h = h.lr_size
    learned = bool(up_entry and up_entry.learned)
    if h.scale > 1 and learned:
        detail = "synthesized above the LR resolution by a learned upscaler"
    elif h.scale > 1:
        detail = "interpolated above the LR resolution (nothing synthesized)"
    else:
        detail = "transmitted at full resolution"
    chunk_bytes = {"B": len(stream.base_payload)}
    for key, blob in (("A", stream.alpha), ("i", stream.icc), ("x", stream.exif)):
        if blob is not None:
            chunk_bytes[key] = len(blob)
    strength = None
    if stream.strength is not None:  # spec §3.5: chunk S, the encoder-chosen tool strength
        chunk_bytes["S"] = len(stream.strength.to_bytes())
        strength = {
            "tile": stream.strength.tile,
            "gains": [g / 32 for g in stream.strength.gains],
            "map": stream.strength.has_map,
        }
    return {
        "version": "{}.{}".format(*stream.version),
        "width": h.width,
        "height": h.height,
        "channels": h.channels + (1 if stream.alpha is not None else 0),
        "colour": "gray" if h.colour == ids.COLOUR_GRAY else "rgb",
        "alpha": stream.alpha is not None,
        "source_bits": 16 if h.source_16bit else 8,
        "scale": h.scale,
        "lr_width": lr_w,
        "lr_height": lr_h,
        "downsampler": "aa-cubic" if h.downsampler == ids.DOWNSAMPLER_AA_CUBIC else h.downsampler,
        "base": base,
        "quality": None if h.quality == ids.QUALITY_NONE else h.quality,
        **_describe(base, stream.base_payload),
        "upscaler": up_entry.name if up_entry else h.upscaler,
        "model_hash": h.model_hash.hex() if h.model_hash else None,
        "strength": strength,
        "detail": detail,
        "icc_profile": stream.icc is not None,
        "exif": stream.exif is not None,
        "file_bytes": len(raw),
        "payload_bytes": len(stream.base_payload),
        "overhead_bytes": len(raw) - len(stream.base_payload),
        "chunk_bytes": chunk_bytes,
        "bpp": len(raw) * 8 / (h.width * h.height),
    }


def _describe(base: str | int, payload: bytes) -> dict[str, str | None]:
    """What the base codec reads off its payload (chroma layout, model); nothing for a
    base this decoder does not know."""
    if isinstance(base, int):
        return {"chroma": None, "base_model": None}
    return BASE_CODECS.entry(base).get().describe(payload)


def _entry_or_none(registry: Any, wire_id: int) -> Any:
    try:
        return registry.by_wire_id(wire_id)
    except UnsupportedError:
        return None


def _name_or_id(registry: Any, wire_id: int) -> str | int:
    entry = _entry_or_none(registry, wire_id)
    return entry.name if entry else wire_id
