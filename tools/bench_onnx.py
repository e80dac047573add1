"""The torch-free runtime's targets, measured against today's torch decoder in the same run.

    python tools/bench_onnx.py --today 58103bb --out docs/measured/onnx-targets.json

Builds two fresh venvs from committed trees (git archive): `ort`, this checkout's HEAD with
`pip install .` (ONNX Runtime, no torch), and `torch`, revision --today with the README's
`pip install torch==2.13.0 .`. Then, in the same run so both sides see the same machine load:
(a) each venv's size on disk (du); (b) cold CLI decode (`srcodec decode`, a new process) and
warm in-process decode (median of --repeat after one warm-up) of Kodak streams with the
learned filter, 2 threads; (c) default encode of a Kodak image (a new process, and warm).
Every stream is encoded once by the ort venv; both decoders read the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docgen.onnx import targets_table

REPO = Path(__file__).resolve().parents[1]
KODAK = REPO / ".." / "shared" / "datasets" / "kodak"
STREAMS = {  # label -> srcodec encode options
    f"restore-x{scale}-avif-q60": f"--scale {scale} --base avif --quality 60 --upscaler restore"
    for scale in (1, 2)
}
THREADS = {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
WARM = """
import json, statistics, sys, time, srcodec
from PIL import Image
import numpy as np
mode, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "decode":
    data = open(path, "rb").read()
    run = lambda: srcodec.decode(data)
else:
    img = np.asarray(Image.open(path).convert("RGB"))
    run = lambda: srcodec.encode(img)
run()
times = []
for _ in range(repeat):
    t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
print(json.dumps({"median_s": statistics.median(times), "torch": "torch" in sys.modules}))
"""


def sh(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def make_venv(where: Path, rev: str, install: list[str]) -> Path:
    """A fresh venv at `where` with revision `rev` of this repo installed by `install`
    (pip arguments, `.` meaning the revision's tree)."""
    shutil.rmtree(where, ignore_errors=True)
    tree = Path(tempfile.mkdtemp(prefix="srcodec-tree-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    sh([sys.executable, "-m", "venv", str(where)])
    sh([str(where / "bin" / "pip"), "install", "-q", *install], cwd=tree)
    shutil.rmtree(tree)
    return where


def bare_venv(where: Path) -> Path:
    """A venv with nothing installed: what both sides hold before pip installs anything."""
    shutil.rmtree(where, ignore_errors=True)
    sh([sys.executable, "-m", "venv", str(where)])
    return where


def du_bytes(path: Path) -> int:
    return int(sh(["du", "-sb", str(path)]).stdout.split()[0])


def wall(cmd: list[str]) -> float:
    """Wall time of a new process running `cmd`."""
    env = {**os.environ, **THREADS}
    env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def warm(venv: Path, mode: str, path: Path, repeat: int) -> dict[str, object]:
    env = {**os.environ, **THREADS}
    env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", WARM, mode, str(path), str(repeat)],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--today", required=True, help="git revision of today's torch decoder")
    p.add_argument("--image", type=Path, default=KODAK / "kodim05.png")
    p.add_argument("--venvs", type=Path, default=Path("/tmp/srcodec-bench-venvs"))
    p.add_argument(
        "--reuse-torch", action="store_true", help="keep the torch venv an earlier run built"
    )
    p.add_argument("--repeat", type=int, default=3, help="warm decodes per process")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians kept")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    venvs = {"ort": args.venvs / "ort", "torch": args.venvs / "torch"}
    installs = {"ort": ("HEAD", ["."]), "torch": (args.today, ["torch==2.13.0", "."])}
    for side, venv in venvs.items():
        if not (side == "torch" and args.reuse_torch and (venv / "bin" / "srcodec").exists()):
            rev, install = installs[side]
            print(f"building the {side} venv ({rev}) ...", flush=True)
            make_venv(venv, rev, install)
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="srcodec-bench-"))
    ort_cli = str(venvs["ort"] / "bin" / "srcodec")
    streams = {}
    for label, options in STREAMS.items():
        streams[label] = work / f"{label}.srz"
        sh([ort_cli, "encode", str(args.image), str(streams[label]), *options.split()])
    result: dict[str, object] = {
        "command": "python tools/bench_onnx.py --today " + args.today + " --out " + str(args.out),
        "image": args.image.name,
        "threads": 2,
        "repeat": args.repeat,
        "size_bytes": {side: du_bytes(v) for side, v in venvs.items()},
        "bare_venv_bytes": du_bytes(bare_venv(args.venvs / "bare")),
        "rounds": args.rounds,
        "torch_imported": {},
    }
    timings: dict[str, list[float]] = {}
    for _ in range(args.rounds):  # rounds alternate the sides, so both see the same load
        for label, stream in streams.items():
            for side, venv in venvs.items():
                cli = [str(venv / "bin" / "srcodec"), "decode", str(stream), str(work / "o.png")]
                timings.setdefault(f"cold_decode_s/{label} {side}", []).append(wall(cli))
                w = warm(venv, "decode", stream, args.repeat)
                timings.setdefault(f"warm_decode_s/{label} {side}", []).append(w["median_s"])
                result["torch_imported"][f"decode {label} {side}"] = w["torch"]  # type: ignore[index]
        for side, venv in venvs.items():
            cli = [str(venv / "bin" / "srcodec"), "encode", str(args.image), str(work / "e.srz")]
            timings.setdefault(f"cold_encode_s/{side}", []).append(wall(cli))
            w = warm(venv, "encode", args.image, 1)
            timings.setdefault(f"warm_encode_s/{side}", []).append(w["median_s"])
            result["torch_imported"][f"encode {side}"] = w["torch"]  # type: ignore[index]
    for key, values in timings.items():
        kind, what = key.split("/")
        result.setdefault(kind, {})[what] = statistics.median(values)  # type: ignore[union-attr]
    result["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0]}
    result["note"] = (
        f"{os.cpu_count()}-core machine; both sides measured in the same run, interleaved "
        "(the load average says how busy it was)"
    )
    shutil.rmtree(work)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(targets_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
