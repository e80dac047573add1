"""Encoder-chosen strength of a learned tool (chunk `S`, spec §3.5): fit, code, apply.

A learned tool (restore, cnn, raisr) changes the plain reconstruction P (the decoded image
at scale 1, its bicubic upscale above) into T. The decoder may keep only part of that change,
per colour channel c and per square tile t of the output:

    out = clip(P + floor((k * (T - P) + 32) / 64)),   k = level_t * gain_c,

with level_t in {0, 1, 2} (off, half, full) and gain_c = byte / 32 in 0..2, so k is an
integer 0..128 and the arithmetic is exact integers: the same (T, P) give the same output on
every machine. gain 32 and every tile at level 2 give T itself.

The encoder, which has the original, fits the gains by least squares, picks each tile's
level by its exact squared error, and keeps the chunk only where the PSNR it buys is worth
its bytes at AVIF's rate-distortion slope (`net_gain`). The tile levels are entropy-coded with
constriction from a 2-byte integer table in the chunk (`srcodec.entropy`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from srcodec import entropy
from srcodec.errors import CorruptError
from srcodec.format import ids
from srcodec.format.chunks import Chunk, encode_chunk
from srcodec.format.strength import GAIN_MAX, GAIN_ONE, StrengthChunk

LEVELS = 3  # off, half, full
OFF, HALF, FULL = range(LEVELS)
TILE_LOG2_CHOICES = (5, 6, 7)  # 32, 64, 128 px tiles tried by the encoder
# dB of PSNR that 1 % more rate buys with AVIF on Kodak near the default quality (the slope of
# the AVIF curve of docs/history.md, about 0.05 dB per 1 %); extra bytes must buy more than this.
DB_PER_RATE_PERCENT = 0.05


@dataclass(frozen=True)
class Strength:
    """A decoded chunk: gains (3 ints, /32) and levels (tile rows x tile columns, 0..2)."""

    tile_log2: int
    gains: tuple[int, int, int]
    levels: np.ndarray  # uint8

    def weights(self, y0: int, rows: int, width: int, channel: int) -> np.ndarray:
        """k (int32, rows x width) for output rows y0..y0+rows of one channel."""
        t = self.tile_log2
        ty = (np.arange(y0, y0 + rows) >> t).clip(0, self.levels.shape[0] - 1)
        tx = (np.arange(width) >> t).clip(0, self.levels.shape[1] - 1)
        gain = self.gains[min(channel, 2)]
        return self.levels[ty][:, tx].astype(np.int32) * gain


def _table(q_off: int, q_half: int) -> np.ndarray:
    """counts for values -1, 0, 1 (levels 0, 1, 2) and the escape, summing to 2**16."""
    full = 255 - q_off - q_half
    return np.array([[q_off * 256, q_half * 256, full * 256, 256]], np.int32)


def read(chunk: StrengthChunk, width: int, height: int) -> Strength:
    """The chunk's levels decoded for a W x H output; a bad map is CorruptError."""
    cols, rows = chunk.tiles(width, height)
    if not chunk.has_map:
        return Strength(chunk.tile_log2, chunk.gains, np.full((rows, cols), FULL, np.uint8))
    try:
        values = entropy.decode(chunk.words, b"", _table(chunk.q_off, chunk.q_half), rows * cols)
    except CorruptError as exc:
        msg = f"chunk 'S': tile map does not decode ({exc})"
        raise CorruptError(msg) from None
    levels = (values[0] + 1).astype(np.uint8).reshape(rows, cols)
    return Strength(chunk.tile_log2, chunk.gains, levels)


def _code(levels: np.ndarray) -> tuple[int, int, bytes, int]:
    """(q_off, q_half, words, cost units of the levels) of a map with some tile not full."""
    counts = np.bincount(levels.ravel(), minlength=LEVELS)
    # the table is the histogram in 1/256 steps, every level at least 1/256
    q_off, q_half = (max(1, round(256 * c / levels.size)) for c in counts[:2])
    while q_off + q_half > 254:  # full and escape keep >= 1/256 each
        q_off, q_half = max(1, q_off - 1), max(1, q_half - 1)
    table = _table(q_off, q_half)
    index = levels.astype(np.int64).ravel()[None]
    words, escapes = entropy.encode(index - 1, table)
    assert not escapes  # levels are 0..2: never the escape symbol
    return q_off, q_half, words, entropy.information(index, table)


