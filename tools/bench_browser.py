"""Browser decode times: srcodec streams decoded by web/ in headless Chromium (onnxruntime-web
on WASM, N threads) next to the browser's own decode of a plain AVIF file of the same image,
in the same run.

    python tools/bench_browser.py --json docs/measured/browser.json   # then tools/make_docs.py

Each stream is decoded once cold (fetching the models, creating the ONNX sessions) and then
`--repeat` times warm; the table shows the warm median. RAISR runs in plain JavaScript (no
network: its "in the networks" time is 0). The machine's load average (os.getloadavg, as
uptime prints it) before and after the run goes with the machine's name, since other jobs
on a shared machine slow every figure. The AVIF reference is Pillow's AVIF of
the full-size image at the same quality as the stream's base, decoded by createImageBitmap
and read back with getImageData, as the decoder reads its base layer. No GPU here: WebGPU is
not measured.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "web" / "test"))
import harness  # noqa: E402 - web/test is not a package
from docgen.browser import rows_table  # noqa: E402

KODAK = ROOT.parent / "shared" / "datasets" / "kodak"
CASES = {  # name: (image, encode options)
    "avif x2 + restore": (
        "kodim23",
        {"base": "avif", "quality": 50, "scale": 2, "upscaler": "restore"},
    ),
    "avif x1 + restore": (
        "kodim05",
        {"base": "avif", "quality": 40, "scale": 1, "upscaler": "restore"},
    ),
    "learned x2 + restore": (
        "kodim23",
        {"base": "learned", "quality": 50, "scale": 2, "upscaler": "restore"},
    ),
    "avif x2 + raisr": (
        "kodim23",
        {"base": "avif", "quality": 50, "scale": 2, "upscaler": "raisr"},
    ),
    "avif x3 + raisr": (
        "kodim23",
        {"base": "avif", "quality": 80, "scale": 3, "upscaler": "raisr"},
    ),
    "avif x2 + bicubic": (
        "kodim23",
        {"base": "avif", "quality": 50, "scale": 2, "upscaler": "bicubic"},
    ),
}

AVIF_JS = """
async (src) => {
  const blob = await (await fetch(src)).blob();
  const t0 = performance.now();
  const options = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
  const bitmap = await createImageBitmap(blob, options);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  return performance.now() - t0;
}
"""


def _streams(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Each case's .srz and the plain AVIF reference of its image, written once."""
    from PIL import Image

    import srcodec

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (image, options) in CASES.items():
        slug = name.replace(" ", "").replace("+", "-")
        stream = folder / f"{image}-{slug}.srz"
        if not stream.exists():
            stream.write_bytes(srcodec.encode(KODAK / f"{image}.png", **options))
        avif = folder / f"{image}-q{options['quality']}.avif"
        if not avif.exists():
            buf = io.BytesIO()
            Image.open(KODAK / f"{image}.png").convert("RGB").save(
                buf, "AVIF", quality=options["quality"], speed=6
            )
            avif.write_bytes(buf.getvalue())
        out[name] = (stream, avif)
    return out


def _python_ms(stream: Path, repeat: int) -> float:
    """The Python decoder's warm time for the same stream (models loaded by a first decode):
    how fast this machine is, in the same run."""
    import srcodec

    data = stream.read_bytes()
    srcodec.decode(data)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        srcodec.decode(data)
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def _load() -> str:
    """The 1, 5 and 15 minute load averages, as uptime prints them."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(threads: int, repeat: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    load_before = _load()
    harness.ensure_npm()
    models, source = harness.model_folder()
    streams = _streams(harness.FIXTURES / "bench")
    rows = []
    with harness.serve() as base, sync_playwright() as p:
        browser = harness.launch(p)
        for name, (stream, avif) in streams.items():
            tab = harness.open_page(browser, base, models, threads)  # a fresh page: cold sessions
            src = harness.url_of(base, stream)
            cold = harness.decode(tab, src)
            if not cold["ok"]:
                msg = f"{name}: {cold['kind']}: {cold['message']}"
                raise SystemExit(msg)
            warm = [harness.decode(tab, src) for _ in range(repeat)]
            python = _python_ms(stream, repeat)
            reference = [tab.evaluate(AVIF_JS, harness.url_of(base, avif)) for _ in range(repeat)]
            isolated = tab.evaluate("() => crossOriginIsolated")
            rows.append(
                {
                    "case": name,
                    "size": [cold["width"], cold["height"]],
                    "stream_bytes": stream.stat().st_size,
                    "avif_bytes": avif.stat().st_size,
                    "cold_ms": round(cold["ms"], 1),
                    "warm_ms": round(statistics.median(o["ms"] for o in warm), 1),
                    "network_ms": round(statistics.median(o["networkMs"] for o in warm), 1),
                    "python_ms": round(python, 1),
                    "avif_ms": round(statistics.median(reference), 1),
                    "backend": cold["report"]["backend"],
                    "threads_available": isolated,
                }
            )
            tab.close()
        version = browser.version
        browser.close()
    cores = os.cpu_count()
    machine = (
        f"{platform.machine()}, {platform.system()}, {cores} cores, load average "
        f"{load_before} before and {_load()} after the run (uptime)"
    )
    return {
        "command": (
            f"python tools/bench_browser.py --threads {threads} --repeat {repeat} "
            "--json docs/measured/browser.json"
        ),
        "browser": f"headless Chromium {version}",
        "threads": threads,
        "machine": machine,
        "models": source,
        "webgpu": "not measured (no GPU on this machine)",
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="WASM threads (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="warm decodes per stream")
    parser.add_argument("--json", type=Path, help="write the result here (docs/measured/...)")
    args = parser.parse_args()
    result = measure(args.threads, args.repeat)
    print(rows_table(result), end="")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
