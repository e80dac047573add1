"""Run codec specs x qualities x images, in a process pool, with a per-row cache.

A row is one (image, codec, quality): bpp from the whole file's bytes, every metric of
srcodec.rd.metrics (SSIMULACRA 2, PSNR-RGB, PSNR-Y, MS-SSIM, Butteraugli where installed),
encode and decode seconds.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from srcodec import metrics
from srcodec.errors import FileError, SrcodecError, UsageError
from srcodec.printable import printable
from srcodec.rd.cache import RowCache, file_sha256, row_key
from srcodec.rd.metrics import QUALITY_KEYS, RD_METRICS, TIME_KEYS

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from srcodec.rd.spec import CodecSpec

IMAGE_SUFFIXES = (".png", ".bmp", ".ppm", ".tif", ".tiff", ".jpg", ".jpeg", ".webp")
METRIC_KEYS = ("bpp", *QUALITY_KEYS, *TIME_KEYS)


@dataclass
class SweepResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    computed: int = 0  # rows measured in this run
    cached: int = 0  # rows read back from the cache


def list_images(dataset: Path, limit: int | None = None) -> list[Path]:
    """Image files directly in `dataset`, sorted by name; the first `limit` of them."""
    if not dataset.is_dir():
        msg = f"dataset {dataset} is not a folder"
        raise FileError(msg)
    images = sorted(p for p in dataset.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if limit is not None:
        if limit < 1:
            msg = f"--limit must be at least 1, got {limit}"
            raise UsageError(msg)
        images = images[:limit]
    if not images:
        msg = f"dataset {dataset} holds no images ({', '.join(IMAGE_SUFFIXES)})"
        raise UsageError(msg)
    return images


def load_rgb(path: Path) -> np.ndarray:
    """uint8 HxWx3 (CompressAI converts every test image to RGB the same way)."""
    from srcodec.image_io import open_limited

    with open_limited(path, hint="") as img:
        return np.array(img.convert("RGB"))


def readable(images: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(images that load, [(image, one-line reason)] for those that do not): one bad file
    in a dataset is reported and skipped, not the end of the run."""
    good, skipped = [], []
    for path in images:
        try:
            load_rgb(path)
        except Exception as exc:  # untrusted files: any failure means "skip this one"
            reason = " ".join(str(exc).split()).removeprefix(f"{path}: ")
            skipped.append((path, reason or type(exc).__name__))
        else:
            good.append(path)
    return good, skipped


def measure(path: Path, spec: CodecSpec, quality: int) -> dict[str, Any]:
    """One row: code `path` with `spec` at `quality` and score it against the original."""
    from srcodec.rd.codecs import code

    rgb = load_rgb(path)
    coded = code(rgb, spec, quality)
    h, w = rgb.shape[:2]
    decoded = np.array(coded.decoded)  # writable copy: torch warns on read-only arrays
    return {
        "image": path.name,
        "kind": spec.kind,
        "settings": spec.settings(),
        "quality": quality,
        "width": w,
        "height": h,
        "bytes": coded.num_bytes,
        "bpp": metrics.bpp(coded.num_bytes, w, h),
        **{m.key: m.measure(rgb, decoded) for m in RD_METRICS},
        "encoding_time": coded.encoding_time,
        "decoding_time": coded.decoding_time,
    }


def _init_worker() -> None:
    # one math thread per worker (torch reads this when MS-SSIM first imports it):
    # --jobs alone decides how many cores a sweep uses
    os.environ["OMP_NUM_THREADS"] = "1"


def run(
    images: Sequence[Path],
    specs: Sequence[CodecSpec],
    cache_dir: Path,
    *,
    jobs: int = 1,
    progress: bool = True,
) -> SweepResult:
    """Measure every (image, spec, quality) not already in `cache_dir`; return all rows,
    sorted by codec, quality, image. Each row gains `codec` (the spec's curve name)."""
    cache = RowCache(cache_dir)
    result = SweepResult()
    shas = {path: file_sha256(path) for path in images}
    todo: list[tuple[str, Path, CodecSpec, int]] = []
    for spec in specs:
        for quality in spec.qualities:
            for path in images:
                key = row_key(shas[path], spec, quality)
                row = cache.get(key)
                if row is None:
                    todo.append((key, path, spec, quality))
                else:
                    result.rows.append(_named(row, spec, path))
                    result.cached += 1
    bar = tqdm(total=len(todo), desc="rd", unit="row", disable=not progress or not todo)
    try:
        for key, spec, path, row in _compute(todo, jobs):
            cache.put(key, row)
            result.rows.append(_named(row, spec, path))
            result.computed += 1
            bar.update()
    finally:
        bar.close()
    result.rows.sort(key=lambda r: (r["codec"], r["quality"], r["image"]))
    return result


def _compute(
    todo: list[tuple[str, Path, CodecSpec, int]], jobs: int
) -> Iterator[tuple[str, CodecSpec, Path, dict[str, Any]]]:
    if jobs <= 1 or len(todo) <= 1:
        for key, path, spec, quality in todo:
            try:
                row = measure(path, spec, quality)
            except Exception as exc:  # one line naming the row, no traceback
                raise _failed(path, spec, quality, exc) from None
            yield key, spec, path, row
        return
    workers = min(jobs, len(todo))
    # spawn: the parent may already run torch threads, which fork does not survive safely
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_init_worker)
    try:
        futures = {
            pool.submit(measure, path, spec, q): (key, path, spec, q) for key, path, spec, q in todo
        }
        for future in as_completed(futures):
            key, path, spec, quality = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # a worker's error, StopIteration included
                raise _failed(path, spec, quality, exc) from None
            yield key, spec, path, row
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _failed(path: Path, spec: CodecSpec, quality: int, exc: BaseException) -> SrcodecError:
    """A row that could not be measured, as one line naming it: the error itself when
    srcodec raised it on purpose, else its class and message (the same with --jobs 1 and
    with a worker process, whose exceptions would otherwise surface as a traceback, and a
    StopIteration as a RuntimeError from this generator)."""
    where = f"{printable(path.name)}, {spec.name} quality {quality}"
    if isinstance(exc, SrcodecError):
        return type(exc)(f"{where}: {exc}")
    text = " ".join(str(exc).split())
    return SrcodecError(f"{where}: {type(exc).__name__}{': ' + text if text else ''}")


def _named(row: dict[str, Any], spec: CodecSpec, path: Path) -> dict[str, Any]:
    return {"codec": spec.name, **row, "image": path.name}
