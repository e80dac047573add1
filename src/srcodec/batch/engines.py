"""Where the per-file function runs. Each engine maps `fn(task, job)` over the tasks and
yields results as they finish, in any order; a result is never lost to a dead worker.

- local: in this process for one job, else a pool of worker processes (threads when a
  memory:// filesystem is involved: it lives in this process only)
- dask: a Dask distributed cluster, the address given or a local one of `jobs` workers
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from typing import TYPE_CHECKING, Any

from srcodec.batch.work import Result, describe
from srcodec.errors import BackendUnavailableError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator, Sequence
    from multiprocessing.context import BaseContext

    from srcodec.batch.tree import Task
    from srcodec.batch.work import Job

    Fn = Callable[[Task, Job], Result]

ENGINES = ("local", "dask", "ray")
CRASHED = "the worker process died on this file (crash or out of memory)"


def check(engine: str, scheduler: str | None, in_process: bool) -> None:
    """Refuse an engine that cannot run here before any file is touched."""
    if engine == "ray":
        msg = "--engine ray is not implemented: srcodec batch scales out on Dask (--engine dask)"
        raise UsageError(msg)
    if engine not in ENGINES:
        msg = f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}"
        raise UsageError(msg)
    if engine == "local" and scheduler is not None:
        msg = "--scheduler is for --engine dask"
        raise UsageError(msg)
    if engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            msg = "--engine dask needs Dask distributed: pip install 'srcodec[batch]'"
            raise BackendUnavailableError(msg) from None
        if scheduler is not None and in_process:
            msg = "memory:// lives in this process; a remote Dask cluster cannot reach it"
            raise UsageError(msg)


def run(
    engine: str,
    fn: Fn,
    tasks: Sequence[Task],
    job: Job,
    *,
    jobs: int,
    in_process: bool = False,
    scheduler: str | None = None,
) -> Iterator[Result]:
    check(engine, scheduler, in_process)
    if engine == "dask":
        return dask(fn, tasks, job, jobs=jobs, in_process=in_process, scheduler=scheduler)
    return local(fn, tasks, job, jobs=jobs, threads=in_process)


def threads_per_worker(jobs: int) -> int:
    return max(1, (os.cpu_count() or 1) // jobs)


def local(fn: Fn, tasks: Sequence[Task], job: Job, *, jobs: int, threads: bool) -> Iterator[Result]:
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield fn(task, job)
        return
    if threads:
        with ThreadPoolExecutor(min(jobs, len(tasks))) as pool:
            futures = [pool.submit(fn, t, job) for t in tasks]
            for future in as_completed(futures):
                yield future.result()
        return
    queue = list(tasks)
    while queue:
        suspects, rest = yield from _pool_round(fn, queue, job, jobs)
        if not suspects and len(rest) == len(queue):  # no worker got as far as a task
            for task in rest:
                yield Result(task, error="the worker processes could not start")
            return
        for task in suspects:  # alone, so that a second crash names its file
            again, unstarted = yield from _pool_round(fn, [task], job, 1)
            if again or unstarted:
                yield Result(task, error=CRASHED)
        queue = rest


_started: Any = None  # in a pool worker: the queue that hears which task it starts


def _listen(queue: Any) -> None:
    global _started
    _started = queue


def _tracked(fn: Fn, task: Task, job: Job) -> Result:
    _started.put(task.rel)
    return fn(task, job)


def _pool_round(
    fn: Fn, tasks: list[Task], job: Job, jobs: int
) -> Generator[Result, None, tuple[list[Task], list[Task]]]:
    """Run `tasks` in a fresh pool. If a worker dies, the pool is lost: returns (the tasks
    a worker had started and not finished, those not started) to go again."""
    ctx = _context(job)
    started = ctx.SimpleQueue()
    pool = ProcessPoolExecutor(
        min(jobs, len(tasks)), mp_context=ctx, initializer=_listen, initargs=(started,)
    )
    futures = {pool.submit(_tracked, fn, t, job): t for t in tasks}
    unfinished = dict(futures)
    begun: set[str] = set()
    try:
        for future in as_completed(futures):
            _drain(started, begun)  # as we go: a full pipe would block the workers
            try:
                result = future.result()
            except BrokenProcessPool:
                break
            del unfinished[future]
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not unfinished:
        return [], []
    _drain(started, begun)
    left = list(unfinished.values())
    return [t for t in left if t.rel in begun], [t for t in left if t.rel not in begun]


def _context(job: Job) -> BaseContext:
    """Workers forked from a server that imported srcodec (and ONNX Runtime, when the run
    may use a learned tool) once: each worker starts warm, and the runtime loads once per
    run, not once per worker. Never a plain fork: the parent may run runtime threads, which
    fork breaks.
    Without forkserver (Windows): spawn."""
    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    ctx = get_context("forkserver")
    modules = ["srcodec.batch.work", "srcodec.decoder", "srcodec.encoder"]
    if job is not None and job.settings.may_run_network():
        modules.append("onnxruntime")
    ctx.set_forkserver_preload(modules)  # only the first pool's list counts (one server)
    return ctx


def _drain(queue: Any, into: set[str]) -> None:
    while not queue.empty():
        into.add(queue.get())


def dask(
    fn: Fn, tasks: Sequence[Task], job: Job, *, jobs: int, in_process: bool, scheduler: str | None
) -> Iterator[Result]:
    import distributed

    if not tasks:
        return
    cluster = None
    if scheduler is None:
        import logging

        cluster = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=not in_process,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = distributed.Client(cluster or scheduler)
    try:
        futures = client.map(fn, list(tasks), job=job, pure=False)
        owner = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for future in distributed.as_completed(futures):
            try:
                result = future.result()
            except distributed.KilledWorker:  # Dask retried it on other workers; all died
                result = Result(owner[future.key], error=CRASHED)
            except Exception as exc:  # not from process(), which returns its errors
                result = Result(owner[future.key], error=describe(exc))
            yield result
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
