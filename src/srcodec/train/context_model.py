"""The `context-model` family: the learned base's context-adaptive entropy model
(srcodec.base.learned_context), fitted in closed form by counting symbols.

Nothing here is trained by gradient: the activity weights are a least-squares fit, the
tables pooled symbol counts over the latents of the training images (never the held-out
ones). `learned-base` exports call fit_on_images; this family's command line refits the
context model of a shipped learned-base model without touching its network, so decoded
pixels, and models fine-tuned on them, stay the same:

    python tools/train.py context-model --name learned-base
    python tools/fit_context_model.py --name learned-base      (the same)

The result is a new model file, with a new hash, registered under NAME; the model it
replaces stays decodable as NAME@<sha8>.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from srcodec import entropy
from srcodec.base import learned_context as lc
from srcodec.train.data import DEFAULT_DATA, held_out, training_files

if TYPE_CHECKING:
    from collections.abc import Sequence

    import torch

CONTEXT_CROP = 512  # side of the central crops the context model is counted on
COMMAND = "python tools/fit_context_model.py"  # the command line the manifest records


def fit_weights(indices: Sequence[np.ndarray], radius: int) -> np.ndarray:
    """int64 (C, 2C): per channel c, the least-squares weights (in 1/lc.WEIGHT_ONE) predicting
    its a() from the a() and neighbour sums of the channels before it. The regression has an
    intercept, dropped here (the bucket edges absorb it); a tiny ridge keeps dead channels
    solvable."""
    channels = len(indices[0])
    gram = np.zeros((2 * channels + 1, 2 * channels + 1))
    for index in indices:
        features = np.vstack([lc.decoded_magnitudes(index, radius), np.ones((1, index[0].size))])
        gram += features @ features.T
    weights = np.zeros((channels, 2 * channels), np.int64)
    for c in range(1, channels):
        cols = np.r_[0:c, channels : channels + c, 2 * channels]
        a = gram[np.ix_(cols, cols)]
        ridge = 1e-6 * np.trace(a) / len(cols) * np.eye(len(cols))
        solution = np.linalg.solve(a + ridge, gram[cols, c])[:-1] * lc.WEIGHT_ONE
        weights[c, cols[:-1]] = np.clip(np.round(solution), -lc.MAX_WEIGHT, lc.MAX_WEIGHT)
    return weights


def fit(
    latents: Sequence[np.ndarray],
    radius: int,
    buckets: int = 12,
    tables: int = 48,
    weighted: bool = True,
) -> lc.ContextModel:
    """Counts the symbols of `latents` (int arrays (C, h, w), training images only) into a
    ContextModel: the activity weights (fit_weights; the plain sum if not `weighted`),
    per-channel activity edges at the quantiles of 1/buckets, then each (channel, context)
    assigned to one of `tables` classes by its mean magnitude (log-spaced), each class's
    table the pooled counts, smoothed."""
    channels = latents[0].shape[0]
    k = 2 * radius + 2
    indices = [entropy.to_indices(y, radius)[0] for y in latents]
    weights = fit_weights(indices, radius) if weighted else None
    used_weights = lc.plain_weights(channels) if weights is None else weights
    activity = [lc.activities(index, used_weights, radius) for index in indices]
    quantiles = np.linspace(0, 1, buckets + 1)[1:-1]
    pooled = [np.concatenate([a[c].ravel() for a in activity]) for c in range(channels)]
    edges = np.stack([np.ceil(np.quantile(p, quantiles)) for p in pooled]).astype(np.int64)
    n_ctx = (lc.NEIGHBOUR_CAP + 2) * buckets
    counts = np.zeros((channels, n_ctx, k))
    for index, a in zip(indices, activity, strict=True):
        channel = np.broadcast_to(np.arange(channels)[:, None, None], index.shape)
        np.add.at(counts, (channel, lc.bucket_contexts(index, edges, a, radius), index), 1)
    magnitudes = np.abs(np.arange(k) - radius)
    seen = counts.sum(-1)
    channel_mean = (counts.sum(1) * magnitudes).sum(-1) / np.maximum(counts.sum((1, 2)), 1)
    mean = np.where(
        seen > 0, (counts * magnitudes).sum(-1) / np.maximum(seen, 1), channel_mean[:, None]
    )
    lo, hi = np.log(0.02), np.log(radius + 1)
    cls = np.clip(((np.log(mean + 0.02) - lo) / (hi - lo) * tables).astype(np.int64), 0, tables - 1)
    used, classes = np.unique(cls, return_inverse=True)  # drop classes nothing uses
    pooled_counts = np.zeros((len(used), k))
    np.add.at(pooled_counts, classes.ravel(), counts.reshape(-1, k))
    return lc.ContextModel(
        edges, classes.reshape(cls.shape), entropy.quantize_pmf(pooled_counts + 0.2), weights
    )


def fit_on_images(
    net: torch.nn.Module, data: Path, radius: int, weighted: bool = True
) -> lc.ContextModel:
    """The context model of `net`'s latents on the central crops of `data`'s training
    images (held-out ones skipped) at 11 qualities (`weighted`: fitted activity weights,
    else the plain sum)."""
    from PIL import Image

    from srcodec.base import learned

    held = set(held_out(data))
    latents = []
    for path in training_files(data):
        if path in held:
            continue
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        h, w = rgb.shape[:2]  # a central crop bounds the time; contexts are local
        top, left = max(0, (h - CONTEXT_CROP) // 2), max(0, (w - CONTEXT_CROP) // 2)
        crop = rgb[top : top + CONTEXT_CROP, left : left + CONTEXT_CROP]
        latents += [learned.analyse(net, crop, q) for q in range(0, 101, 10)]
    return fit(latents, radius, weighted=weighted)


def refit_shipped(
    name: str, data: Path = DEFAULT_DATA, command: str = COMMAND
) -> tuple[Path, lc.ContextModel, float]:
    """Gives the shipped learned-base model `name` a freshly counted context model: writes
    and registers the new file, keeping the old one as NAME@<sha8>. Returns (path, model,
    CPU seconds the fit took)."""
    from srcodec import weights
    from srcodec.base import learned
    from srcodec.train.export import register_model, write_model
    from srcodec.train.learned_base import TABLE_RADIUS

    entry = weights.entry(name)
    if entry.get("arch") != learned.MODEL:
        msg = f"{name} is not a learned-base model"
        raise SystemExit(msg)
    arrays = {k: v for k, v in weights.load(name).items() if k not in lc.ALL_ARRAYS}
    start = time.process_time()
    context = fit_on_images(learned.model(name).net, data, TABLE_RADIUS)
    seconds = time.process_time() - start
    stem = entry["file"].rsplit("-", 1)[0]  # the file name without its -<sha8>.npz
    weights.keep_as_variant(name)
    path = write_model(name, stem, {**arrays, **context.arrays()})
    meta = {k: v for k, v in entry.items() if k not in ("file", "sha256")}
    meta["context_model"] = {
        "tables": len(context.tables),
        "buckets": int(context.edges.shape[1] + 1),
        "fit_cpu_seconds": round(seconds, 1),
        "command": f"{command} --name {name}",
        "network_sha256": entry["sha256"],
    }
    register_model(name, path, meta)
    return path, context, seconds


def main(argv: Sequence[str] | None = None, command: str = COMMAND) -> None:
    """The context model's command line (tools/fit_context_model.py)."""
    from srcodec.base import learned

    p = argparse.ArgumentParser(
        prog=command.removeprefix("python "),
        description="Give a shipped learned-base model a context model.",
    )
    p.add_argument("--name", default=learned.MODEL, help="manifest name of the model")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training images")
    args = p.parse_args(argv)
    path, context, seconds = refit_shipped(args.name, args.data, command)
    size = path.stat().st_size
    print(f"{path} ({size} bytes), {len(context.tables)} tables, {seconds:.0f} s")


@dataclass
class ContextModelFamily:
    """`context-model`: a closed-form fit, run from its own command line."""

    name: str = "context-model"

    def main(self, argv: Sequence[str] | None = None) -> None:
        main(argv, command="python tools/train.py context-model")
