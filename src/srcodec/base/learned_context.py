"""Context-adaptive entropy model of the learned base's latents (payload version 1).

The factorized prior codes every latent of a channel with one table, whatever the image
region or the rate level. Latent magnitudes are far from independent: where one channel is
active, the others and the neighbours are too. This model picks each latent's table from
what the decoder already has, without any network and with integer values only (spec §6.1.1):

- channels decode in order 0..C-1; within a channel the *anchors* (row + column even) come
  first, then the others (the checkerboard order of He et al. 2021);
- a(symbol) = min(|symbol|, R + 1). Before channel c, the `activity` of a position is
  sum over c' < c of weights[c, c'] * a(c' here) + weights[c, C + c'] * (sum of a(c') over
  the 4 neighbours): a linear prediction of channel c's magnitude from everything decoded
  before it, integer weights fitted by least squares (srcodec.train.context_model). Models
  fitted before the weights existed store none and use the plain sum (ones on the earlier
  channels, zero on their neighbours). Channel c's activity bucket b = the number of its `edges` <=
  activity (0..B - 1);
- an anchor's context is b; a non-anchor's is (1 + min(sum of its 4 anchor neighbours'
  min(|symbol|, R + 1), NEIGHBOUR_CAP)) * B + b;
- `classes[c, context]` names one of S shared integer `tables` (srcodec.entropy's format).
  Within a (channel, pass), symbols are coded class by class (ascending), each class's
  positions in raster order.

Everything is integer (the weighted sums run in float64 but are exact, see MAX_WEIGHT), so
symbols decode identically everywhere. The tables are fitted by counting symbols over the
training images at export (srcodec.train.context_model, which this module never imports);
nothing is trained by gradient, and they hold at every quality because the contexts see
the rate through the magnitudes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec import entropy

if TYPE_CHECKING:
    from collections.abc import Callable

NEIGHBOUR_CAP = 7  # non-anchor contexts: neighbour sums 0..7+, 8 buckets after the anchor one
ARRAYS = ("ctx_edges", "ctx_classes", "ctx_tables")  # names in the model file
WEIGHTS = "ctx_weights"  # optional array: the activity's weights (absent: the plain sum)
ALL_ARRAYS = (*ARRAYS, WEIGHTS)  # every array of the model file that belongs to this model
WEIGHT_ONE = 4096  # fitted weights are integers in units of 1/WEIGHT_ONE
# |weight| bound: each term is below 2^20 * 4(R + 1) < 2^30 for R < 255 and an activity sums
# at most 2C of them, so it is an exact integer in float64 (below 2^53) for any C < 2^21
MAX_WEIGHT = 2**20


@dataclass(frozen=True)
class ContextModel:
    edges: np.ndarray  # int64 (C, B - 1), each row non-decreasing
    classes: np.ndarray  # int64 (C, (NEIGHBOUR_CAP + 2) * B), values < len(tables)
    tables: np.ndarray  # int32 (S, 2R + 2): srcodec.entropy tables
    weights: np.ndarray | None = None  # int64 (C, 2C), causal (see _causal); None: plain sum

    @property
    def radius(self) -> int:
        return (self.tables.shape[1] - 2) // 2

    def activity_weights(self) -> np.ndarray:
        """int64 (C, 2C): the stored weights, or the plain sum's."""
        return plain_weights(self.edges.shape[0]) if self.weights is None else self.weights

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ContextModel | None:
        """The model stored in a model file's arrays, checked; None if it has none."""
        if not all(name in arrays for name in ARRAYS):
            return None
        model = cls(*(np.asarray(arrays[name]).astype(np.int64) for name in ARRAYS))
        entropy.check_tables(model.tables.astype(np.int32))
        c, b = model.edges.shape[0], model.edges.shape[1] + 1
        weights = np.asarray(arrays[WEIGHTS]).astype(np.int64) if WEIGHTS in arrays else None
        if (
            model.classes.shape != (c, (NEIGHBOUR_CAP + 2) * b)
            or (np.diff(model.edges, axis=1) < 0).any()
            or model.classes.min() < 0
            or model.classes.max() >= len(model.tables)
            or (weights is not None and not _causal(weights, c))
        ):
            msg = "learned context model arrays are inconsistent"
            raise ValueError(msg)
        return cls(model.edges, model.classes, model.tables.astype(np.int32), weights)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "ctx_edges": self.edges.astype(np.int32),
            "ctx_classes": self.classes.astype(np.uint8 if len(self.tables) <= 256 else np.int32),
            "ctx_tables": self.tables.astype(np.int32),
        }
        if self.weights is not None:
            out[WEIGHTS] = self.weights.astype(np.int32)
        return out


