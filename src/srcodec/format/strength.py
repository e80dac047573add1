"""The strength chunk `S` (spec §3.5): how much of a learned tool's change the decoder keeps,
per colour channel and per square tile, chosen by the encoder, which has the original.

    tile_log2 (1 byte, 4..10) | gain R, G, B (1 byte each, 0..64: gain = byte / 32)
    | q_off, q_half (1 byte each) | map words (ANS, little-endian uint32, rest of the chunk)

q_off = q_half = 0: no map, every tile at full strength (the chunk ends after 6 bytes).
Otherwise 1 <= q_off, 1 <= q_half, q_off + q_half <= 254 and the words (at least one) code
one level per tile (0 off, 1 half, 2 full), decoded by `srcodec.upscale.strength`, which
also checks that they can hold the levels (srcodec.entropy's information budget). This module
only checks the structure (pure Python, like the rest of `srcodec.format`).
"""

from __future__ import annotations

from dataclasses import dataclass

from srcodec.errors import CorruptError

FIXED_BYTES = 6
TILE_LOG2 = range(4, 11)  # 16 ... 1024 output pixels per tile side
GAIN_ONE = 32  # gain byte meaning 1.0
GAIN_MAX = 64  # 2.0


@dataclass(frozen=True)
class StrengthChunk:
    tile_log2: int
    gains: tuple[int, int, int]  # gain bytes; gain = value / GAIN_ONE
    q_off: int  # probability of level 0, in 1/256 (0 with q_half = 0: no map)
    q_half: int
    words: bytes  # the tile levels, ANS-coded; empty without a map

    @property
    def tile(self) -> int:
        return 1 << self.tile_log2

    @property
    def has_map(self) -> bool:
        return self.q_off + self.q_half > 0

    def tiles(self, width: int, height: int) -> tuple[int, int]:
        """(columns, rows) of tiles over the W x H output."""
        return -(-width // self.tile), -(-height // self.tile)

    def to_bytes(self) -> bytes:
        head = bytes([self.tile_log2, *self.gains, self.q_off, self.q_half])
        return head + self.words

    @classmethod
    def from_bytes(cls, data: bytes) -> StrengthChunk:
        if len(data) < FIXED_BYTES:
            msg = f"chunk 'S' is {len(data)} bytes, shorter than its {FIXED_BYTES}-byte fixed part"
            raise CorruptError(msg)
        tile_log2, g0, g1, g2, q_off, q_half = data[:FIXED_BYTES]
        words = bytes(data[FIXED_BYTES:])
        if tile_log2 not in TILE_LOG2:
            low, high = TILE_LOG2.start, TILE_LOG2.stop - 1
            msg = f"chunk 'S': tile log2 {tile_log2} outside {low}..{high}"
            raise CorruptError(msg)
        if max(g0, g1, g2) > GAIN_MAX:
            msg = f"chunk 'S': gain bytes {g0}, {g1}, {g2}; each must be 0..{GAIN_MAX}"
            raise CorruptError(msg)
        if q_off == q_half == 0:
            if words:
                msg = f"chunk 'S': {len(words)} map bytes after a header that says no map"
                raise CorruptError(msg)
        elif min(q_off, q_half) < 1 or q_off + q_half > 254:
            msg = f"chunk 'S': map probabilities {q_off}, {q_half} out of range"
            raise CorruptError(msg)
        elif len(words) % 4:
            msg = f"chunk 'S': map of {len(words)} bytes is not a whole number of 4-byte words"
            raise CorruptError(msg)
        elif not words:  # the empty ANS stack holds no levels (it decodes "off" forever)
            msg = "chunk 'S': the header says there is a map, but the map is empty"
            raise CorruptError(msg)
        return cls(tile_log2, (g0, g1, g2), q_off, q_half, words)
