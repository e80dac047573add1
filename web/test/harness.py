"""Drive the browser decoder from Python: a local HTTP server over the repository (with the
cross-origin isolation headers onnxruntime-web's WASM threads need), the model folder the
browser reads (the package's own when it ships ONNX files, else a fixture folder with ONNX
files exported here from the .npz weights), and helpers that decode in headless Chromium.

Used by tests/test_web_decoder.py and tools/bench_browser.py; nothing here is shipped.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODELS = ROOT / "src" / "srcodec" / "models"
FIXTURES = WEB / ".fixtures"  # git-ignored: exported ONNX files, rebuilt when the weights change
CHROMIUM = Path("/usr/bin/chromium")
ORT = WEB / "node_modules" / "onnxruntime-web" / "dist" / "ort.all.min.mjs"
# Chromium's flags: software WebGL/WebGPU off, so "auto" picks WASM as a GPU-less viewer would
ARGS = ["--disable-gpu", "--enable-features=SharedArrayBuffer"]


def ensure_npm() -> None:
    """`npm ci --prefix web` when onnxruntime-web is missing (CI has registry access)."""
    if ORT.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        msg = "npm is not installed: cannot install onnxruntime-web (npm ci --prefix web)"
        raise RuntimeError(msg)
    subprocess.run([npm, "ci", "--prefix", str(WEB), "--no-audit", "--no-fund"], check=True)


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class's own attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".onnx": "application/octet-stream",
        ".srz": "application/octet-stream",
        ".avif": "image/avif",
    }

    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve(root: Path = ROOT) -> Iterator[str]:
    """Serve `root` on a free localhost port; yields its base URL."""
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _export(name: str, entry: dict[str, Any], out: Path) -> None:
    """One model's ONNX twin as docs/onnx.md defines it, exported from its .npz with torch."""
    import numpy as np
    import torch
    from torch.onnx._internal.torchscript_exporter import onnx_proto_utils

    from srcodec import weights

    # torch's legacy exporter only needs the `onnx` package to inline onnxscript functions,
    # which these graphs have none of
    onnx_proto_utils._add_onnxscript_fn = lambda model_bytes, *args, **kw: model_bytes
    arrays = weights.load(name)
    arch = entry.get("arch", "")
    dynamic = {2: "h", 3: "w"}
    if arch == "learned-base":
        from srcodec.base.learned import model

        net = model(name).net

        class Synthesis(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, symbols: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
                return self.net.g_s(symbols / self.net.gain(position))

        m = int(entry["arch_params"]["m"])
        module, inputs = Synthesis(), (torch.zeros(1, m, 2, 2), torch.zeros(1))
        names, axes = ["symbols", "position"], {"symbols": dynamic, "image": dynamic}
        outputs = ["image"]
    else:
        if arch == "cnn":
            from srcodec.upscale.cnn import from_arrays

            cond = 5
        else:
            from srcodec.upscale.restore import arch_of, from_arrays

            cond = arch_of(arrays)["bases"] + 2
        module = from_arrays({k: np.asarray(v) for k, v in arrays.items()})
        inputs = (torch.zeros(1, 3, 8, 8), torch.zeros(1, cond))
        names, axes = ["image", "cond"], {"image": dynamic, "residual": dynamic}
        outputs = ["residual"]
    with torch.no_grad():
        torch.onnx.export(
            module.eval(),
            inputs,
            str(out),
            dynamo=False,
            input_names=names,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=17,
        )


NETWORK_ARCHS = (
    "cnn",
    "restore",
    "restore-x2",
    "restore-x1-learned",
    "restore-x2-learned",
    "restore-perceptual",
    "restore-x2-perceptual",
    "learned-base",
)


def model_folder() -> tuple[Path, str]:
    """The folder the browser reads models from and what it is: the package's own when its
    manifest lists ONNX files, else FIXTURES with ONNX files exported here (cached by hash)."""
    manifest = json.loads((MODELS / "manifest.json").read_text())
    networks = {n: e for n, e in manifest.items() if e.get("arch") in NETWORK_ARCHS}
    if all("onnx" in e and (MODELS / e["onnx"]["file"]).exists() for e in networks.values()):
        return MODELS, "the package's own ONNX files (src/srcodec/models)"
    FIXTURES.mkdir(exist_ok=True)
    for name, entry in networks.items():
        stem = entry["file"].removesuffix(".npz")
        onnx = FIXTURES / f"{stem}.onnx"
        if not onnx.exists():
            _export(name, entry, onnx)
        entry["onnx"] = {"file": onnx.name, "sha256": hashlib.sha256(onnx.read_bytes()).hexdigest()}
    for entry in manifest.values():
        link = FIXTURES / entry["file"]
        if not link.exists():
            link.symlink_to(MODELS / entry["file"])
    (FIXTURES / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return FIXTURES, "fixture (ONNX exported from the .npz by web/test/harness.py)"


def url_of(base: str, path: Path) -> str:
    return base + path.resolve().relative_to(ROOT).as_posix()


# In the page: decode one stream (bytes from a URL) and hand back what Python compares.
DECODE_JS = """
async ([src, options]) => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  const runtime = window.srzRuntime;
  const t0 = performance.now();
  const net0 = runtime.networkMs;
  try {
    const out = await srz.decode(bytes, { ...options, runtime });
    const ms = performance.now() - t0;
    const networkMs = runtime.networkMs - net0;
    let binary = '';
    for (let i = 0; i < out.pixels.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, out.pixels.subarray(i, i + 0x8000));
    }
    return { ok: true, ms, networkMs, width: out.width, height: out.height, channels: out.channels,
             pixels: btoa(binary), report: out.report };
  } catch (err) {
    return { ok: false, kind: err.kind || err.name, message: err.message };
  }
}
"""


def open_page(browser: Any, base: str, models: Path, threads: int = 2) -> Any:
    """A tab on the test page with a shared Runtime over `models`."""
    tab = browser.new_page()
    tab.goto(base + "web/test/page.html")
    tab.wait_for_function("window.srzReady === true")
    tab.evaluate(
        "([models, threads]) => { window.srzRuntime = new srz.Runtime({ models, threads }); }",
        [url_of(base, models) + "/", threads],
    )
    return tab


def decode(tab: Any, src: str, **options: Any) -> dict[str, Any]:
    """Decode `src` in the page; pixels come back as bytes (interleaved, row-major)."""
    out = tab.evaluate(DECODE_JS, [src, options])
    if out["ok"]:
        out["pixels"] = base64.b64decode(out["pixels"])
    return out


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
