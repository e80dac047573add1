"""The per-file function: read the source, transcode it, write the output atomically.

It runs wherever the engine puts it (this process, a pool worker, a Dask worker), so its
arguments are plain picklable data and it never raises: a bad file comes back as a Result
with an error, and the run goes on. Learned models are cached per process by the
upscalers themselves (functools.cache), so a long-lived worker loads the runtime and each
model once, whatever number of files it handles.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from srcodec.batch.settings import Settings
    from srcodec.batch.tree import Task


@dataclass(frozen=True)
class Job:
    """What every task of a run shares."""

    settings: Settings
    src_fs: AbstractFileSystem
    dst_fs: AbstractFileSystem
    threads: int | None = None  # runtime threads per worker; None: leave the default


@dataclass(frozen=True)
class Result:
    task: Task
    out_bytes: int = 0
    seconds: float = 0.0
    error: str | None = None


_threads_set: int | None = None


def process(task: Task, job: Job) -> Result:
    start = time.perf_counter()
    try:
        _limit_threads(job.threads)
        data = job.src_fs.cat_file(task.src)
        if job.settings.mode == "encode":
            out = _encode(data, job.settings)
        else:
            out = _decode(data, job.settings)
        _write(job.dst_fs, task.out, out)
    except Exception as exc:  # one bad file is reported, never the end of the run
        return Result(task, 0, time.perf_counter() - start, describe(exc))
    return Result(task, len(out), time.perf_counter() - start)


def describe(exc: BaseException) -> str:
    """One line: srcodec's own errors as they are, others with their type."""
    from srcodec.errors import SrcodecError

    if isinstance(exc, SrcodecError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _encode(data: bytes, settings: Settings) -> bytes:
    from PIL import Image, UnidentifiedImageError

    from srcodec.encoder import encode_explained
    from srcodec.errors import SrcodecError

    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except UnidentifiedImageError:
        msg = "not an image format Pillow can read"
        raise SrcodecError(msg) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        msg = f"cannot read image: {exc}"
        raise SrcodecError(msg) from None
    return encode_explained(img, **settings.encode)[0]


def _decode(data: bytes, settings: Settings) -> bytes:
    from srcodec import decoder, image_io

    img, report = decoder.decode_with_report(data, **settings.decode)
    # save_image picks the format by extension and keeps ICC/EXIF and provenance
    with tempfile.TemporaryDirectory(prefix="srcodec-batch-") as tmp:
        path = Path(tmp) / f"out{settings.ext}"
        image_io.save_image(img, path, text={"srcodec": report.provenance})
        return path.read_bytes()


def _write(fs: AbstractFileSystem, path: str, data: bytes) -> None:
    """Atomic: a local file through a temp file and a rename; an object in one put."""
    from fsspec.implementations.local import LocalFileSystem

    from srcodec import image_io

    if isinstance(fs, LocalFileSystem):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        image_io.write_atomic(path, lambda f: f.write(data))
    else:
        fs.makedirs(path.rpartition("/")[0], exist_ok=True)
        fs.pipe_file(path, data)


def _limit_threads(threads: int | None) -> None:
    """N workers on N cores: each keeps to its share of the runtime's threads (once per
    process; ONNX Runtime sessions read OMP_NUM_THREADS when made, torch when imported)."""
    global _threads_set
    if threads is None or _threads_set == threads:
        return
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    _threads_set = threads
