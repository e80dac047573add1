"""One chunk: type byte, LEB128 length, data, CRC-32 (spec §3).

A chunk is `type (1 byte) | length (unsigned LEB128, 1-4 bytes) | data | CRC-32 (4 bytes,
big-endian)`, the CRC computed over type, length and data bytes (zlib's CRC-32, as in PNG).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from srcodec.errors import ChecksumError, CorruptError, LimitError, TruncatedError

MAX_CHUNK_LENGTH = (1 << 28) - 1  # spec §8: a 4-byte LEB128 holds 28 bits
_CRC_BYTES = 4


@dataclass(frozen=True)
class Chunk:
    type: int  # one ASCII letter
    data: bytes

    @property
    def critical(self) -> bool:
        """Uppercase letters are critical: an unknown one must be refused (spec §3.2)."""
        return 0x41 <= self.type <= 0x5A

    @property
    def name(self) -> str:
        return chr(self.type)


def is_chunk_type(value: int) -> bool:
    return 0x41 <= value <= 0x5A or 0x61 <= value <= 0x7A


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128: 7 bits a byte, low group first, high bit = more bytes follow."""
    if value < 0:
        msg = f"varint cannot hold negative value {value}"
        raise ValueError(msg)
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf: bytes, pos: int, *, max_bytes: int, what: str) -> tuple[int, int]:
    """Read a minimal LEB128 at buf[pos:]; returns (value, new_pos). Spec §3.1."""
    value = 0
    for i in range(max_bytes):
        if pos + i >= len(buf):
            msg = f"truncated: {what}: the stream ends inside a length field at byte {pos + i}"
            raise TruncatedError(msg)
        byte = buf[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                msg = f"{what}: non-minimal varint encoding at byte {pos}"
                raise CorruptError(msg)
            return value, pos + i + 1
    msg = f"{what}: varint longer than {max_bytes} bytes at byte {pos}"
    raise LimitError(msg)


def encode_chunk(chunk: Chunk) -> bytes:
    if not is_chunk_type(chunk.type):
        msg = f"chunk type {chunk.type:#04x} is not an ASCII letter"
        raise ValueError(msg)
    if len(chunk.data) > MAX_CHUNK_LENGTH:
        msg = f"chunk {chunk.name}: {len(chunk.data)} bytes exceeds {MAX_CHUNK_LENGTH}"
        raise LimitError(msg)
    body = bytes([chunk.type]) + encode_varint(len(chunk.data)) + chunk.data
    return body + zlib.crc32(body).to_bytes(_CRC_BYTES, "big")


def decode_chunk(buf: bytes, pos: int) -> tuple[Chunk, int]:
    """Parse the chunk starting at buf[pos]; bounds-check before slicing. Spec §3.1."""
    start = pos
    ctype = buf[pos]
    if not is_chunk_type(ctype):
        msg = f"byte {pos}: {ctype:#04x} is not a chunk type (ASCII letter expected)"
        raise CorruptError(msg)
    length, pos = decode_varint(buf, pos + 1, max_bytes=4, what=f"chunk {chr(ctype)}")
    remaining = len(buf) - pos
    if length + _CRC_BYTES > remaining:
        msg = (
            f"truncated: chunk {chr(ctype)} at byte {start} declares {length} bytes + CRC, "
            f"{max(remaining, 0)} remain"
        )
        raise TruncatedError(msg)
    end = pos + length
    stored = int.from_bytes(buf[end : end + _CRC_BYTES], "big")
    if zlib.crc32(buf[start:end]) != stored:
        msg = f"chunk {chr(ctype)} at byte {start}: CRC-32 mismatch (damaged stream)"
        raise ChecksumError(msg)
    return Chunk(ctype, bytes(buf[pos:end])), end + _CRC_BYTES