def decodable(strength: Strength) -> Strength:
    """The same strength in a form every decoder accepts (spec §3.5). Off tiles at the end
    of the map cost no words in constriction's ANS, but the decoder's information budget
    counts them: an all-off map becomes gains 0 without a map (the same output), and one
    whose trailing off tiles overspend the budget gets its last tile at half, which makes
    every level cost its bits. Anything else is returned as it is."""
    levels = strength.levels
    if (levels == OFF).all():
        return Strength(strength.tile_log2, (0, 0, 0), np.full_like(levels, FULL))
    if (levels == FULL).all() or levels.flat[-1] != OFF:
        return strength
    _, _, words, units = _code(levels)
    if entropy.fits(units, len(words) // 4):
        return strength
    levels = levels.copy()
    levels.flat[-1] = HALF
    return Strength(strength.tile_log2, strength.gains, levels)


def write(strength: Strength) -> StrengthChunk:
    """The chunk of `strength` made decodable (see `decodable`, which the encoder's fit
    already applied, so the chunk decodes to what it measured)."""
    strength = decodable(strength)
    levels = strength.levels
    if (levels == FULL).all():
        return StrengthChunk(strength.tile_log2, strength.gains, 0, 0, b"")
    q_off, q_half, words, units = _code(levels)
    if not entropy.fits(units, len(words) // 4):  # not reachable by the ANS bound
        msg = "chunk 'S': the tile map does not fit its information budget"
        raise ValueError(msg)
    return StrengthChunk(strength.tile_log2, strength.gains, q_off, q_half, words)


def apply(tool: np.ndarray, plain: np.ndarray, strength: Strength, y0: int = 0) -> np.ndarray:
    """Output rows y0.. of the decoder: uint8 like `tool` (rows x W x C)."""
    rows, width, channels = tool.shape
    out = np.empty_like(tool)
    for c in range(channels):
        k = strength.weights(y0, rows, width, c)
        p = plain[..., c].astype(np.int32)
        delta = tool[..., c].astype(np.int32) - p
        out[..., c] = np.clip(p + ((k * delta + 32) >> 6), 0, 255)
    return out


def _tile_sums(err2: np.ndarray, t: int) -> np.ndarray:
    """Sum of a H x W array over tiles of side 2**t (edge tiles partial)."""
    h, w = err2.shape
    side = 1 << t
    rows, cols = -(-h // side), -(-w // side)
    padded = np.zeros((rows * side, cols * side), err2.dtype)
    padded[:h, :w] = err2
    return padded.reshape(rows, side, cols, side).sum(axis=(1, 3))


def fit(original: np.ndarray, tool: np.ndarray, plain: np.ndarray, tile_log2: int) -> Strength:
    """Least-squares gains and per-tile levels for one tile size (two alternations)."""
    o = original.astype(np.int32)
    p = plain.astype(np.int32)
    delta = tool.astype(np.int32) - p
    target = o - p
    channels = o.shape[2]
    h, w = o.shape[:2]
    side = 1 << tile_log2
    levels = np.full((-(-h // side), -(-w // side)), FULL, np.uint8)
    gains = [GAIN_ONE] * 3
    for _ in range(2):
        scale = (levels.astype(np.float64) / FULL).repeat(side, 0).repeat(side, 1)[:h, :w]
        for c in range(channels):
            d = delta[..., c] * scale
            den = float((d * d).sum())
            g = float((d * target[..., c]).sum()) / den if den > 0 else 1.0
            gains[c] = int(np.clip(round(g * GAIN_ONE), 0, GAIN_MAX))
        if channels == 1:
            gains[1] = gains[2] = gains[0]
        errors = np.zeros((LEVELS, *levels.shape))
        for level in range(LEVELS):
            for c in range(channels):
                change = (level * gains[c] * delta[..., c] + 32) >> 6
                err = target[..., c] - change
                errors[level] += _tile_sums((err * err).astype(np.int64), tile_log2)
        levels = errors.argmin(axis=0).astype(np.uint8)
    return decodable(Strength(tile_log2, (gains[0], gains[1], gains[2]), levels))


@dataclass(frozen=True)
class Choice:
    """The encoder's pick: the chunk (or None), and what it buys and costs."""

    chunk: StrengthChunk | None
    gain_db: float  # PSNR over the tool's own output
    chunk_bytes: int  # bytes the chunk adds to the stream


def net_gain(gain_db: float, extra_bytes: int, stream_bytes: int) -> float:
    """PSNR gained minus what `extra_bytes` would have bought as rate (dB)."""
    return gain_db - DB_PER_RATE_PERCENT * 100 * extra_bytes / max(stream_bytes, 1)


def _sse(a: np.ndarray, b: np.ndarray) -> float:
    d = a.astype(np.int32) - b
    return float((d * d).sum())


def choose(original: np.ndarray, tool: np.ndarray, plain: np.ndarray, stream_bytes: int) -> Choice:
    """The tile size (or none) with the best net value: PSNR gained minus what the chunk's
    bytes would have bought as rate (`DB_PER_RATE_PERCENT`); None when nothing pays."""
    base_sse = _sse(tool, original)
    best = Choice(None, 0.0, 0)
    best_value = 0.0
    for tile_log2 in TILE_LOG2_CHOICES:
        strength = fit(original, tool, plain, tile_log2)
        sse = _sse(apply(tool, plain, strength), original)
        if sse >= base_sse:
            continue
        chunk = write(strength)
        size = len(encode_chunk(Chunk(ids.CHUNK_STRENGTH, chunk.to_bytes())))
        gain = 10 * math.log10(base_sse / max(sse, 0.25))
        value = net_gain(gain, size, stream_bytes)
        if value > best_value:
            best, best_value = Choice(chunk, gain, size), value
    return best
