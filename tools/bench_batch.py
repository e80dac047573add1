"""`srcodec batch` throughput, resume after a kill, and batch decode against single CLI calls.

    python tools/bench_batch.py ../shared/datasets/kodak [--jobs 2] [--effort 1]

All in one run, so the ratios hold whatever else loads the machine:
1. encode (auto mode at --effort, a fixed fast setting): a plain serial loop of
   `srcodec.encode` in one process, `srcodec batch` with the local pool, and with a local
   Dask cluster of --jobs workers; the three trees must be byte-identical;
2. resume: a pool run killed (SIGKILL to its process group) once a third of the files are
   in the manifest, then run again: files redone, and the tree against the uninterrupted one;
3. decode: streams made by the default encode (learned tool where it wins), decoded by a
   loop of `srcodec decode a.srz a.png` subprocesses and by `srcodec batch --decode`
   (pool and Dask), which load torch and the model once per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SRCODEC = [sys.executable, "-m", "srcodec"]
MANIFEST = ".srcodec-batch.jsonl"
SERIAL_LOOP = """
import sys
from pathlib import Path
import srcodec
src, dst, effort = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
for f in sorted(src.glob("*.png")):
    (dst / f.with_suffix(".srz").name).write_bytes(srcodec.encode(f, effort=effort))
"""


def timed(cmd: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def manifest_sources(root: Path) -> list[str]:
    path = root / MANIFEST
    out = []
    for line in path.read_bytes().splitlines() if path.exists() else []:
        try:
            out.append(json.loads(line)["src"])
        except ValueError:
            pass
    return out


def row(
    name: str, how: str, n: int, seconds: float, base: float | None, ratio: str = "1.00x"
) -> str:
    """A table row; the speed-up is against `base` seconds (the row's own loop)."""
    ratio = f"{base / seconds:.2f}x" if base else ratio
    return f"| {name} | {how} | {n} | {seconds:.1f} | {n / seconds:.2f} | {ratio} |"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--effort", type=int, default=1, help="encode setting of parts 1-2")
    p.add_argument("--limit", type=int, default=0, help="first N images only (a dry run)")
    args = p.parse_args(argv)
    images = sorted(args.folder.glob("*.png"))
    images = images[: args.limit] if args.limit else images
    n, jobs = len(images), str(args.jobs)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    src = work / "src"
    src.mkdir()
    for f in images:
        shutil.copy(f, src / f.name)
    fast = ["--effort", str(args.effort)]
    print(
        f"{n} images of {args.folder.name}, {os.cpu_count()} cores, --jobs {jobs}; "
        f"load average at start {os.getloadavg()[0]:.1f}"
    )

    # 1. encode throughput
    (work / "serial").mkdir()
    serial_cmd = [sys.executable, "-c", SERIAL_LOOP, str(src), str(work / "serial")]
    t_serial = timed([*serial_cmd, str(args.effort)])
    t_pool = timed([*SRCODEC, "batch", str(src), str(work / "pool"), *fast, "--jobs", jobs, "-q"])
    dask = [*SRCODEC, "batch", str(src), str(work / "dask"), *fast, "--jobs", jobs]
    t_dask = timed([*dask, "--engine", "dask", "-q"])
    same = tree(work / "serial") == tree(work / "pool") == tree(work / "dask")
    enc = f"encode --effort {args.effort}"
    lines = [
        "| run | what | images | wall s | images/s | speed-up vs its loop |",
        "|---|---|---|---|---|---|",
        row("serial loop (1 process)", enc, n, t_serial, None),
        row(f"batch, local pool --jobs {jobs}", enc, n, t_pool, t_serial),
        row(f"batch, Dask local cluster {jobs} workers", enc, n, t_dask, t_serial),
    ]

    # 2. resume after a kill
    out = work / "killed"
    cmd = [*SRCODEC, "batch", str(src), str(out), *fast, "--jobs", jobs, "-q"]
    proc = subprocess.Popen(cmd, start_new_session=True)
    while len(manifest_sources(out)) < max(1, n // 3) and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = len(manifest_sources(out))
    rerun = subprocess.run(
        [*SRCODEC, "batch", str(src), str(out), *fast, "--jobs", jobs],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = rerun.stdout.splitlines()[0]
    sources = manifest_sources(out)
    redone = len(sources) - len(set(sources))
    identical = tree(out) == tree(work / "pool")

    # 3. decode: default-encoded streams; a loop of CLI calls against batch
    t_make = timed([*SRCODEC, "batch", str(src), str(work / "streams"), "--jobs", jobs, "-q"])
    streams = sorted((work / "streams").glob("*.srz"))
    upscalers = [
        json.loads(subprocess.check_output([*SRCODEC, "info", str(s), "--json"]))["upscaler"]
        for s in streams
    ]
    (work / "loop").mkdir()
    start = time.perf_counter()
    for s in streams:
        out_png = work / "loop" / s.with_suffix(".png").name
        subprocess.run([*SRCODEC, "decode", str(s), str(out_png), "-q"], check=True)
    t_loop = time.perf_counter() - start

    def batch_decode(dst: str, *extra: str) -> float:
        streams_dir = str(work / "streams")
        cmd = [*SRCODEC, "batch", streams_dir, str(work / dst), "--decode", "--jobs", jobs]
        return timed([*cmd, "-q", *extra])

    t_bdec = batch_decode("bdec")
    t_ddec = batch_decode("ddec", "--engine", "dask")
    worst = 0
    for name in tree(work / "loop"):
        a = np.asarray(Image.open(work / "loop" / name), dtype=np.int16)
        for other in ("bdec", "ddec"):
            b = np.asarray(Image.open(work / other / name), dtype=np.int16)
            worst = max(worst, int(np.abs(a - b).max()))
    learned = sum(u != "bicubic" for u in upscalers)
    what = f"decode ({learned}/{n} learned)"
    lines += [
        row("default encode, batch local pool", "encode (defaults)", n, t_make, None, "-"),
        row("loop of `srcodec decode` calls", what, n, t_loop, None),
        row(f"batch --decode, local pool --jobs {jobs}", what, n, t_bdec, t_loop),
        row(f"batch --decode, Dask {jobs} workers", what, n, t_ddec, t_loop),
    ]
    print("\n".join(lines))
    print(f"encode trees of serial loop, pool and Dask byte-identical: {same}")
    print(
        f"resume: killed with {at_kill}/{n} files in the manifest; rerun: {summary}; "
        f"files redone: {redone}; tree identical to the uninterrupted run: {identical}"
    )
    print(f"decode: batch outputs vs the CLI loop's, max pixel difference {worst}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
