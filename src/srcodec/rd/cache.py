"""Per-row result cache: RESULTS_DIR/.cache/<key>.json, one measured (image, codec, quality).

The key hashes the image's content (sha256), the codec kind and settings, the quality, the
Pillow and srcodec versions, a learned upscaler's model hash and METRICS_VERSION, so a re-run
or an extended quality grid only computes the rows it lacks. The curve name is not part of
the key: renaming costs nothing. Editing srcodec code without bumping its version does not
invalidate rows; delete .cache then.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import PIL

from srcodec.image_io import write_atomic
from srcodec.rd.metrics import measured_here

if TYPE_CHECKING:
    from srcodec.rd.spec import CodecSpec

METRICS_VERSION = 3  # bump when a metric's definition changes


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def row_key(image_sha: str, spec: CodecSpec, quality: int) -> str:
    from srcodec import __version__

    ident: dict[str, object] = {
        "image": image_sha,
        "kind": spec.kind,
        "params": dict(sorted(spec.params.items())),
        "quality": quality,
        "pillow": PIL.__version__,
        "srcodec": __version__,
        "metrics": METRICS_VERSION,
        "optional_metrics": measured_here(),
    }
    if spec.kind == "auto":  # a changed search is a different codec, version or not
        import srcodec.search

        package = Path(srcodec.search.__file__).parent
        modules = "".join(file_sha256(f) for f in sorted(package.glob("*.py")))
        ident["search"] = hashlib.sha256(modules.encode()).hexdigest()[:16]
    if _fits_strength(spec):
        import srcodec.upscale.strength  # chunk S: a changed fit is a different codec

        ident["strength"] = file_sha256(Path(srcodec.upscale.strength.__file__))[:16]
    model = _model_hash(spec)
    if model is not None:  # only learned upscalers: keys of other rows stay as they were
        ident["model"] = model
    base_model = _base_model(spec)
    if base_model is not None:  # a retrained learned base is a different codec
        ident["base_model"] = base_model[:16]
    blob = json.dumps(ident, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def _fits_strength(spec: CodecSpec) -> bool:
    """Whether the spec's encoder fits chunk S: srcodec with upscaler=auto (unless
    strength=0), the auto encoder from the effort that does (search.EFFORTS)."""
    if spec.kind == "auto":
        from srcodec.search import EFFORTS

        return EFFORTS[int(spec.params["effort"])].strength
    auto_tool = spec.kind == "srcodec" and spec.params.get("upscaler") == "auto"
    return auto_tool and spec.params.get("strength", "1") == "1"


def _model_hash(spec: CodecSpec) -> str | None:
    """The learned upscaler's model hash: new weights at the same srcodec version are a
    different codec, so they must not reuse rows."""
    from srcodec.upscale import UPSCALERS, default_upscaler

    if spec.kind == "auto":  # any shipped model may be picked: all of them key the row
        from srcodec import weights

        models = weights.manifest().items()  # name@<sha8>: kept only to decode old streams
        return ",".join(sorted(e["sha256"][:8] for k, e in models if "@" not in k))
    if spec.kind != "srcodec":
        return None

    scale = int(spec.params.get("scale", 2))
    name = spec.params["upscaler"]
    if name == "auto":  # the encoder chooses between this learned model and bicubic
        name = default_upscaler(scale)
    digest = UPSCALERS.entry(name).get().model_hash(scale, spec.params.get("base"))
    return digest.hex() if digest else None


def _base_model(spec: CodecSpec) -> str | None:
    """The model hash of the base codec a srcodec spec pins (None: not a learned base)."""
    if spec.kind != "srcodec":
        return None
    from srcodec.base import BASE_CODECS

    return BASE_CODECS.entry(spec.params["base"]).get().model_id()


class RowCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached row, or None when absent or unreadable (then it is recomputed)."""
        try:
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None

    def put(self, key: str, row: dict[str, Any]) -> None:
        """Write atomically (temp file beside the target, then rename): a run killed midway
        leaves whole rows or none, never a truncated one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        blob = json.dumps(row).encode()
        write_atomic(self._path(key), lambda f: f.write(blob))
