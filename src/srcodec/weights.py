"""Shipped model files: src/srcodec/models/<name>.npz listed in models/manifest.json.

Loaded with numpy.load(allow_pickle=False), so a model file cannot execute code, and only
after its SHA-256 matches the manifest, so a tampered or truncated file is refused. The
first 4 bytes of that SHA-256 are the model hash recorded in a stream's HEAD (spec §4).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from srcodec.errors import BackendUnavailableError

MODELS_DIR = Path(__file__).parent / "models"
MANIFEST = MODELS_DIR / "manifest.json"


class ModelError(BackendUnavailableError):
    """A shipped model is missing, tampered with or unreadable."""


def manifest() -> dict[str, dict[str, Any]]:
    try:
        return json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return {}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry(name: str) -> dict[str, Any]:
    models = manifest()
    if name not in models:
        msg = f"model {name!r} is not in {MANIFEST.name} (known: {', '.join(models) or 'none'})"
        raise ModelError(msg)
    return models[name]


def stream_hash(name: str) -> bytes:
    """The 4-byte model hash a stream records for this model."""
    return bytes.fromhex(entry(name)["sha256"])[:4]


def variants(name: str) -> dict[bytes, str]:
    """4-byte stream hash -> manifest name, for `name` and the earlier models kept under
    `name@<sha8>` (tools/export_model.py --keep-previous), so old streams still decode."""
    return {
        bytes.fromhex(e["sha256"])[:4]: key
        for key, e in manifest().items()
        if key == name or key.startswith(name + "@")
    }


def verified_bytes(name: str) -> bytes:
    """The bytes of model `name`'s .npz after checking its SHA-256 against the manifest:
    the file a stream's model hash names, checked also where only its ONNX graph runs."""
    return checked_file(entry(name))


def checked_file(ref: dict[str, Any]) -> bytes:
    """The bytes of a manifest reference ({"file", "sha256"}: a model's .npz or one of its
    ONNX graphs) after checking them against its SHA-256."""
    path = MODELS_DIR / ref["file"]
    if not path.is_file():
        msg = f"model file {path} is missing; reinstall srcodec"
        raise ModelError(msg)
    blob = path.read_bytes()
    actual = hashlib.sha256(blob).hexdigest()
    if actual != ref["sha256"]:
        msg = (
            f"model file {path.name} has SHA-256 {actual[:16]}..., manifest says "
            f"{ref['sha256'][:16]}... (tampered or corrupt); refusing to load"
        )
        raise ModelError(msg)
    return blob


@cache
def load(name: str) -> dict[str, np.ndarray]:
    """Arrays of model `name`, after checking its SHA-256 against the manifest."""
    blob = verified_bytes(name)
    import io

    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (ValueError, OSError) as exc:
        msg = f"model file {entry(name)['file']} is unreadable: {exc}"
        raise ModelError(msg) from None


def keep_as_variant(name: str) -> str | None:
    """Register the current model of `name` also as `name@<sha8>` (its file stays), so
    streams made with it keep decoding after `name` is replaced; returns the new name."""
    models = manifest()
    if name not in models:
        return None
    kept = f"{name}@{models[name]['sha256'][:8]}"
    models[kept] = dict(models[name])
    _write_manifest(models)
    return kept


def register(name: str, file: Path, meta: dict[str, Any]) -> None:
    """Add or update a manifest entry (used by tools/ export scripts)."""
    models = manifest()
    models[name] = {"file": file.name, "sha256": sha256_file(file), **meta}
    _write_manifest(models)


def update_entry(name: str, keys: dict[str, Any]) -> None:
    """Set `keys` in the manifest entry of `name` (e.g. its ONNX graphs), keeping the rest."""
    models = manifest()
    models[name] = {**entry(name), **keys}
    _write_manifest(models)


def _write_manifest(models: dict[str, Any]) -> None:
    """Replace the manifest atomically: a decoder reading it meanwhile (an rd sweep beside an
    export) sees the old file or the new one, never a half-written one."""
    tmp = MANIFEST.with_name(MANIFEST.name + ".tmp")
    tmp.write_text(json.dumps(models, indent=2, sort_keys=True) + "\n")
    tmp.replace(MANIFEST)
