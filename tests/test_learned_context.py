"""The learned base's context-adaptive entropy model (srcodec.base.learned_context)."""

from __future__ import annotations

import numpy as np
import pytest

from srcodec import entropy
from srcodec.base import learned_context as lc
from srcodec.errors import CorruptError
from srcodec.train import context_model as fitter

RADIUS = 12


def _latents(seed: int, channels: int = 5, h: int = 9, w: int = 14) -> np.ndarray:
    """Laplacian latents whose scale varies over the image and is shared by all channels,
    the dependence the context model is for."""
    rng = np.random.default_rng(seed)
    blocks = np.exp(rng.normal(0, 1.2, (-(-h // 3), -(-w // 3))))
    scale = np.kron(blocks, np.ones((3, 3)))[:h, :w]  # smooth: neighbours share it too
    y = rng.laplace(0, 1, (channels, h, w)) * scale * rng.uniform(0.3, 2, (channels, 1, 1))
    return np.round(y).astype(np.int64)


@pytest.fixture(scope="module", params=[True, False], ids=["weighted", "plain-sum"])
def model(request: pytest.FixtureRequest) -> lc.ContextModel:
    latents = [_latents(s) for s in range(30)]
    return fitter.fit(latents, RADIUS, buckets=4, tables=10, weighted=request.param)


def test_fit_makes_a_consistent_model(model: lc.ContextModel) -> None:
    assert model.edges.shape == (5, 3)
    assert model.classes.shape == (5, (lc.NEIGHBOUR_CAP + 2) * 4)
    assert model.radius == RADIUS
    assert (lc.WEIGHTS in model.arrays()) == (model.weights is not None)
    again = lc.ContextModel.from_arrays(model.arrays())
    assert again is not None
    for a, b in zip(again.arrays().values(), model.arrays().values(), strict=True):
        assert np.array_equal(a, b)


def test_round_trip_with_escapes(model: lc.ContextModel) -> None:
    y = _latents(99)
    y[0, 0, :3] = [RADIUS + 1, -500, entropy.MAX_ESCAPE]
    words, escapes = lc.encode(y, model)
    assert escapes
    assert np.array_equal(lc.decode(words, escapes, model, y.shape), y)


def test_walk_visits_every_position_once_with_the_fitted_contexts(
    model: lc.ContextModel,
) -> None:
    """walk (the decoder's order) and contexts (fit's) must agree, or the tables fit the
    wrong statistics; every position is coded exactly once."""
    index, _ = entropy.to_indices(_latents(7), RADIUS)
    expected = model.classes[np.arange(5)[:, None, None], lc.contexts(index, model)]
    seen = np.zeros(index.shape, np.int64)

    def visit(c: int, pos: np.ndarray, t: int) -> None:
        seen[c].reshape(-1)[pos] += 1
        assert (expected[c].reshape(-1)[pos] == t).all()

    lc.walk(index, model, visit)
    assert (seen == 1).all()


def test_contexts_beat_one_table_per_channel(model: lc.ContextModel) -> None:
    """On latents with a shared, varying scale the contexts save bits over the best
    per-channel tables counted on the same data."""
    train = [_latents(s) for s in range(30)]
    counts = np.zeros((5, 2 * RADIUS + 2))
    for y in train:
        index, _ = entropy.to_indices(y, RADIUS)
        for c in range(5):
            counts[c] += np.bincount(index[c].ravel(), minlength=2 * RADIUS + 2)
    tables = entropy.quantize_pmf(counts + 0.2)
    test = [_latents(s) for s in range(100, 110)]
    plain = sum(len(entropy.encode(y.reshape(5, -1), tables)[0]) for y in test)
    context = sum(len(lc.encode(y, model)[0]) for y in test)
    assert context < 0.95 * plain


def _led_latents(seed: int, h: int = 12, w: int = 16) -> np.ndarray:
    """Four channels: 0 and 1 with independent scale fields, 2 and 3 following channel 0's,
    so only a weighted activity (channel 0 in, channel 1 out) predicts channels 2 and 3."""
    rng = np.random.default_rng(seed)
    f = np.exp(rng.normal(0, 2, (2, h, w)))
    y = rng.laplace(0, 1, (4, h, w)) * np.stack([f[0], 2 * f[1], f[0], 1.5 * f[0]])
    return np.round(y).astype(np.int64)


def test_fitted_weights_pick_the_channel_that_predicts() -> None:
    train = [_led_latents(s) for s in range(40)]
    weighted = fitter.fit(train, RADIUS, buckets=4, tables=10)
    plain = fitter.fit(train, RADIUS, buckets=4, tables=10, weighted=False)
    assert weighted.weights is not None
    row = weighted.weights[2]  # channel 2: a() of channels 0 and 1, then their neighbours
    assert row[0] > 10 * abs(row[1])
    assert (weighted.weights[0] == 0).all()  # the first channel has nothing before it
    test = [_led_latents(s) for s in range(100, 110)]
    bits = [sum(len(lc.encode(y, m)[0]) for y in test) for m in (weighted, plain)]
    assert bits[0] < 0.99 * bits[1]


def test_activities_equal_the_plain_running_sum() -> None:
    """Models fitted before the weights existed decode as before: their activity is the
    running sum of the earlier channels' a() (conformance vectors pin it too)."""
    index, _ = entropy.to_indices(_latents(5), RADIUS)
    activity = lc.activities(index, lc.plain_weights(5), RADIUS)
    magnitudes = np.minimum(np.abs(index - RADIUS), RADIUS + 1)
    expected = np.concatenate([np.zeros_like(magnitudes[:1]), np.cumsum(magnitudes, 0)[:-1]])
    assert np.array_equal(activity, expected)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda w: w[:-4],
        lambda w: w + b"\x01\x00\x00\x00",
        lambda w: w[:-1],
        lambda w: w[:-4] + b"\x00\x00\x00\x00",
    ],
)
def test_bad_data_is_corrupt(model: lc.ContextModel, mutate: object) -> None:
    y = _latents(3)
    words, escapes = lc.encode(y, model)
    with pytest.raises(CorruptError):
        lc.decode(mutate(words), escapes, model, y.shape)


def test_random_words_raise_only_corrupt_error(model: lc.ContextModel) -> None:
    rng = np.random.default_rng(1)
    for _ in range(30):
        words = rng.integers(1, 2**32, int(rng.integers(1, 40)), dtype=np.uint64)
        try:
            out = lc.decode(words.astype("<u4").tobytes(), b"", model, (5, 9, 14))
        except CorruptError:
            continue
        assert out.shape == (5, 9, 14)


@pytest.mark.parametrize(
    "broken",
    [
        {"ctx_classes": np.zeros((5, 3), np.uint8)},
        {"ctx_edges": np.array([[3, 2, 1]] * 5, np.int32)},
        {"ctx_classes": np.full((5, (lc.NEIGHBOUR_CAP + 2) * 4), 200, np.uint8)},
        {"ctx_tables": np.ones((2, 2 * RADIUS + 2), np.int32)},
        {lc.WEIGHTS: np.zeros((5, 5), np.int32)},
        {lc.WEIGHTS: np.triu(np.ones((5, 10), np.int32))},  # reads channels not decoded yet
        {lc.WEIGHTS: np.tril(np.full((5, 10), lc.MAX_WEIGHT + 1, np.int32), -1)},
    ],
)
def test_inconsistent_arrays_are_refused(model: lc.ContextModel, broken: dict) -> None:
    with pytest.raises(ValueError, match=r"context|table"):
        lc.ContextModel.from_arrays({**model.arrays(), **broken})


def test_a_model_file_without_context_arrays_has_none() -> None:
    assert lc.ContextModel.from_arrays({"tables": np.ones((2, 4), np.int32)}) is None
