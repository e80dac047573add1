"""Streams and payloads that tests/test_web_decoder.py crafts to compare the browser decoder's
refusals with the Python decoder's: learned-base payloads at each check of the information
budget (spec §6.1.1), base payloads of every header kind, and base payloads whose own header
disagrees with the HEAD. Written under harness.FIXTURES (served, git-ignored).
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from harness import FIXTURES
from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path

HUGE = (13000, 13000)  # 169 Mpixels, under the default pixel limit
CASES = ("empty", "one-word", "misaligned", "free-run")
BUDGET_NAMES = [f"v{version}-{case}" for version in (0, 1) for case in CASES]
HEADER_KINDS = {  # Pillow save() options -> each header kind a base payload carries
    "png": ("PNG", {}),
    "jpeg": ("JPEG", {}),
    "jpeg-progressive": ("JPEG", {"progressive": True}),
    "webp-vp8": ("WEBP", {}),
    "webp-vp8l": ("WEBP", {"lossless": True}),
    "webp-vp8x": ("WEBP", {"exif": b"Exif\0\0II*\0\x08\0\0\0\0\0"}),
    "avif": ("AVIF", {}),
}


def _written(name: str, data: bytes) -> Path:
    path = FIXTURES / "crafted" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def budget_stream(name: str) -> Path:
    """A learned-base stream of payload version v (name `v<v>-<case>`): no words, one word or
    3 bytes at 169 Mpixels (refused before the symbols are allocated: the early bound), or at
    64x64 one word that codes the first latent and leaves the rest a free run of table index
    0 (refused while decoding, after the channel or table run the Python decoder checks)."""
    from srcodec import entropy
    from srcodec import format as fmt
    from srcodec.base import learned, learned_budget, learned_context

    version, case = int(name[1]), name[3:]
    m = learned.model()
    words = {"empty": b"", "one-word": b"\x01\0\0\0", "misaligned": b"\x01\x02\x03"}.get(case)
    if words is None:
        context = m.context if version else None
        symbols = np.full((len(m.tables), 4, 4), -learned_budget.radius(m.tables, context))
        symbols[0, 0, 0] += 1
        if context is None:
            words, _ = entropy.encode(symbols.reshape(len(symbols), -1), m.tables)
        else:
            words, _ = learned_context.encode(symbols, context)
    size = (64, 64) if case == "free-run" else HUGE
    head = fmt.Header(*size, scale=1, base=4, quality=50)
    payload = learned.pack(version, m.hash, 50, words, b"")
    return _written(f"{name}.srz", fmt.write(fmt.Stream(head, payload)))


def header_payloads(width: int = 37, height: int = 21) -> dict[str, bytes]:
    """One payload of each header kind, of width x height."""
    pixels = np.arange(width * height * 3, dtype=np.uint8).reshape(height, width, 3)
    out = {}
    for name, (pil_format, options) in HEADER_KINDS.items():
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format=pil_format, **options)
        out[name] = buf.getvalue()
    return out


def garbled(payload: bytes) -> bytes:
    """The payload with its header kept and its coded pixels zeroed: from the PNG IDAT data,
    the JPEG scan, the AVIF mdat content or byte 30 of WebP on, but the last 12 bytes."""
    start = 30
    for marker, skip in ((b"IDAT", 4), (b"mdat", 4), (b"\xff\xda", 2)):
        at = payload.find(marker)
        if at >= 0:
            start = at + skip + (int.from_bytes(payload[at + 2 : at + 4]) if skip == 2 else 0)
            break
    return payload[:start] + bytes(len(payload) - 12 - start) + payload[-12:]


def wider_head(vector: Path) -> Path:
    """The vector with a HEAD one LR column wider than its payload and its pixels garbled."""
    from srcodec import format as fmt

    stream = fmt.read(vector.read_bytes())
    stream.header = replace(stream.header, width=stream.header.width + stream.header.scale)
    stream.base_payload = garbled(stream.base_payload)
    return _written(f"wider-{vector.name}", fmt.write(stream))
