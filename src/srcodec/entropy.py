"""Entropy coding of integer symbol arrays with constriction, from INTEGER tables only.

A table row is a channel's model: `counts[c, k]` for k = 0..2R (symbol value k - R) and
k = 2R + 1 (escape), positive integers summing to TOTAL = 2**16. Each row is handed to
constriction as float64 `counts / TOTAL`: exact dyadic values, so the fixed-point model
constriction builds from them (`perfect=False`, its deterministic IEEE-754 quantisation) is
the same on every machine, thread count and torch dtype. Nothing float from a network ever
reaches the coder, which is the failure CompressAI's issues #279/#340 describe.

Values outside -R..R are coded as the escape symbol plus the value itself, zigzag LEB128,
in a separate byte string; |value| is capped at MAX_ESCAPE (the encoder clamps).
"""

from __future__ import annotations

import numpy as np

from srcodec.errors import CorruptError

TOTAL = 1 << 16
MAX_ESCAPE = 1 << 15


def quantize_pmf(pmf: np.ndarray) -> np.ndarray:
    """float (C, K) probabilities -> int32 counts, each >= 1, each row summing to TOTAL.
    Used at export time only (the stored tables are the contract, not this function)."""
    pmf = np.asarray(pmf, np.float64)
    pmf = pmf / pmf.sum(1, keepdims=True)
    k = pmf.shape[1]
    counts = np.maximum(1, np.floor(pmf * (TOTAL - k)).astype(np.int64) + 1)
    for row in counts:  # put the rounding remainder on the most likely symbol
        row[np.argmax(row)] += TOTAL - row.sum()
    if (counts < 1).any():
        msg = "probability table cannot be quantised (too many symbols)"
        raise ValueError(msg)
    return counts.astype(np.int32)


def check_tables(counts: np.ndarray) -> None:
    if counts.ndim != 2 or counts.shape[1] < 3 or counts.shape[1] % 2:
        msg = f"tables must be (C, 2R+2), got {counts.shape}"
        raise ValueError(msg)
    if (counts < 1).any() or (counts.sum(1) != TOTAL).any():
        msg = f"every table row must be positive and sum to {TOTAL}"
        raise ValueError(msg)


def _models(counts: np.ndarray) -> list:
    import constriction

    probs = counts.astype(np.float64) / TOTAL
    return [constriction.stream.model.Categorical(p, perfect=False) for p in probs]


def _zigzag(values: np.ndarray) -> bytes:
    out = bytearray()
    for v in values.tolist():
        z = (v << 1) ^ (v >> 63) if v < 0 else v << 1
        while z >= 0x80:
            out.append((z & 0x7F) | 0x80)
            z >>= 7
        out.append(z)
    return bytes(out)


def _unzigzag(data: bytes, count: int) -> np.ndarray:
    values = np.empty(count, np.int64)
    pos = 0
    for i in range(count):
        z, shift = 0, 0
        while True:
            if pos >= len(data):
                msg = "truncated: learned escape values end early"
                raise CorruptError(msg)
            byte = data[pos]
            pos += 1
            z |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift > 21:  # MAX_ESCAPE needs 3 bytes at most
                msg = "learned escape value too long"
                raise CorruptError(msg)
        values[i] = (z >> 1) ^ -(z & 1)
        if abs(values[i]) > MAX_ESCAPE:
            msg = f"learned escape value {values[i]} outside +-{MAX_ESCAPE}"
            raise CorruptError(msg)
    if pos != len(data):
        msg = f"{len(data) - pos} bytes after the learned escape values"
        raise CorruptError(msg)
    return values


def encode(symbols: np.ndarray, counts: np.ndarray) -> tuple[bytes, bytes]:
    """int (C, n) values, one table row per channel -> (ANS words as little-endian uint32
    bytes, escape bytes). Channel 0 decodes first, each channel in raster order."""
    import constriction

    check_tables(counts)
    radius = (counts.shape[1] - 2) // 2
    values = np.clip(np.asarray(symbols, np.int64), -MAX_ESCAPE, MAX_ESCAPE)
    index = values + radius
    escaped = (index < 0) | (index > 2 * radius)
    index[escaped] = 2 * radius + 1
    models = _models(counts)
    coder = constriction.stream.stack.AnsCoder()
    for c in range(values.shape[0] - 1, -1, -1):  # a stack: the last encoded decodes first
        coder.encode_reverse(index[c].astype(np.int32), models[c])
    words = coder.get_compressed().astype("<u4").tobytes()
    return words, _zigzag(values[escaped])


def decode(words: bytes, escapes: bytes, counts: np.ndarray, n: int) -> np.ndarray:
    """Inverse of encode for (C, n) symbols, C = len(counts). Work and memory are bounded
    by C * n (the caller derives n from the header's size); any inconsistency, including
    words left over, raises CorruptError."""
    import constriction

    check_tables(counts)
    if len(words) % 4:
        msg = f"learned entropy-coded data is {len(words)} bytes, not a multiple of 4"
        raise CorruptError(msg)
    radius = (counts.shape[1] - 2) // 2
    data = np.frombuffer(words, "<u4").astype(np.uint32)
    if len(data) and data[-1] == 0:
        msg = "learned entropy-coded data ends in a zero word (not a sealed ANS stream)"
        raise CorruptError(msg)
    models = _models(counts)
    out = np.empty((len(counts), n), np.int64)
    try:
        coder = constriction.stream.stack.AnsCoder(data)
        for c in range(len(counts)):
            out[c] = coder.decode(models[c], n)
        left = not coder.is_empty()
    except Exception as exc:  # untrusted data into a third-party decoder
        msg = f"learned entropy-coded data does not decode: {type(exc).__name__}: {exc}"
        raise CorruptError(msg) from None
    if left:
        msg = "learned entropy-coded data has words left after the last symbol"
        raise CorruptError(msg)
    escaped = out == 2 * radius + 1
    values = out - radius
    values[escaped] = _unzigzag(escapes, int(escaped.sum()))
    return values
