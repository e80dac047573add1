"""Chunk S (spec §3.5): the encoder-chosen strength of a learned tool per channel and tile."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import synthetic

from srcodec import decoder
from srcodec import format as fmt
from srcodec.errors import CorruptError
from srcodec.format import ids
from srcodec.format.chunks import Chunk, encode_chunk
from srcodec.format.strength import StrengthChunk
from srcodec.search import encode_manual
from srcodec.upscale import strength


def _levels(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(3, (rows, cols), p=[0.2, 0.3, 0.5]).astype(np.uint8)


def test_chunk_bytes_round_trip() -> None:
    chunk = StrengthChunk(6, (32, 40, 0), 3, 60, bytes(8))
    assert StrengthChunk.from_bytes(chunk.to_bytes()) == chunk
    assert chunk.tiles(130, 64) == (3, 1)
    plain = StrengthChunk(5, (32, 32, 32), 0, 0, b"")
    assert StrengthChunk.from_bytes(plain.to_bytes()) == plain
    assert not plain.has_map


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (bytes([6, 32, 32]), "shorter than"),
        (bytes([3, 32, 32, 32, 0, 0]), "tile log2 3"),
        (bytes([11, 32, 32, 32, 0, 0]), "tile log2 11"),
        (bytes([6, 32, 65, 32, 0, 0]), "gain bytes"),
        (bytes([6, 32, 32, 32, 0, 0, 1, 2, 3, 4]), "says no map"),
        (bytes([6, 32, 32, 32, 0, 5, 1, 2, 3, 4]), "probabilities"),
        (bytes([6, 32, 32, 32, 200, 55, 1, 2, 3, 4]), "probabilities"),
        (bytes([6, 32, 32, 32, 5, 5, 1, 2, 3]), "whole number"),
    ],
)
def test_bad_chunks_are_corrupt(data: bytes, match: str) -> None:
    with pytest.raises(CorruptError, match=match):
        StrengthChunk.from_bytes(data)


def test_levels_round_trip_through_constriction() -> None:
    levels = _levels(7, 11)
    chunk = strength.write(strength.Strength(6, (30, 32, 34), levels))
    assert chunk.has_map
    back = strength.read(StrengthChunk.from_bytes(chunk.to_bytes()), 11 * 64, 7 * 64 - 5)
    assert np.array_equal(back.levels, levels)
    assert back.gains == (30, 32, 34)
    full = strength.write(strength.Strength(6, (32, 32, 32), np.full((2, 3), 2, np.uint8)))
    assert full.words == b""
    assert full.q_off == full.q_half == 0


def test_damaged_map_is_corrupt() -> None:
    chunk = strength.write(strength.Strength(5, (32, 32, 32), _levels(9, 9)))
    bad = StrengthChunk(chunk.tile_log2, chunk.gains, chunk.q_off, chunk.q_half, bytes(4))
    with pytest.raises(CorruptError, match="chunk 'S'"):
        strength.read(bad, 9 * 32, 9 * 32)


def test_apply_is_exact_integer_blend() -> None:
    rng = np.random.default_rng(1)
    tool = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    plain = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    full = strength.Strength(5, (32, 32, 32), np.full((2, 3), 2, np.uint8))
    assert np.array_equal(strength.apply(tool, plain, full), tool)
    off = strength.Strength(5, (32, 32, 32), np.zeros((2, 3), np.uint8))
    assert np.array_equal(strength.apply(tool, plain, off), plain)
    mixed = strength.Strength(5, (16, 48, 32), np.array([[1, 2, 0], [2, 2, 2]], np.uint8))
    out = strength.apply(tool, plain, mixed)
    delta = tool.astype(int) - plain
    k = 1 * 16  # tile (0, 0), red: half strength x gain 0.5
    expected = np.clip(plain[:32, :32, 0] + ((k * delta[:32, :32, 0] + 32) >> 6), 0, 255)
    assert np.array_equal(out[:32, :32, 0], expected)
    assert np.array_equal(out[:32, 64:, :], plain[:32, 64:, :])  # tile (0, 2) off
    # rows are addressed absolutely: a band starting at row 32 sees the second tile row
    band = strength.apply(tool[32:], plain[32:], mixed, y0=32)
    assert np.array_equal(band, out[32:])


def test_fit_undoes_an_overshooting_tool() -> None:
    original = synthetic(96, 64, seed=3).astype(int)
    plain = np.clip(original + np.random.default_rng(0).normal(0, 8, original.shape), 0, 255)
    plain = plain.astype(np.uint8)
    tool = np.clip(plain + 2.0 * (original - plain), 0, 255).astype(np.uint8)  # twice too strong
    fitted = strength.fit(original.astype(np.uint8), tool, plain, 5)
    assert all(14 <= g <= 18 for g in fitted.gains)  # about 0.5
    picked = strength.choose(original.astype(np.uint8), tool, plain, stream_bytes=2000)
    assert picked.chunk is not None
    assert picked.gain_db > 1.0


def test_stream_with_strength_decodes_to_the_blend() -> None:
    img = synthetic(80, 64, seed=5)
    data = encode_manual(img, scale=1, base="avif", quality=40, upscaler="restore")
    coded_stream = fmt.read(data)
    assert coded_stream.strength is None  # a named tool: no chunk unless asked
    chosen = strength.Strength(5, (48, 20, 32), np.array([[2, 0, 1], [1, 2, 0]], np.uint8))
    chunk = strength.write(chosen)
    with_s = fmt.write(fmt.Stream(coded_stream.header, coded_stream.base_payload, strength=chunk))
    assert fmt.read(with_s).version == (1, 3)
    tool = np.asarray(decoder.decode(data, device="cpu"))
    plain = np.asarray(decoder.decode(data, device="cpu", upscaler="bicubic"))
    out, report = decoder.decode_with_report(with_s, device="cpu")
    assert np.array_equal(np.asarray(out), strength.apply(tool, plain, chosen))
    assert "chosen by the encoder" in report.provenance
    # another upscaler than the recorded one ignores the chunk
    overridden = decoder.decode(with_s, device="cpu", upscaler="bicubic")
    assert np.array_equal(np.asarray(overridden), plain)


def test_banded_decode_matches_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    img = synthetic(64, 96, seed=6)
    data = encode_manual(img, scale=2, base="avif", quality=30, upscaler="restore")
    stream = fmt.read(data)
    chunk = strength.write(strength.Strength(4, (40, 24, 32), _levels(6, 4, seed=2)))
    with_s = fmt.write(fmt.Stream(stream.header, stream.base_payload, strength=chunk))
    whole = np.asarray(decoder.decode(with_s, device="cpu")).astype(int)
    monkeypatch.setattr("srcodec.upscale.bands.BAND_PIXELS", 1)  # bands of 8 halos
    banded = np.asarray(decoder.decode(with_s, device="cpu")).astype(int)
    assert np.abs(banded - whole).max() <= 1


def test_strength_with_bicubic_upscaler_is_corrupt() -> None:
    data = encode_manual(synthetic(16, 16), scale=2, base="png", upscaler="bicubic")
    stream = fmt.read(data)
    chunk = StrengthChunk(5, (32, 32, 32), 0, 0, b"")
    raw = bytearray(fmt.write(fmt.Stream(stream.header, stream.base_payload)))
    at = raw.index(b"B", 4 + 2 + len(stream.header.to_bytes()))  # B chunk after HEAD
    raw[at:at] = encode_chunk(Chunk(ids.CHUNK_STRENGTH, chunk.to_bytes()))
    with pytest.raises(CorruptError, match="bicubic"):
        fmt.read(bytes(raw))


def test_auto_encode_writes_the_chunk_only_when_it_pays(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tool that overshoots, auto mode writes S and decodes closer to the original;
    with a tool that changes nothing, S cannot pay and is not written."""
    from srcodec.upscale.restore import Restore

    img = synthetic(96, 64, seed=7)
    plain_stream = encode_manual(img, scale=1, base="avif", quality=50, upscaler="bicubic")
    plain = np.asarray(decoder.decode(plain_stream)).astype(int)

    def overshoot(self: Restore, lr: np.ndarray, side: object, device: str) -> np.ndarray:
        return np.clip(lr + 1.6 * (img.astype(int) - lr), 0, 255).astype(np.uint8)

    monkeypatch.setattr(Restore, "upscale", overshoot)
    auto = encode_manual(img, scale=1, base="avif", quality=50, upscaler="restore")
    assert fmt.read(auto).strength is None  # a named tool: never unless asked
    auto = encode_manual(img, scale=1, base="avif", quality=50, strength=True)
    chunk = fmt.read(auto).strength
    assert chunk is not None
    assert all(18 <= g <= 22 for g in chunk.gains)  # about 1 / 1.6
    out = np.asarray(decoder.decode(auto, device="cpu")).astype(int)
    assert ((out - img) ** 2).mean() < ((plain - img) ** 2).mean() / 4

    def identity(self: Restore, lr: np.ndarray, side: object, device: str) -> np.ndarray:
        return lr.copy()

    monkeypatch.setattr(Restore, "upscale", identity)
    tied = encode_manual(img, scale=1, base="avif", quality=50, upscaler="restore", strength=True)
    assert fmt.read(tied).strength is None


