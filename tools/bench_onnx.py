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


def du_bytes(path: Path) -> int:
    return int(sh(["du", "-sb", str(path)]).stdout.split()[0])


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of a new process running `cmd`."""
    env = {**os.environ, **THREADS}
    env.pop("PYTHONPATH", None)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    p.add_argument("--reuse", action="store_true", help="keep venvs an earlier run built")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    venvs = {"ort": args.venvs / "ort", "torch": args.venvs / "torch"}
    installs = {"ort": ("HEAD", ["."]), "torch": (args.today, ["torch==2.13.0", "."])}
    for side, venv in venvs.items():
        if not (args.reuse and (venv / "bin" / "srcodec").exists()):
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
        "cold_decode_s": {},
        "warm_decode_s": {},
        "torch_imported": {},
    }
    for label, stream in streams.items():
        for side, venv in venvs.items():
            cli = [str(venv / "bin" / "srcodec"), "decode", str(stream), str(work / "out.png")]
            result["cold_decode_s"][f"{label} {side}"] = wall(cli, args.repeat)  # type: ignore[index]
            w = warm(venv, "decode", stream, args.repeat)
            result["warm_decode_s"][f"{label} {side}"] = w["median_s"]  # type: ignore[index]
            result["torch_imported"][f"decode {label} {side}"] = w["torch"]  # type: ignore[index]
    result["cold_encode_s"] = {}
    result["warm_encode_s"] = {}
    for side, venv in venvs.items():
        cli = [str(venv / "bin" / "srcodec"), "encode", str(args.image), str(work / "e.srz")]
        result["cold_encode_s"][side] = wall(cli, max(1, args.repeat // 2))  # type: ignore[index]
        w = warm(venv, "encode", args.image, max(1, args.repeat // 2))
        result["warm_encode_s"][side] = w["median_s"]  # type: ignore[index]
        result["torch_imported"][f"encode {side}"] = w["torch"]  # type: ignore[index]
    result["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0]}
    result["note"] = (
        "2-core machine shared with other work (a training run holds one core): "
        "both sides measured in the same run, interleaved"
    )
    shutil.rmtree(work)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))
    return 0


def render(result: dict) -> str:  # type: ignore[type-arg]
    """The targets table (also what docs/onnx.md shows, via tools/docgen/onnx.py)."""
    size = result["size_bytes"]
    rows = [
        ("install size (du)", f"{size['torch'] / 2**20:.0f} MiB", f"{size['ort'] / 2**20:.0f} MiB",
         f"{size['ort'] / size['torch']:.2f}x", "<= 0.20x"),
    ]  # fmt: skip
    for kind, target in (("cold_decode_s", "<= 0.5 s"), ("warm_decode_s", "<= 0.70x")):
        for label in sorted({k.rsplit(" ", 1)[0] for k in result[kind]}):
            t, o = result[kind][f"{label} torch"], result[kind][f"{label} ort"]
            what = f"{kind.split('_')[0]} decode, {label}"
            rows.append((what, f"{t:.3f} s", f"{o:.3f} s", f"{o / t:.2f}x", target))
    for kind in ("cold_encode_s", "warm_encode_s"):
        t, o = result[kind]["torch"], result[kind]["ort"]
        what = f"{kind.split('_')[0]} default encode"
        rows.append((what, f"{t:.3f} s", f"{o:.3f} s", f"{o / t:.2f}x", "<= 1.00x"))
    lines = ["| measure | torch (today) | ONNX Runtime | ratio | target |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