def plain_weights(channels: int) -> np.ndarray:
    """The weights of the plain sum of the earlier channels' a() (models without weights)."""
    ones = np.tril(np.ones((channels, channels), np.int64), -1)
    return np.concatenate([ones, np.zeros((channels, channels), np.int64)], 1)


def _causal(weights: np.ndarray, channels: int) -> bool:
    """(C, 2C), bounded, each row c reading only channels decoded before c."""
    if weights.shape != (channels, 2 * channels) or np.abs(weights).max() > MAX_WEIGHT:
        return False
    later = ~np.tril(np.ones((channels, channels), bool), -1)
    return not (weights[:, :channels][later].any() or weights[:, channels:][later].any())


def _anchors(h: int, w: int) -> np.ndarray:
    return (np.arange(h)[:, None] + np.arange(w)[None]) % 2 == 0


def _neighbour_sum(magnitude: np.ndarray) -> np.ndarray:
    p = np.pad(magnitude, 1)
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]


def _neighbour_contexts(
    plane: np.ndarray, bucket: np.ndarray, anchors: np.ndarray, radius: int, buckets: int
) -> np.ndarray:
    """Contexts (h, w) of the non-anchors of one channel's table indices `plane` (read at
    its anchors only), given the activity buckets of its positions."""
    magnitude = np.where(anchors, np.abs(plane - radius), 0)
    near = np.minimum(_neighbour_sum(magnitude), NEIGHBOUR_CAP)
    return (1 + near) * buckets + bucket


def walk(
    index: np.ndarray, model: ContextModel, visit: Callable[[int, np.ndarray, int], None]
) -> None:
    """Calls visit(channel, flat positions, table) in decode order over table indices
    (C, h, w). visit may fill index[channel] at those positions (the decoder does): the
    contexts of later calls read only what earlier calls covered."""
    channels, h, w = index.shape
    buckets = model.edges.shape[1] + 1
    anchors = _anchors(h, w)
    passes = (np.flatnonzero(anchors), np.flatnonzero(~anchors))
    weights = model.activity_weights().astype(np.float64)
    decoded = np.zeros((2 * channels, h * w))  # a() of each channel, then its neighbour sums
    for c in range(channels):
        # exact integers (see MAX_WEIGHT): the same on every machine and BLAS
        activity = (weights[c] @ decoded).astype(np.int64).reshape(h, w)
        bucket = np.searchsorted(model.edges[c], activity, side="right")
        for anchor_pass, flat in zip((True, False), passes, strict=True):
            if anchor_pass:  # an anchor's context is its activity bucket
                context = bucket.ravel()[flat]
            else:  # read after the anchors are decoded
                near = _neighbour_contexts(index[c], bucket, anchors, model.radius, buckets)
                context = near.ravel()[flat]
            table = model.classes[c, context]
            order = flat[np.argsort(table, kind="stable")]  # by table, raster order within
            ends = np.cumsum(np.bincount(table, minlength=len(model.tables)))
            for t in np.flatnonzero(np.diff(ends, prepend=0)).tolist():
                visit(c, order[ends[t - 1] if t else 0 : ends[t]], t)
        _record(decoded, index, c, model.radius)


def _record(decoded: np.ndarray, index: np.ndarray, c: int, radius: int) -> None:
    """Stores channel c's a() (the escape index 2R + 1 counts R + 1) and its neighbour sums
    in rows c and C + c of `decoded` (float64 holding exact integers)."""
    magnitude = np.abs(index[c] - radius)
    decoded[c] = magnitude.ravel()
    decoded[len(index) + c] = _neighbour_sum(magnitude).ravel()


def decoded_magnitudes(index: np.ndarray, radius: int) -> np.ndarray:
    """(2C, h * w): every channel's a() and neighbour sums, as walk() ends with."""
    decoded = np.zeros((2 * len(index), index[0].size))
    for c in range(len(index)):
        _record(decoded, index, c, radius)
    return decoded


def activities(index: np.ndarray, weights: np.ndarray, radius: int) -> np.ndarray:
    """The activity (C, h, w) of every position of table indices (C, h, w) at once. The
    weights read only earlier channels, so this is what walk() finds channel by channel."""
    product = weights.astype(np.float64) @ decoded_magnitudes(index, radius)
    return product.astype(np.int64).reshape(index.shape)


