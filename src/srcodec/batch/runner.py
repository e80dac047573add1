"""`run_batch`: the whole batch as a library call (the CLI adds argparse and the summary)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from srcodec.batch import engines, settings, tree
from srcodec.batch.manifest import Manifest
from srcodec.batch.work import Job, process
from srcodec.errors import UsageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from srcodec.batch.settings import Settings
    from srcodec.batch.tree import Task
    from srcodec.batch.work import Result


@dataclass
class Summary:
    files: int = 0  # sources this mode transcodes
    done: int = 0  # transcoded by this run
    skipped: int = 0  # finished by an earlier run: the manifest and DST agree
    other: int = 0  # files left alone (not images / not .srz)
    hidden: int = 0  # hidden files and symlinks: left alone, never followed
    in_bytes: int = 0  # sources of every finished output, this run's and earlier ones
    out_bytes: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    seconds: float = 0.0

    @property
    def savings(self) -> float:
        """Percent of the input bytes saved (negative when outputs are bigger: decoding)."""
        return 100 * (1 - self.out_bytes / self.in_bytes) if self.in_bytes else 0.0


def run_batch(
    src: str,
    dst: str,
    opts: Settings,
    *,
    engine: str = "local",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> Summary:
    """Transcode every file of the tree `src` that `opts.mode` applies to into `dst`, keeping
    relative paths; skip what an earlier run finished. `src`/`dst`: paths or fsspec URLs."""
    started = time.perf_counter()
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        msg = f"--jobs must be at least 1, got {jobs}"
        raise UsageError(msg)
    settings.check(opts)
    src_fs, src_root = tree.open_fs(src)
    dst_fs, dst_root = tree.open_fs(dst)
    in_process = "memory" in _protocols(src_fs) + _protocols(dst_fs)  # a per-process store
    engines.check(engine, scheduler, in_process)
    tree.check_roots(src_fs, src_root, dst_fs, dst_root, f"{src} -> {dst}")
    plan = tree.plan(src_fs, src_root, dst_fs, dst_root, opts)
    dst_fs.makedirs(dst_root, exist_ok=True)
    for path in plan.stale:
        dst_fs.rm_file(path)
    manifest = Manifest(dst_fs, dst_root)
    earlier = manifest.load()
    key = opts.key()
    out = Summary(len(plan.tasks) + len(plan.refused), other=plan.other, hidden=plan.hidden)
    out.errors += plan.refused
    todo: list[Task] = []
    for task in plan.tasks:
        entry = earlier.get(task.rel)
        if entry is not None and _finished(entry, task, key, plan.outputs):
            out.skipped += 1
            out.in_bytes += task.size
            out.out_bytes += entry["out_size"]
        else:
            todo.append(task)
    own_workers = scheduler is None and not in_process and jobs > 1
    job = Job(opts, src_fs, dst_fs, engines.threads_per_worker(jobs) if own_workers else None)
    from tqdm import tqdm

    bar = tqdm(
        total=len(todo), desc=f"batch {opts.mode}", unit="file", disable=None if progress else True
    )
    try:
        results = engines.run(
            engine, process, todo, job, jobs=jobs, in_process=in_process, scheduler=scheduler
        )
        for result in results:
            _count(out, result, manifest, key)
            bar.update()
    finally:
        bar.close()
        manifest.close()
    out.errors.sort()
    out.seconds = time.perf_counter() - started
    return out


def _finished(entry: dict[str, Any], task: Task, key: str, outputs: dict[str, int]) -> bool:
    return (
        entry.get("settings") == key
        and entry.get("src_size") == task.size
        and entry.get("src_stamp") == task.stamp
        and entry.get("out") == task.out_rel
        and outputs.get(task.out_rel) == entry.get("out_size")
    )


def _count(out: Summary, result: Result, manifest: Manifest, key: str) -> None:
    task = result.task
    if result.error is not None:
        out.errors.append((task.rel, result.error))
        return
    manifest.record(
        {
            "src": task.rel,
            "src_size": task.size,
            "src_stamp": task.stamp,
            "out": task.out_rel,
            "out_size": result.out_bytes,
            "settings": key,
            "seconds": round(result.seconds, 3),
        }
    )
    out.done += 1
    out.in_bytes += task.size
    out.out_bytes += result.out_bytes


def _protocols(fs: AbstractFileSystem) -> tuple[str, ...]:
    return (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