def test_search_fits_strength_from_effort_5() -> None:
    from srcodec.encoder import encode_explained

    img = synthetic(64, 48, seed=8)
    data, explained = encode_explained(img, quality=50, upscaler="restore", effort=5, metric="psnr")
    assert explained is not None
    assert explained.strength  # written ("+x dB for n B") or why not
    assert any(line.startswith("strength (chunk S)") for line in explained.lines())
    assert (fmt.read(data).strength is not None) == explained.strength.startswith("+")
    _, at4 = encode_explained(img, quality=50, upscaler="restore", effort=4, metric="psnr")
    assert at4 is not None
    assert not at4.strength


def test_strength_can_rescue_a_tool_that_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool that is perfect on the left half and wrecks the right half loses to the plain
    decode on its own; with its right-half tiles off it wins, so auto records it with S."""
    from srcodec.upscale.restore import Restore

    img = synthetic(128, 64, seed=11)
    noise = np.random.default_rng(3).integers(-60, 61, img.shape)

    def half_good(self: Restore, lr: np.ndarray, side: object, device: str) -> np.ndarray:
        out = np.clip(lr.astype(int) + noise, 0, 255)
        out[:, :64] = img[:, :64]
        return out.astype(np.uint8)

    monkeypatch.setattr(Restore, "upscale", half_good)
    without = encode_manual(img, scale=1, base="avif", quality=40, strength=False)
    assert fmt.read(without).header.upscaler == ids.UPSCALER_BICUBIC  # lost on its own
    with_s = encode_manual(img, scale=1, base="avif", quality=40)
    stream = fmt.read(with_s)
    assert stream.header.upscaler == ids.UPSCALER_RESTORE
    assert stream.strength is not None
    levels = strength.read(stream.strength, 128, 64).levels
    tile = stream.strength.tile
    assert tile <= 64
    assert (levels[:, 64 // tile :] == 0).all()  # the wrecked half is off
    assert (levels[:, : 64 // tile] > 0).all()
    out = np.asarray(decoder.decode(with_s, device="cpu")).astype(int)
    plain = np.asarray(decoder.decode(without, device="cpu")).astype(int)
    assert ((out - img) ** 2).mean() < ((plain - img) ** 2).mean()