def contexts(index: np.ndarray, model: ContextModel) -> np.ndarray:
    """The context of every position of table indices (C, h, w) at once, as walk() finds
    them (for the fitter; tests check the two agree). Reads only `model`'s edges and weights."""
    activity = activities(index, model.activity_weights(), model.radius)
    return bucket_contexts(index, model.edges, activity, model.radius)


def bucket_contexts(
    index: np.ndarray, edges: np.ndarray, activity: np.ndarray, radius: int
) -> np.ndarray:
    """The context (C, h, w) of every position, given the activity edges and activities
    (contexts() for a model; the fitter calls it while it chooses the edges)."""
    buckets = edges.shape[1] + 1
    anchors = _anchors(*index.shape[1:])
    out = np.empty(index.shape, np.int64)
    for c in range(index.shape[0]):
        bucket = np.searchsorted(edges[c], activity[c], side="right")
        near = _neighbour_contexts(index[c], bucket, anchors, radius, buckets)
        out[c] = np.where(anchors, bucket, near)
    return out


def encode(symbols: np.ndarray, model: ContextModel) -> tuple[bytes, bytes]:
    """int latents (C, h, w) -> (ANS words, escape bytes), as srcodec.entropy.encode."""
    words, escapes, _ = encode_counted(symbols, model)
    return words, escapes


def encode_counted(symbols: np.ndarray, model: ContextModel) -> tuple[bytes, bytes, int]:
    """encode, plus the symbols' cost units (srcodec.entropy's budget) and nothing more:
    the encoder checks its payload against the decoder's budget with them."""
    import constriction

    index, escapes = entropy.to_indices(symbols, model.radius)
    models = entropy.categoricals(model.tables)
    costs = entropy.cost_units(model.tables)
    segments: list[tuple[np.ndarray, Any]] = []
    spent = 0

    def visit(c: int, pos: np.ndarray, t: int) -> None:
        nonlocal spent
        values = index[c].ravel()[pos]
        segments.append((values, models[t]))
        spent += int(costs[t][values].sum())

    walk(index, model, visit)
    coder = constriction.stream.stack.AnsCoder()
    for values, m in reversed(segments):  # a stack: the last encoded decodes first
        coder.encode_reverse(values.astype(np.int32), m)
    return coder.get_compressed().astype("<u4").tobytes(), escapes, spent


def last_decoded(symbols: np.ndarray, model: ContextModel) -> tuple[int, int]:
    """(channel, flat position) of the symbol a decoder reads last from latents (C, h, w)."""
    index, _ = entropy.to_indices(symbols, model.radius)
    last = (0, 0)

    def visit(c: int, pos: np.ndarray, t: int) -> None:
        nonlocal last
        last = (c, int(pos[-1]))

    walk(index, model, visit)
    return last


def cheapest_units(model: ContextModel) -> int:
    """Cost units of one position's cheapest symbols over all channels: each channel's
    cheapest symbol in any table its contexts can pick (the decoder's early budget bound)."""
    cheapest = entropy.cost_units(model.tables).min(1)
    return int(sum(int(cheapest[np.unique(row)].min()) for row in model.classes))


def decode(
    words: bytes, escapes: bytes, model: ContextModel, shape: tuple[int, int, int]
) -> np.ndarray:
    """Inverse of encode for latents of `shape` (C, h, w); CorruptError on any
    inconsistency. Work is bounded by C * h * w symbols and C * 2 * S coder calls, and
    before anything is allocated by the words (srcodec.entropy's information budget)."""
    n_words = len(entropy.ans_words(words))
    positions = shape[1] * shape[2]
    entropy.check_budget(positions * cheapest_units(model), n_words, shape[0] * positions)
    index = np.full(shape, model.radius, np.int64)
    models = entropy.categoricals(model.tables)
    costs = entropy.cost_units(model.tables)
    spent = 0

    def run(coder: Any) -> None:
        def visit(c: int, pos: np.ndarray, t: int) -> None:
            nonlocal spent
            values = coder.decode(models[t], len(pos))
            index[c].reshape(-1)[pos] = values
            spent += int(costs[t][values].sum())
            entropy.check_budget(spent, n_words, 0)  # as soon as the words are overspent

        walk(index, model, visit)

    entropy.decoding(run, words)
    return entropy.from_indices(index, escapes, model.radius)
