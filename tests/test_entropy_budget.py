"""The information budget of entropy-coded data (spec §6.1.1, §3.5): words that cannot hold
the symbols they decode to are refused, early, and nothing our encoders write is."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

import srcodec
from srcodec import entropy, fuzz
from srcodec import format as fmt
from srcodec.base import learned, learned_budget
from srcodec.errors import CorruptError
from srcodec.format.strength import StrengthChunk
from srcodec.upscale import strength

HUGE = (13000, 13000)  # 169 Mpixels, under the default pixel limit


def _peak_bytes(run: object) -> int:
    tracemalloc.start()
    try:
        run()  # type: ignore[operator]
    except CorruptError:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_costs_are_lower_bounds_in_exact_units() -> None:
    counts = np.array([[1, 2, 4096, 65536 - 4099]], np.int32)
    units = entropy.cost_units(counts)[0]
    exact = np.log2(entropy.TOTAL / counts[0]) * entropy.COST_ONE
    assert (units <= exact).all()
    assert (units >= exact - 1).all()
    capacity = (32 * 3 + entropy.SLACK_BITS) * entropy.COST_ONE * entropy.MARGIN
    assert entropy.fits(capacity // (entropy.MARGIN - 1), 3)
    assert not entropy.fits(capacity // (entropy.MARGIN - 1) + 1, 3)


def test_crafted_learned_stream_is_refused_before_decoding() -> None:
    """31 bytes declaring 169 Mpixels with no ANS words: refused at once, nothing big allocated."""
    data = fuzz.crafted(HUGE)["learned-empty-words"]
    assert len(data) == 31
    start = time.perf_counter()
    with pytest.raises(CorruptError, match="empty"):
        srcodec.decode(data)
    assert time.perf_counter() - start < 20
    assert _peak_bytes(lambda: srcodec.decode(data)) < 64 << 20


def test_misaligned_words_are_refused_before_the_symbols_are_allocated() -> None:
    head = fmt.Header(*HUGE, scale=1, base=4, quality=50)
    payload = learned.pack(1, learned.model().hash, 50, b"\x01\x02\x03", b"")
    data = fmt.write(fmt.Stream(head, payload))
    with pytest.raises(CorruptError, match="multiple of 4"):
        srcodec.decode(data)
    assert _peak_bytes(lambda: srcodec.decode(data)) < 64 << 20


def test_free_run_after_one_symbol_is_refused() -> None:
    with pytest.raises(CorruptError, match="cannot hold"):
        srcodec.decode(fuzz.crafted()["learned-free-run"])


@pytest.mark.parametrize("version", [0, 1])
def test_encoder_codes_a_free_final_run_within_the_budget(version: int) -> None:
    """Latents at -R (table index 0) at the end of the decode order cost no words; the
    encoder moves the last one a step so that the decoder accepts the payload."""
    m = learned.model()
    context = m.context if version else None
    symbols = np.full((len(m.tables), 3, 5), -learned_budget.radius(m.tables, context), np.int64)
    symbols[0, 0, 0] += 1
    payload = learned.code(m, symbols, 50, version)
    back, _, _ = learned.decode_symbols(payload, (5 * 16, 3 * 16))
    changed = np.argwhere(back != symbols)
    assert len(changed) == 1
    assert tuple(changed[0]) == learned_budget.last_decoded(context, symbols)


@pytest.mark.parametrize("quality", [0, 100])
@pytest.mark.parametrize(("w", "h"), [(1, 1), (37, 21), (130, 97)])
def test_real_encodes_fit_the_budget_with_room(quality: int, w: int, h: int) -> None:
    rng = np.random.default_rng(w)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 3, y * 2, 128 + 90 * np.sin((x + y) / 5)], -1) + rng.normal(0, 9, (h, w, 3))
    m = learned.model()
    symbols = learned.analyse(m.net, np.clip(img, 0, 255).astype(np.uint8), quality)
    for version in (0, 1):
        context = m.context if version else None
        words, _ = learned_budget.code(m.tables, context, symbols)
        units = learned_budget.units(m.tables, context, symbols)
        assert units / entropy.COST_ONE <= 32 * (len(words) // 4)  # without the slack
        back, _, _ = learned.decode_symbols(learned.code(m, symbols, quality, version), (w, h))
        assert np.array_equal(back, symbols)


def test_strength_empty_map_is_corrupt() -> None:
    with pytest.raises(CorruptError, match="map is empty"):
        StrengthChunk.from_bytes(bytes([4, 32, 32, 32, 10, 10]))
    with pytest.raises(CorruptError, match="map is empty"):
        srcodec.decode(fuzz.crafted()["strength-empty-map"])


def test_strength_free_run_of_off_tiles_is_corrupt() -> None:
    with pytest.raises(CorruptError, match="cannot hold"):
        srcodec.decode(fuzz.crafted()["strength-free-run"])


def test_all_off_map_is_written_as_zero_gains_without_a_map() -> None:
    rng = np.random.default_rng(0)
    tool = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    plain = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    off = strength.Strength(4, (30, 32, 34), np.zeros((3, 5), np.uint8))
    chunk = strength.write(off)
    assert not chunk.has_map
    assert chunk.gains == (0, 0, 0)
    back = strength.read(StrengthChunk.from_bytes(chunk.to_bytes()), 70, 40)
    assert np.array_equal(strength.apply(tool, plain, back), strength.apply(tool, plain, off))


def test_written_maps_always_decode() -> None:
    """Random maps, many with long runs of off tiles at the end: each chunk decodes to the
    levels `decodable` gives, which differ from the input only in the last tile."""
    rng = np.random.default_rng(3)
    nudged = 0
    for _ in range(300):
        rows, cols = rng.integers(1, 40, 2)
        levels = rng.choice(3, (rows, cols), p=rng.dirichlet([0.3, 0.3, 0.3])).astype(np.uint8)
        levels.flat[levels.size - rng.integers(0, levels.size + 1) :] = strength.OFF
        chosen = strength.Strength(5, (30, 32, 34), levels)
        expected = strength.decodable(chosen)
        chunk = StrengthChunk.from_bytes(strength.write(chosen).to_bytes())
        back = strength.read(chunk, cols * 32, rows * 32)
        assert np.array_equal(back.levels, expected.levels)
        if (levels != strength.OFF).any():
            assert (expected.levels != levels).sum() <= 1
            nudged += int((expected.levels != levels).any())
    assert nudged > 0
