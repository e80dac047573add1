"""ONNX graphs and the ONNX Runtime path (srcodec.runtime) against the torch reference."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from conftest import REPO, synthetic
from PIL import Image

import srcodec
from srcodec import device, runtime, weights
from srcodec.base import learned
from srcodec.errors import BackendUnavailableError
from srcodec.upscale import cnn
from srcodec.upscale import restore as rs

if TYPE_CHECKING:
    from pathlib import Path

torch = pytest.importorskip("torch")

VECTORS = REPO / "bitstream_spec" / "vectors"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())
NETWORKS = [n for n, e in weights.manifest().items() if e.get("arch") != "raisr" and "@" not in n]


@pytest.mark.parametrize("name", NETWORKS)
def test_every_shipped_network_lists_a_checked_onnx_graph(name: str) -> None:
    entry = weights.entry(name)
    assert entry["onnx"]["file"] == entry["file"].removesuffix(".npz") + ".onnx"
    assert runtime.graph_bytes(name)[:2]  # the SHA-256 matches the manifest


def test_a_tampered_graph_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(weights.MODELS_DIR, tmp_path / "models")
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path / "models")
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "models" / "manifest.json")
    graph = tmp_path / "models" / weights.entry("cnn-x2")["onnx"]["file"]
    graph.write_bytes(graph.read_bytes()[:-1] + b"\0")
    with pytest.raises(weights.ModelError, match="tampered"):
        runtime.network("cnn-x2")


def test_device_keeps_its_meaning_without_torch() -> None:
    assert device.pick("cpu") == "cpu"
    has_cuda = device.CUDA_PROVIDER in runtime.available_providers()
    assert device.pick("auto") == ("cuda" if has_cuda else "cpu")
    if not has_cuda:
        with pytest.raises(BackendUnavailableError, match="CUDA provider"):
            device.pick("cuda")


def _decode_both(
    data: bytes, monkeypatch: pytest.MonkeyPatch, lr_only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The stream decoded with ONNX Runtime, and with the torch modules the graphs were
    exported from (today's decoder)."""
    onnx = np.asarray(srcodec.decode(data, device="cpu", lr_only=lr_only)).astype(int)
    with monkeypatch.context() as patch:
        patch.setattr(rs, "_model", lambda name, dev: rs.from_arrays(weights.load(name)))
        patch.setattr(cnn, "_model", lambda name, dev: cnn.from_arrays(weights.load(name)))
        patch.setattr(
            learned,
            "synthesize_onnx",
            lambda net, symbols, quality, levels, size: learned.synthesize(
                learned.model(net.name).net, symbols, quality, size, None
            ),
        )
        reference = np.asarray(srcodec.decode(data, device="cpu", lr_only=lr_only))
    return onnx, reference.astype(int)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "error" not in EXPECTED[n]))
