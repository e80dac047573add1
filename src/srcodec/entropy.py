"""Entropy coding of integer symbol arrays with constriction, from INTEGER tables only.

A table row is a channel's model: `counts[c, k]` for k = 0..2R (symbol value k - R) and
k = 2R + 1 (escape), positive integers summing to TOTAL = 2**16. Each row is handed to
constriction as float64 `counts / TOTAL`: exact dyadic values, so the fixed-point model
constriction builds from them (`perfect=False`, its deterministic IEEE-754 quantisation) is
the same on every machine, thread count and torch dtype. Nothing float from a network ever
reaches the coder, which is the failure CompressAI's issues #279/#340 describe.

Values outside -R..R are coded as the escape symbol plus the value itself, zigzag LEB128,
in a separate byte string; |value| is capped at MAX_ESCAPE (the encoder clamps).

Information budget (spec §6.1.1): constriction's empty stack decodes symbol 0 forever, so a
few words could otherwise stand for any number of symbols. Symbol k of a table row costs
log2(TOTAL / counts[k]) bits; the symbols a payload decodes may cost at most
(32 * words + SLACK_BITS) * MARGIN / (MARGIN - 1) bits, and no words hold no symbols. ANS
spends within 1/256 of a symbol's cost while its state is above 2**32 and a bounded amount
below it, so every stream an encoder writes without a free run of symbol 0 at its end fits.
Costs are counted in 1/COST_ONE bits, rounded down, and compared in exact integers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec.errors import CorruptError

if TYPE_CHECKING:
    from collections.abc import Callable

TOTAL = 1 << 16
MAX_ESCAPE = 1 << 15
WORD_BITS = 32
COST_ONE = 1 << 12  # cost units per bit
SLACK_BITS = 64  # the state's two words, and what ANS spends on the last symbols
MARGIN = 128  # the symbols' information may exceed the words' bits by 1/(MARGIN - 1)


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


def cost_units(counts: np.ndarray) -> np.ndarray:
    """int64 costs of each table entry, log2(TOTAL / count) in 1/COST_ONE bits rounded
    down (a lower bound whatever the float rounding, so the budget never refuses early)."""
    bits = np.log2(TOTAL / np.asarray(counts, np.float64))
    return np.maximum(np.floor(bits * COST_ONE - 1e-6), 0).astype(np.int64)


def fits(units: int, n_words: int) -> bool:
    """Can n_words ANS words hold symbols costing `units` (1/COST_ONE bits)? Exact integers."""
    return units * (MARGIN - 1) <= (WORD_BITS * n_words + SLACK_BITS) * COST_ONE * MARGIN


def check_budget(units: int, n_words: int, symbols: int) -> None:
    """CorruptError unless n_words can hold `symbols` symbols costing `units` (see fits);
    no words hold no symbols (the empty stack decodes symbol 0 without end)."""
    if symbols and not n_words:
        msg = f"entropy-coded data is empty but must hold {symbols} symbols"
        raise CorruptError(msg)
    if not fits(units, n_words):
        msg = (
            f"entropy-coded data of {n_words} words cannot hold its symbols "
            f"(at least {units // COST_ONE} bits)"
        )
        raise CorruptError(msg)


def information(index: np.ndarray, counts: np.ndarray) -> int:
    """Cost units of table indices (C, n), row c coded with table row c."""
    costs = cost_units(counts)
    return int(np.take_along_axis(costs, index.reshape(len(counts), -1), 1).sum())


def categoricals(counts: np.ndarray) -> list:
    """One constriction model per table row, exact from the integer counts."""
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


def to_indices(symbols: np.ndarray, radius: int) -> tuple[np.ndarray, bytes]:
    """int values -> (table indices 0..2R+1, 2R+1 the escape; the escape bytes: escaped
    values zigzag LEB128 in raster order). Values beyond MAX_ESCAPE are clamped."""
    values = np.clip(np.asarray(symbols, np.int64), -MAX_ESCAPE, MAX_ESCAPE)
    index = values + radius
    escaped = (index < 0) | (index > 2 * radius)
    index[escaped] = 2 * radius + 1
    return index, _zigzag(values[escaped])


def from_indices(index: np.ndarray, escapes: bytes, radius: int) -> np.ndarray:
    """Inverse of to_indices; CorruptError if the escape bytes do not match."""
    escaped = index == 2 * radius + 1
    values = index - radius
    values[escaped] = _unzigzag(escapes, int(escaped.sum()))
    return values


def encode(symbols: np.ndarray, counts: np.ndarray) -> tuple[bytes, bytes]:
    """int (C, n) values, one table row per channel -> (ANS words as little-endian uint32
    bytes, escape bytes). Channel 0 decodes first, each channel in raster order."""
    import constriction

    check_tables(counts)
    index, escapes = to_indices(symbols, (counts.shape[1] - 2) // 2)
    models = categoricals(counts)
    coder = constriction.stream.stack.AnsCoder()
    for c in range(index.shape[0] - 1, -1, -1):  # a stack: the last encoded decodes first
        coder.encode_reverse(index[c].astype(np.int32), models[c])
    return coder.get_compressed().astype("<u4").tobytes(), escapes


def ans_words(words: bytes) -> np.ndarray:
    """Checked ANS words: a multiple of 4 bytes, not ending in a zero word."""
    if len(words) % 4:
        msg = f"learned entropy-coded data is {len(words)} bytes, not a multiple of 4"
        raise CorruptError(msg)
    data = np.frombuffer(words, "<u4").astype(np.uint32)
    if len(data) and data[-1] == 0:
        msg = "learned entropy-coded data ends in a zero word (not a sealed ANS stream)"
        raise CorruptError(msg)
    return data


def decoding(run: Callable[[Any], None], words: bytes) -> None:
    """Runs run(coder) on an ANS decoder over `words`; every failure of the third-party
    decoder on untrusted data, and words left over, raise CorruptError."""
    import constriction

    data = ans_words(words)
    try:
        coder = constriction.stream.stack.AnsCoder(data)
        run(coder)
        left = not coder.is_empty()
    except CorruptError:
        raise
    except Exception as exc:
        msg = f"learned entropy-coded data does not decode: {type(exc).__name__}: {exc}"
        raise CorruptError(msg) from None
    if left:
        msg = "learned entropy-coded data has words left after the last symbol"
        raise CorruptError(msg)


def decode(words: bytes, escapes: bytes, counts: np.ndarray, n: int) -> np.ndarray:
    """Inverse of encode for (C, n) symbols, C = len(counts). Work and memory are bounded
    by C * n (the caller derives n from the header's size) and, before anything is
    allocated, by the words (the information budget, each channel at its cheapest symbol);
    any inconsistency, including words left over, raises CorruptError."""
    check_tables(counts)
    n_words = len(ans_words(words))
    costs = cost_units(counts)
    check_budget(n * int(costs.min(1).sum()), n_words, len(counts) * n)
    models = categoricals(counts)
    out = np.empty((len(counts), n), np.int64)

    def run(coder: Any) -> None:
        spent = 0
        for c in range(len(counts)):
            out[c] = coder.decode(models[c], n)
            spent += int(costs[c][out[c]].sum())
            check_budget(spent, n_words, n)  # as soon as a channel overspends

    decoding(run, words)
    return from_indices(out, escapes, (counts.shape[1] - 2) // 2)
