"""Published RD curves in CompressAI's JSON format (`name`, `description`, `results` with
lists `bpp`, `psnr-rgb`, `ms-ssim-rgb`, ...), e.g. shared/reference/compressai-kodak/."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from srcodec.errors import FileError, UsageError
from srcodec.rd.curve import Curve

if TYPE_CHECKING:
    from pathlib import Path


def load_file(path: Path) -> Curve:
    """One reference JSON -> a published Curve. Lists must be numbers of equal length."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        msg = f"reference {path}: cannot read JSON: {exc}"
        raise UsageError(msg) from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict) or not isinstance(results.get("bpp"), list):
        msg = f"reference {path}: no results.bpp list (not CompressAI's format)"
        raise UsageError(msg)
    n = len(results["bpp"])
    series: dict[str, list[float | None]] = {}
    for key, values in results.items():
        if not isinstance(values, list):
            continue
        if len(values) != n or not all(v is None or isinstance(v, int | float) for v in values):
            msg = f"reference {path}: results.{key} is not {n} numbers like results.bpp"
            raise UsageError(msg)
        series[key] = [None if v is None else float(v) for v in values]
    name = str(data.get("name") or path.stem)
    description = str(data.get("description") or "")
    return Curve(name, description, series, published=True)


def load(folder: Path) -> list[Curve]:
    """One reference JSON file, or every *.json in a folder, sorted by file name."""
    if folder.is_file():
        return [load_file(folder)]
    if not folder.is_dir():
        msg = f"--reference {folder}: no such file or folder"
        raise FileError(msg)
    files = sorted(folder.glob("*.json"))
    if not files:
        msg = f"--reference {folder} holds no .json files"
        raise UsageError(msg)
    return [load_file(path) for path in files]
