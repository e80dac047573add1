"""Stream <-> bytes: signature, version, chunk order and the critical/ancillary policy.

Layout (spec §2-§3): `89 53 5A <version>` then chunks. HEAD comes first, the base payload
chunk B comes last, so a stream cut anywhere is detected (there is no end marker to lose).
Between them: at most one of each of A (alpha, critical), S (tool strength, critical),
i (ICC), x (EXIF); unknown
lowercase chunks are skipped and kept, unknown uppercase ones are refused.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from srcodec.errors import CorruptError, LimitError, NotSrzError, TruncatedError, UnsupportedError
from srcodec.format import ids
from srcodec.format.chunks import Chunk, decode_chunk, encode_chunk
from srcodec.format.header import Header
from srcodec.format.strength import StrengthChunk

MAGIC = b"\x89SZ"
VERSION_MAJOR = 1
VERSION_MINOR = 3  # 1.1: upscaler id 3 (restore); 1.2: base id 4 (learned); 1.3: chunk S
SIGNATURE = MAGIC + bytes([VERSION_MAJOR << 4 | VERSION_MINOR])
DEFAULT_MAX_PIXELS = 178_956_970  # Pillow's decompression-bomb error threshold (2 x 89,478,485)
MAX_ICC_BYTES = 16 << 20  # spec §8: an inflated ICC profile larger than this is refused
_KNOWN = {
    ids.CHUNK_HEAD,
    ids.CHUNK_BASE,
    ids.CHUNK_ALPHA,
    ids.CHUNK_STRENGTH,
    ids.CHUNK_ICC,
    ids.CHUNK_EXIF,
}


@dataclass
class Stream:
    """A parsed .srz file: the header plus the payloads of each chunk."""

    header: Header
    base_payload: bytes
    alpha: bytes | None = None  # a PNG of the full-resolution 8-bit alpha plane
    icc: bytes | None = None  # the raw ICC profile (stored zlib-compressed)
    exif: bytes | None = None  # raw EXIF block as Pillow writes it ("Exif\0\0" optional)
    strength: StrengthChunk | None = None  # how much of the learned tool to keep (§3.5)
    extra: list[Chunk] = field(default_factory=list)  # unknown ancillary chunks, kept
    version: tuple[int, int] = (VERSION_MAJOR, VERSION_MINOR)


def probe(prefix: bytes) -> bool:
    """True if `prefix` (>= 3 bytes) starts like an .srz stream, of any version."""
    return prefix[:3] == MAGIC


def write(stream: Stream) -> bytes:
    chunks = [Chunk(ids.CHUNK_HEAD, stream.header.to_bytes())]
    if stream.icc is not None:
        chunks.append(Chunk(ids.CHUNK_ICC, zlib.compress(stream.icc, 9)))
    if stream.exif is not None:
        chunks.append(Chunk(ids.CHUNK_EXIF, stream.exif))
    chunks.extend(stream.extra)
    if stream.strength is not None:
        chunks.append(Chunk(ids.CHUNK_STRENGTH, stream.strength.to_bytes()))
    if stream.alpha is not None:
        chunks.append(Chunk(ids.CHUNK_ALPHA, stream.alpha))
    chunks.append(Chunk(ids.CHUNK_BASE, stream.base_payload))
    return SIGNATURE + b"".join(encode_chunk(c) for c in chunks)


def read(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Stream:
    """Parse and validate a whole stream. Raises a FormatError subclass (spec §9)."""
    if len(data) < len(SIGNATURE):
        if MAGIC.startswith(data[:3]) and data:
            msg = f"truncated: the stream is {len(data)} bytes, shorter than its 4-byte signature"
            raise TruncatedError(msg)
        msg = "not an .srz stream (empty or too short)"
        raise NotSrzError(msg)
    if not probe(data):
        msg = f"not an .srz stream (signature {data[:4].hex()}, expected {SIGNATURE.hex()})"
        raise NotSrzError(msg)
    major, minor = data[3] >> 4, data[3] & 0xF
    if major != VERSION_MAJOR:  # spec §7: only a major change may break readers
        msg = f"stream version {major}.{minor}; this decoder reads {VERSION_MAJOR}.x"
        raise UnsupportedError(msg)

    pos = len(SIGNATURE)
    seen: dict[int, Chunk] = {}
    extra: list[Chunk] = []
    header: Header | None = None
    while True:
        if pos >= len(data):
            what = "HEAD" if header is None else "base chunk B"
            msg = f"truncated: the stream ends at byte {pos}, before {what}"
            raise TruncatedError(msg)
        chunk, pos = decode_chunk(data, pos)
        if header is None:
            if chunk.type != ids.CHUNK_HEAD:
                msg = f"first chunk is {chunk.name!r}, HEAD 'H' must come first"
                raise CorruptError(msg)
            header = Header.from_bytes(chunk.data, max_pixels=max_pixels)
            continue
        if chunk.type in seen or chunk.type == ids.CHUNK_HEAD:
            msg = f"chunk {chunk.name!r} appears twice"
            raise CorruptError(msg)
        if chunk.type not in _KNOWN:
            if chunk.critical:
                msg = f"unknown critical chunk {chunk.name!r} (needs a newer decoder)"
                raise UnsupportedError(msg)
            extra.append(chunk)
            continue
        seen[chunk.type] = chunk
        if chunk.type == ids.CHUNK_BASE:
            break
    if pos != len(data):
        msg = f"{len(data) - pos} bytes after the base chunk B, which must be last"
        raise CorruptError(msg)
    strength = None
    if ids.CHUNK_STRENGTH in seen:
        if header.upscaler == ids.UPSCALER_BICUBIC:
            msg = "chunk 'S' (learned tool strength) in a stream whose upscaler is bicubic"
            raise CorruptError(msg)
        strength = StrengthChunk.from_bytes(seen[ids.CHUNK_STRENGTH].data)
    return Stream(
        header=header,
        base_payload=seen[ids.CHUNK_BASE].data,
        alpha=_data(seen, ids.CHUNK_ALPHA),
        icc=_inflate_icc(seen[ids.CHUNK_ICC].data) if ids.CHUNK_ICC in seen else None,
        exif=_data(seen, ids.CHUNK_EXIF),
        strength=strength,
        extra=extra,
        version=(major, minor),
    )


def _data(seen: dict[int, Chunk], ctype: int) -> bytes | None:
    chunk = seen.get(ctype)
    return None if chunk is None else chunk.data


def _inflate_icc(blob: bytes) -> bytes:
    """Inflate with a cap so a small chunk cannot expand into gigabytes (spec §8)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(blob, MAX_ICC_BYTES + 1)
    except zlib.error as exc:
        msg = f"chunk 'i': ICC profile does not inflate ({exc})"
        raise CorruptError(msg) from None
    if len(out) > MAX_ICC_BYTES:
        msg = f"chunk 'i': ICC profile inflates beyond {MAX_ICC_BYTES} bytes"
        raise LimitError(msg)
    if not inflater.eof:
        msg = "chunk 'i': ICC profile zlib stream is incomplete"
        raise CorruptError(msg)
    return out
