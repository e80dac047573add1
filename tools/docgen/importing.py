"""Copy what the pages need from a measurement into docs/measured (tracked, small): an rd
folder's curves without their per-image rows, a result JSON as it is, and SSIMULACRA 2's
agreement with the reference C++ scores."""

from __future__ import annotations

import csv
import json
import shutil
from typing import TYPE_CHECKING

from docgen import REPO, RESULTS

if TYPE_CHECKING:
    from pathlib import Path

SHARED = REPO.parent / "shared"


def import_rd(folder: Path) -> Path:
    """`srcodec rd --out FOLDER` -> docs/measured/<name>/, one curve JSON each, without the
    per-image rows (kept in FOLDER: the pages use the means)."""
    out = RESULTS / folder.name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        data.pop("per_image", None)
        (out / path.name).write_text(json.dumps(data, indent=1) + "\n")
    return out


def import_file(path: Path) -> Path:
    """A result JSON (bench_promise.py, eval_restore_perceptual.py) copied as it is."""
    out = RESULTS / path.name
    shutil.copyfile(path, out)
    return out


def measure_ssimulacra2(shared: Path = SHARED) -> Path:
    """Score the shared reference pairs with srcodec.metrics.ssimulacra2 beside the
    reference C++ score of each (`scores.csv`; `shared` holds the datasets, beside the
    checkout by default) -> docs/measured/ssimulacra2-validation.json."""
    import numpy as np
    from PIL import Image

    from srcodec import metrics

    root = shared / "reference" / "ssimulacra2"
    pairs = []
    with (root / "scores.csv").open() as f:
        for row in csv.DictReader(f):
            with Image.open(shared / "datasets" / row["original"]) as im:
                a = np.asarray(im.convert("RGB"))
            with Image.open(root / row["distorted"]) as im:
                b = np.asarray(im.convert("RGB"))
            pairs.append(
                {
                    "original": row["original"],
                    "distorted": row["distorted"],
                    "kind": row["distorted"].split("-")[1],
                    "reference": float(row["ssimulacra2"]),
                    "ours": round(float(metrics.ssimulacra2(a, b)), 6),
                }
            )
    out = RESULTS / "ssimulacra2-validation.json"
    out.write_text(json.dumps(pairs, indent=1) + "\n")
    return out
