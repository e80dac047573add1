"""What a scale-out engine costs before any work: import, a local cluster of 2, 24 tiny tasks.

    python tools/bench_engines.py dask      # needs `pip install distributed`
    python tools/bench_engines.py ray       # needs `pip install ray`

The numbers behind `srcodec batch --engine dask` (README "Batch transcoding"); install
size and time were measured with `pip install` into a venv beside the project's.
"""

from __future__ import annotations

import sys
import time


def double(x: int) -> int:
    return 2 * x


def dask() -> tuple[float, float, float]:
    t0 = time.perf_counter()
    import logging

    import distributed

    t1 = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    )
    client = distributed.Client(cluster)
    t2 = time.perf_counter()
    client.gather(client.map(double, range(24)))
    t3 = time.perf_counter()
    client.close()
    cluster.close()
    return t1 - t0, t2 - t1, t3 - t2


def ray() -> tuple[float, float, float]:
    t0 = time.perf_counter()
    import ray

    t1 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    t2 = time.perf_counter()
    remote = ray.remote(double)
    ray.get([remote.remote(i) for i in range(24)])
    t3 = time.perf_counter()
    ray.shutdown()
    return t1 - t0, t2 - t1, t3 - t2


if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "dask"
    imp, start, tasks = {"dask": dask, "ray": ray}[name]()
    print(f"{name}: import {imp:.2f} s, 2 local workers up {start:.2f} s, 24 tasks {tasks:.2f} s")
