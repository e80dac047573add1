from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srcodec import format as fmt
from srcodec.errors import (
    ChecksumError,
    CorruptError,
    FormatError,
    LimitError,
    NotSrzError,
    TruncatedError,
    UnsupportedError,
)
from srcodec.format import ids
from srcodec.format.chunks import Chunk, decode_varint, encode_chunk, encode_varint
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.format.header import MAX_DIMENSION

headers = st.builds(
    fmt.Header,
    width=st.integers(1, MAX_DIMENSION),
    height=st.integers(1, MAX_DIMENSION),
    colour=st.sampled_from([ids.COLOUR_GRAY, ids.COLOUR_RGB]),
    scale=st.sampled_from([1, 2, 3, 4]),
    base=st.integers(0, 255),
    quality=st.one_of(st.integers(0, 100), st.just(ids.QUALITY_NONE)),
    upscaler=st.integers(0, 255),
    model_hash=st.one_of(st.none(), st.binary(min_size=4, max_size=4)),
    downsampler=st.integers(0, 7),
    source_16bit=st.booleans(),
)


@given(st.integers(0, (1 << 28) - 1))
def test_varint_round_trip(value: int) -> None:
    raw = encode_varint(value)
    assert decode_varint(raw, 0, max_bytes=4, what="t") == (value, len(raw))


def test_varint_rejects_non_minimal_and_overlong() -> None:
    with pytest.raises(CorruptError, match="non-minimal"):
        decode_varint(b"\x81\x00", 0, max_bytes=4, what="t")
    with pytest.raises(LimitError, match="longer than 4"):
        decode_varint(b"\xff\xff\xff\xff\x01", 0, max_bytes=4, what="t")
    with pytest.raises(TruncatedError):
        decode_varint(b"\x80", 0, max_bytes=4, what="t")


@given(headers)
def test_header_round_trip(header: fmt.Header) -> None:
    assert fmt.Header.from_bytes(header.to_bytes(), max_pixels=1 << 60) == header


@given(headers, st.binary(max_size=300), st.binary(max_size=50), st.binary(max_size=50))
def test_stream_round_trip(header: fmt.Header, payload: bytes, icc: bytes, exif: bytes) -> None:
    stream = fmt.Stream(header, payload, icc=icc or None, exif=exif or None)
    back = fmt.read(fmt.write(stream), max_pixels=1 << 60)
    assert (back.header, back.base_payload, back.icc, back.exif) == (
        header,
        payload,
        icc or None,
        exif or None,
    )


@pytest.fixture
def good() -> bytes:
    header = fmt.Header(width=768, height=512, base=ids.BASE_AVIF, quality=40)
    return fmt.write(fmt.Stream(header, bytes(range(256)) * 4, exif=b"II*\x00exif"))


def test_overhead_is_small(good: bytes) -> None:
    # spec §11: 25 bytes for a bicubic stream with a payload under 16 KiB (goal <= 24)
    header = fmt.Header(width=768, height=512)
    assert len(fmt.write(fmt.Stream(header, b"x" * 12000))) - 12000 == 25


def test_every_truncation_is_detected(good: bytes) -> None:
    for cut in range(len(good)):
        with pytest.raises((TruncatedError, NotSrzError)):
            fmt.read(good[:cut])


def test_every_single_bit_flip_is_detected(good: bytes) -> None:
    for pos in range(len(good)):
        for bit in (0, 3, 7):
            if pos == 3 and bit < 4:
                continue  # the minor version nibble: any 1.x is readable (spec §7)
            damaged = bytearray(good)
            damaged[pos] ^= 1 << bit
            with pytest.raises(FormatError):
                fmt.read(bytes(damaged))


def test_wrong_magic_and_version(good: bytes) -> None:
    with pytest.raises(NotSrzError, match=r"not an \.srz stream"):
        fmt.read(b"\x89PNG\r\n\x1a\n" + good[8:])
    with pytest.raises(NotSrzError):
        fmt.read(b"")
    with pytest.raises(UnsupportedError, match=r"version 2\.0"):
        fmt.read(good[:3] + b"\x20" + good[4:])
    newer_minor = fmt.read(good[:3] + b"\x1f" + good[4:])  # spec §7: minors are readable
    assert newer_minor.version == (1, 15)


def test_critical_vs_ancillary_unknown_chunks(good: bytes) -> None:
    stream = fmt.read(good)
    head = encode_chunk(Chunk(ids.CHUNK_HEAD, stream.header.to_bytes()))
    base = encode_chunk(Chunk(ids.CHUNK_BASE, stream.base_payload))
    skipped = fmt.read(fmt.SIGNATURE + head + encode_chunk(Chunk(ord("q"), b"later")) + base)
    assert skipped.extra == [Chunk(ord("q"), b"later")]
    with pytest.raises(UnsupportedError, match="unknown critical chunk 'Q'"):
        fmt.read(fmt.SIGNATURE + head + encode_chunk(Chunk(ord("Q"), b"")) + base)


def test_pixel_limit_checked_before_allocation() -> None:
    header = fmt.Header(width=20000, height=20000)
    data = fmt.write(fmt.Stream(header, b"payload"))
    with pytest.raises(LimitError, match="over the limit of"):
        fmt.read(data)
    assert fmt.read(data, max_pixels=400_000_000).header == header
    assert DEFAULT_MAX_PIXELS < 20000 * 20000


def test_checksum_error_names_the_chunk(good: bytes) -> None:
    damaged = bytearray(good)
    damaged[-1] ^= 0xFF
    with pytest.raises(ChecksumError, match="chunk B"):
        fmt.read(bytes(damaged))


def test_icc_bomb_is_refused() -> None:
    import zlib

    header = fmt.Header(width=4, height=4)
    bomb = zlib.compress(b"\x00" * (17 << 20))
    sig_head = fmt.SIGNATURE + encode_chunk(Chunk(ids.CHUNK_HEAD, header.to_bytes()))
    data = (
        sig_head
        + encode_chunk(Chunk(ids.CHUNK_ICC, bomb))
        + encode_chunk(Chunk(ids.CHUNK_BASE, b""))
    )
    with pytest.raises(LimitError, match="ICC"):
        fmt.read(data)


def test_invalid_header_values() -> None:
    with pytest.raises(CorruptError, match="size 0x5"):
        fmt.Header(width=0, height=5)
    raw = bytearray(fmt.Header(width=3, height=3).to_bytes())
    raw[2] |= 0b11  # colour model 3 is reserved
    with pytest.raises(CorruptError, match="reserved colour model"):
        fmt.Header.from_bytes(bytes(raw), max_pixels=100)


def test_format_package_imports_stdlib_only() -> None:
    """The reference reader needs nothing beyond the standard library (spec: pure Python)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _ISOLATED_IMPORT], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


_ISOLATED_IMPORT = """
import sys, types, pathlib, importlib
import srcodec.errors  # noqa: F401  (loads srcodec/__init__, which is allowed numpy/PIL)
for name in [m for m in sys.modules if m.split('.')[0] in ('numpy', 'PIL', 'torch')]:
    del sys.modules[name]
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('numpy', 'PIL', 'torch'):
            raise ImportError('format must not import ' + name)
sys.meta_path.insert(0, Block())
for mod in ('srcodec.format.chunks', 'srcodec.format.header', 'srcodec.format.container'):
    sys.modules.pop(mod, None)
    importlib.import_module(mod)
"""