def test_every_vector_decodes_within_one_level_of_torch(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full decode where this install has the stream's model (the -hash vector names one
    it lacks: its LR image then), and the LR image of every vector."""
    data = (VECTORS / name).read_bytes()
    for lr_only in (False, True):
        try:
            onnx, reference = _decode_both(data, monkeypatch, lr_only)
        except srcodec.UnsupportedError:
            assert not lr_only
            continue
        assert np.abs(onnx - reference).max() <= 1


SAMPLE = REPO / "src" / "srcodec" / "data" / "sample.png"  # shipped: no ../shared needed
SAMPLE_CASES = [
    {"scale": 1, "base": "avif", "quality": 60, "upscaler": "restore"},
    {"scale": 2, "base": "avif", "quality": 60, "upscaler": "restore"},
    {"scale": 2, "base": "webp", "quality": 50, "upscaler": "cnn"},
    {"scale": 1, "base": "learned", "quality": 50, "upscaler": "restore"},
    {"scale": 2, "base": "learned", "quality": 30, "upscaler": "restore"},
]


@pytest.mark.slow
@pytest.mark.parametrize("case", SAMPLE_CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_sample_streams_decode_within_one_level_of_torch(
    case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    img = np.asarray(Image.open(SAMPLE).convert("RGB"))[:192, :256]
    onnx, reference = _decode_both(srcodec.encode(img, **case), monkeypatch)
    assert np.abs(onnx - reference).max() <= 1


def test_learned_analysis_matches_torch_symbols_within_one() -> None:
    m = learned.model()
    img = synthetic(45, 37, seed=4)
    ours = learned.analyse(m.analysis(), img, 60, m.levels)
    reference = learned.analyse(m.net, img, 60)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).max() <= 1


def test_export_writes_and_registers_a_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from srcodec.train.export import npz_bytes, register_model
    from srcodec.train.onnx_export import export_all

    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "manifest.json")
    net = rs.build(channels=4, layers=3)
    arrays = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    path = tmp_path / "restore-tiny.npz"
    path.write_bytes(npz_bytes(arrays))
    (tmp_path / "stale.onnx").write_bytes(b"no entry lists me")
    register_model("restore-tiny", path, {"arch": "restore"})
    assert not (tmp_path / "stale.onnx").exists()
    assert weights.entry("restore-tiny")["onnx"]["file"] == "restore-tiny.onnx"
    img = synthetic(20, 14, seed=2)
    cond = rs.condition("avif", 40, True)
    ours = rs.run(runtime.network("restore-tiny"), img, cond)
    assert np.abs(ours.astype(int) - rs.run(net.eval(), img, cond).astype(int)).max() <= 1
    assert export_all(["restore-tiny"])["restore-tiny"]["onnx"] < 1e-4


def test_encode_and_decode_never_import_torch(tmp_path: Path) -> None:
    blocker = (  # as if torch were not installed: not importable, not found
        "import importlib.util, sys\n"
        "find = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n.startswith('torch') else find(n, *a)\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "from srcodec.base import BASE_CODECS\n"
        "from srcodec.upscale import UPSCALERS\n"
        "assert all(e.missing() is None for e in [*BASE_CODECS, *UPSCALERS])\n"
    )
    code = blocker + (
        "import sys, numpy as np, srcodec\n"
        "from PIL import Image\n"
        f"img = np.asarray(Image.open({str(SAMPLE)!r}).convert('RGB'))[:96, :128]\n"
        "for kw in ({}, {'base': 'learned', 'scale': 1, 'upscaler': 'restore'},\n"
        "           {'base': 'webp', 'scale': 2, 'upscaler': 'cnn', 'quality': 50},\n"
        "           {'base': 'png', 'scale': 2, 'upscaler': 'raisr'}):\n"
        "    srcodec.decode(srcodec.encode(img, **kw))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


@pytest.mark.parametrize("size", [(200, 257), (100, 131), (23, 30)])
def test_numpy_ms_ssim_matches_pytorch_msssim(size: tuple[int, int]) -> None:
    """The encoder's MS-SSIM (numpy, no torch) against pytorch_msssim's definition."""
    pytest.importorskip("pytorch_msssim")
    from pytorch_msssim import ms_ssim
    from pytorch_msssim.ssim import _fspecial_gauss_1d, _ssim

    from srcodec import metrics

    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (*size, 3)).astype(np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-20, 21, a.shape), 0, 255).astype(np.uint8)
    ta, tb = (torch.from_numpy(np.array(x, np.float32)).permute(2, 0, 1)[None] for x in (a, b))
    if min(size) > 160:
        reference = float(ms_ssim(ta, tb, data_range=255.0))
    else:  # fewer scales: pytorch_msssim's loop with renormalised weights
        levels = 5
        while min(size) <= 10 * 2 ** (levels - 1):
            levels -= 1
        w = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333][:levels]
        win = _fspecial_gauss_1d(11, 1.5).repeat([3, 1, 1, 1])
        factors = []
        for level in range(levels):
            s, cs = _ssim(ta, tb, data_range=255.0, win=win, size_average=False)
            if level < levels - 1:
                factors.append(torch.relu(cs))
                pad = [n % 2 for n in ta.shape[2:]]
                ta = torch.nn.functional.avg_pool2d(ta, kernel_size=2, padding=pad)
                tb = torch.nn.functional.avg_pool2d(tb, kernel_size=2, padding=pad)
        weights_t = torch.tensor([x / sum(w) for x in w]).view(-1, 1, 1)
        stacked = torch.stack([*factors, torch.relu(s)])
        reference = float(torch.prod(stacked**weights_t, dim=0).mean())
    assert metrics.ms_ssim_any(a, b) == pytest.approx(reference, abs=1e-5)


def test_no_tool_or_base_requires_torch() -> None:
    """The registries say what encode and decode need: ONNX Runtime, never torch (a tool
    that required it would be skipped by the search where torch is not installed)."""
    from srcodec.base import BASE_CODECS
    from srcodec.upscale import UPSCALERS

    for entry in [*UPSCALERS, *BASE_CODECS]:
        assert "torch" not in entry.requires, entry.name
