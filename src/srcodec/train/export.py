"""Checkpoint -> shipped model: EMA weights as a deterministic .npz + a manifest entry.

    python tools/export_model.py --run training/restore-x1 --name restore-x1

Every family writes its model file through write_model (or write_npz for an experiment's
own folder), so every shipped file is a deterministic .npz named <stem>-<sha8>.npz. For
the loop families the manifest records the family, arch, the checkpoint it came from, its
step and the cumulative CPU-hours that produced it, and the last validation line.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from srcodec import weights
from srcodec.train import compact
from srcodec.train.data import DEFAULT_DATA
from srcodec.train.families import FAMILIES
from srcodec.train.loop import CHECKPOINT, LOG


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Deterministic .npz bytes (fixed zip timestamps), so an export is reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.save(member, arrays[key], allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


def compressed_npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """numpy's own np.savez_compressed container (also deterministic: its members carry
    zipfile's fixed default timestamp); the RAISR banks have always shipped in it."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


Container = Callable[[dict[str, np.ndarray]], bytes]  # arrays -> the .npz file's bytes


def write_npz(
    folder: Path, stem: str, arrays: dict[str, np.ndarray], container: Container = npz_bytes
) -> Path:
    """Writes `arrays` as <folder>/<stem>-<sha8>.npz in `container`'s bytes."""
    blob = container(arrays)
    path = folder / f"{stem}-{hashlib.sha256(blob).hexdigest()[:8]}.npz"
    path.write_bytes(blob)
    return path


def write_model(
    name: str, stem: str, arrays: dict[str, np.ndarray], container: Container = npz_bytes
) -> Path:
    """Writes `arrays` as models/<stem>-<sha8>.npz, deleting the file that manifest name
    `name` pointed at before unless another entry still uses it (the caller registers the
    new one)."""
    models = weights.manifest()
    old = models.get(name, {}).get("file")
    kept = {e["file"] for key, e in models.items() if key != name}  # e.g. name@<sha8>
    path = write_npz(weights.MODELS_DIR, stem, arrays, container)
    if old and old != path.name and old not in kept and (weights.MODELS_DIR / old).exists():
        (weights.MODELS_DIR / old).unlink()
    return path


def register_model(name: str, path: Path, entry: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Registers `path` under `name` with `entry`'s provenance and writes its ONNX graphs
    beside it (onnx_export: what encode and decode run); (path, the manifest entry)."""
    from srcodec import runtime
    from srcodec.train import onnx_export

    weights.register(name, path, entry)
    weights.load.cache_clear()
    onnx_export.export(name)
    onnx_export.prune()
    runtime.clear_cache()
    return path, weights.entry(name)


def export(
    run: Path, name: str, tag: str, keep_previous: bool = False, data: Path = DEFAULT_DATA
) -> tuple[Path, dict[str, Any]]:
    """Writes the EMA model of `run` into weights.MODELS_DIR as <name>-<tag>-<sha8>.npz and
    registers it under `name`, replacing the previous model of that name, or with
    `keep_previous` keeping it as `name@<sha8>` so its streams still decode. `data`: the
    training images, for families whose export counts statistics on them (the learned
    base's context model); ../shared/datasets/train by default."""
    if keep_previous:
        weights.keep_as_variant(name)
    ckpt = torch.load(run / CHECKPOINT, weights_only=True)
    state = json.loads(ckpt["state"])
    ema = compact.unpack_weights(ckpt["ema"])
    arrays = {k: v.detach().float().cpu().numpy() for k, v in ema.items()}
    family = FAMILIES[state["family"]]()
    if hasattr(family, "export_arrays"):  # e.g. the learned base's integer entropy tables
        net = family.build()
        net.load_state_dict(ema)
        arrays.update(family.export_arrays(net.eval(), data))
    path = write_model(name, f"{name}-{tag}", arrays)
    lines = (run / LOG).read_text().splitlines() if (run / LOG).exists() else []
    last = json.loads(lines[-1]) if lines else {}
    entry = {
        "arch": state["family"],
        "arch_params": state["arch"],
        "params": int(sum(a.size for a in arrays.values())),
        "dtype": "float32",
        "checkpoint": str(run / CHECKPOINT),
        "steps": state["step"],
        "cpu_hours": round(state["cpu_hours"], 3),
        "wall_hours": round(state["wall_hours"], 3),
        "train_data": "../shared/datasets/train (81 train / 5 val images)",
        "command": f"python tools/train.py {state['family']} --run {run}",
        "export_command": f"python tools/export_model.py --run {run} --name {name}",
        "val_gain_db": last.get("score_db"),
        "val_per_variant": last.get("per_variant"),
    }
    return register_model(name, path, entry)


def main(argv: list[str] | None = None) -> None:
    """tools/export_model.py: a loop run's EMA weights -> models/ + manifest."""
    import argparse

    p = argparse.ArgumentParser(
        prog="tools/export_model.py",
        description="Export the EMA weights of a training run as a shipped model.",
    )
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--name", required=True, help="manifest name, e.g. restore-x1")
    p.add_argument("--tag", default="c32l8-train86")
    p.add_argument(
        "--keep-previous",
        action="store_true",
        help="keep the model it replaces as NAME@<sha8>, so streams made with it still decode",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="training images, for statistics an export counts (learned-base: context model)",
    )
    args = p.parse_args(argv)
    path, entry = export(args.run, args.name, args.tag, args.keep_previous, args.data)
    print(
        f"{path} ({path.stat().st_size} bytes) sha256 {entry['sha256'][:16]}..., "
        f"{entry['steps']} steps, {entry['cpu_hours']} CPU-h"
    )
