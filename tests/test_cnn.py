"""The `cnn` upscaler: shapes, tiling, determinism, shipped weights, and train -> export -> load."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

from srcodec import decoder, weights
from srcodec.errors import UnsupportedError
from srcodec.search import encode_manual
from srcodec.upscale import UPSCALERS, SideInfo
from srcodec.upscale.classic import resize_bicubic
from srcodec.upscale.tiling import tiles

if TYPE_CHECKING:
    from pathlib import Path

torch = pytest.importorskip("torch")
from srcodec.train import cnn as cnn_training  # noqa: E402
from srcodec.upscale import cnn  # noqa: E402

AVIF30 = SideInfo(base="avif", quality=30, scale=2)


@pytest.fixture
def upscaler() -> cnn.Cnn:
    if "cnn-x2" not in weights.manifest():
        pytest.fail("models/manifest.json has no cnn-x2 entry; run tools/export_cnn.py")
    return UPSCALERS.entry("cnn").get()


@pytest.mark.parametrize(
    ("h", "w", "c"), [(1, 1, 3), (7, 5, 3), (7, 5, 1), (16, 24, 1), (33, 17, 3)]
)
def test_shapes_and_dtype(upscaler: cnn.Cnn, h: int, w: int, c: int) -> None:
    hr = upscaler.upscale(synthetic(w, h, c), AVIF30, "cpu")
    assert hr.shape == (2 * h, 2 * w, c)
    assert hr.dtype == np.uint8


def test_close_to_bicubic_and_conditioned(upscaler: cnn.Cnn) -> None:
    lr = synthetic(40, 32)
    bic = resize_bicubic(lr, 2).astype(np.float64)
    avif = upscaler.upscale(lr, AVIF30, "cpu")
    clean = upscaler.upscale(lr, SideInfo("png", None, 2), "cpu")
    assert np.abs(avif - bic).mean() < 12  # a residual over bicubic, not a new image
    assert not np.array_equal(avif, clean)  # the side information changes the output


def test_tiled_equals_untiled_and_deterministic(upscaler: cnn.Cnn) -> None:
    net = cnn._model(cnn.MODEL_NAMES[2], "cpu")
    lr = synthetic(75, 61)
    cond = cnn.condition("avif", 30)
    whole = cnn.run(net, lr, cond, tile=512)
    tiled = cnn.run(net, lr, cond, tile=32, overlap=cnn.OVERLAP)
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1
    assert np.array_equal(whole, cnn.run(net, lr, cond, tile=512))


def test_tiles_cover_once() -> None:
    seen = np.zeros((70, 45), int)
    for (y0, _, x0, _), (cy0, cy1, cx0, cx1) in tiles(70, 45, 16, 5):
        seen[y0 + cy0 : y0 + cy1, x0 + cx0 : x0 + cx1] += 1
    assert (seen == 1).all()


def test_unsupported_scale_and_base(upscaler: cnn.Cnn) -> None:
    with pytest.raises(UnsupportedError, match="no model for scale 3"):
        upscaler.upscale(synthetic(8, 8), SideInfo("avif", 30, 3), "cpu")
    with pytest.raises(UnsupportedError, match="not 'learned'"):
        cnn.condition("learned", 30)


def test_shipped_weights_load_and_hash(upscaler: cnn.Cnn) -> None:
    arrays = weights.load("cnn-x2")
    arch = cnn.arch_of(arrays)
    assert arch["scale"] == 2
    assert sum(a.size for a in arrays.values()) <= 500_000
    assert upscaler.model_hash(2) == bytes.fromhex(weights.entry("cnn-x2")["sha256"])[:4]
    file = weights.MODELS_DIR / weights.entry("cnn-x2")["file"]
    assert file.stat().st_size <= 4 * 2**20


def test_pipeline_round_trip(upscaler: cnn.Cnn) -> None:
    img = Image.fromarray(synthetic(37, 29))
    data = encode_manual(img, scale=2, base="avif", quality=40, upscaler="cnn")
    out, report = decoder.decode_with_report(data, device="cpu")
    assert out.size == (37, 29)
    assert report.upscaler == "cnn"
    assert report.synthesized


def test_tampered_weights_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = tmp_path / "models"
    shutil.copytree(weights.MODELS_DIR, models)
    file = models / weights.entry("cnn-x2")["file"]
    blob = bytearray(file.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    file.write_bytes(bytes(blob))
    monkeypatch.setattr(weights, "MODELS_DIR", models)
    monkeypatch.setattr(weights, "MANIFEST", models / "manifest.json")
    weights.load.cache_clear()
    cnn._model.cache_clear()
    try:
        with pytest.raises(weights.ModelError, match="tampered"):
            weights.load("cnn-x2")
        with pytest.raises(weights.ModelError, match="tampered"):
            cnn.Cnn().upscale(synthetic(8, 8), AVIF30, "cpu")
    finally:
        weights.load.cache_clear()
        cnn._model.cache_clear()


def test_train_export_load_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        Image.fromarray(synthetic(56, 48, seed=i)).save(data / f"img{i}.png")
    run = tmp_path / "run"
    argv = [
        "--data",
        str(data),
        "--run",
        str(run),
        "--steps",
        "4",
        "--val",
        "1",
        "--val-every",
        "2",
        "--batch",
        "2",
        "--patch",
        "12",
        "--channels",
        "8",
        "--layers",
        "3",
    ]
    threads = torch.get_num_threads()
    try:
        state = cnn_training.main(argv)
        assert state["step"] == 4
        state = cnn_training.main([*argv, "--steps", "6", "--resume"])
    finally:
        torch.set_num_threads(threads)  # the trainer pins 1 thread for the whole process
    assert state["step"] == 6
    assert (run / "best.pt").exists()
    assert "command: python tools/train_upscaler.py" in (run / "log.txt").read_text()
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setattr(weights, "MODELS_DIR", models)
    monkeypatch.setattr(weights, "MANIFEST", models / "manifest.json")
    path, entry = cnn_training.export(run / "best.pt", "cnn-smoke")
    assert path.parent == models
    assert entry["arch_params"] == {"channels": 8, "layers": 3, "scale": 2}
    try:
        net = cnn.from_arrays(weights.load("cnn-smoke"))
        hr = cnn.run(net, synthetic(10, 9), cnn.condition("webp", 50))
        assert hr.shape == (18, 20, 3)
    finally:
        weights.load.cache_clear()
