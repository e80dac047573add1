from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import REPO, SHARED, synthetic  # noqa: E402

import srcodec  # noqa: E402
from srcodec import metrics, weights  # noqa: E402
from srcodec.errors import UnsupportedError  # noqa: E402
from srcodec.upscale import UPSCALERS, SideInfo  # noqa: E402
from srcodec.upscale.raisr import MODEL, Raisr, bank_name  # noqa: E402
from srcodec.upscale.raisr_hash import ANGLES, BUCKETS, MARGIN, hash_plane, structure  # noqa: E402

if TYPE_CHECKING:
    from pathlib import Path

TRAIN_IMAGE = SHARED / "datasets" / "train" / "bsd68_101085.png"


def _plane(h: int = 40, w: int = 56, seed: int = 1) -> torch.Tensor:
    img = synthetic(w + 2 * MARGIN, h + 2 * MARGIN, channels=3, seed=seed)
    return torch.from_numpy(img[..., 2].astype(np.float32))


def _thresholds() -> torch.Tensor:
    return torch.tensor([2.0, 8.0, 0.3, 0.6])


def test_hash_gives_valid_buckets() -> None:
    idx = hash_plane(_plane(), _thresholds())
    assert idx.shape == (40, 56)
    assert idx.dtype == torch.int64
    assert int(idx.min()) >= 0
    assert int(idx.max()) < BUCKETS


def _angle_bins(plane: torch.Tensor) -> torch.Tensor:
    angle, _, _ = structure(plane)
    return torch.clamp((angle * (ANGLES / np.pi)).long(), 0, ANGLES - 1)


@pytest.mark.parametrize(
    ("transform", "mapping"),
    [
        (lambda p: p.flip(1), lambda k: ANGLES - 1 - k),
        (lambda p: p.flip(0), lambda k: ANGLES - 1 - k),
        (lambda p: p.T, lambda k: (ANGLES // 2 - 1 - k) % ANGLES),
    ],
    ids=["hflip", "vflip", "transpose"],
)
def test_hash_is_consistent_under_flips(transform, mapping) -> None:
    plane = _plane(48, 48)
    bins = _angle_bins(plane)
    moved = transform(_angle_bins(transform(plane).contiguous()))
    agree = (moved == mapping(bins)).float().mean().item()
    assert agree > 0.97  # only float rounding exactly at a bin edge may differ
    _, s0, c0 = structure(plane)
    _, s1, c1 = structure(transform(plane).contiguous())
    torch.testing.assert_close(transform(s1), s0, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(transform(c1), c0, rtol=1e-3, atol=1e-3)


def test_bank_names() -> None:
    assert bank_name("png", None) == "clean"
    assert bank_name("avif", 30) == "avif-low"
    assert bank_name("avif", 50) == "avif-mid"
    assert bank_name("webp", 90) == "webp-high"
    assert bank_name("some-new-codec", 40) == "clean"


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize(("h", "w"), [(5, 7), (1, 1), (16, 9)])
def test_upscale_shape_and_dtype(scale: int, channels: int, h: int, w: int) -> None:
    lr = synthetic(w, h, channels=channels)
    for side in (SideInfo("png", None, scale), SideInfo("avif", 30, scale)):
        hr = Raisr().upscale(lr, side, "cpu")
        assert hr.shape == (h * scale, w * scale, channels)
        assert hr.dtype == np.uint8


def test_scale_one_is_identity() -> None:
    lr = synthetic(9, 7)
    np.testing.assert_array_equal(Raisr().upscale(lr, SideInfo("png", None, 1), "cpu"), lr)


def test_cpu_output_is_deterministic() -> None:
    lr = synthetic(40, 30)
    side = SideInfo("webp", 20, 2)
    a = Raisr().upscale(lr, side, "cpu")
    b = Raisr(mode="luma").upscale(lr, side, "cpu")
    np.testing.assert_array_equal(a, b)


def test_registered_and_hash_matches_manifest() -> None:
    entry = UPSCALERS.entry("raisr")
    assert entry.learned
    assert entry.get().model_hash(2) == weights.stream_hash(MODEL)
    assert len(entry.get().model_hash(2)) == 4


@pytest.mark.parametrize(
    ("base", "quality", "margin"),
    [("png", None, 0.5), ("avif", 50, 0.05), ("webp", 20, 0.05)],  # measured: +0.95, +0.21, +0.12
)
def test_round_trip_beats_bicubic(base: str, quality: int | None, margin: float) -> None:
    if not TRAIN_IMAGE.exists():
        pytest.skip("../shared/datasets/train is not beside the checkout")
    from PIL import Image

    hr = np.asarray(Image.open(TRAIN_IMAGE).convert("RGB"))[100:228, 150:278]
    data = srcodec.encode(hr, base=base, quality=quality, scale=2, upscaler="raisr")
    sr = np.asarray(srcodec.decode(data, device="cpu"))
    bic = np.asarray(srcodec.decode(data, upscaler="bicubic"))
    assert metrics.psnr(sr, hr) > metrics.psnr(bic, hr) + margin


@pytest.fixture
def models_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    models = tmp_path / "models"
    shutil.copytree(weights.MODELS_DIR, models)
    monkeypatch.setattr(weights, "MODELS_DIR", models)
    monkeypatch.setattr(weights, "MANIFEST", models / "manifest.json")
    weights.load.cache_clear()
    yield models
    weights.load.cache_clear()


def test_tampered_bank_is_refused(models_copy: Path) -> None:
    path = models_copy / weights.entry(MODEL)["file"]
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(weights.ModelError, match="tampered or corrupt"):
        Raisr().upscale(synthetic(8, 8), SideInfo("png", None, 2), "cpu")


def test_scale_without_bank_is_a_clear_error(models_copy: Path) -> None:
    path = models_copy / "raisr-x2only.npz"
    arrays = weights.load(MODEL)
    np.savez(path, **{k: v for k, v in arrays.items() if k.startswith("x2.clean")})
    weights.register(MODEL, path, {})
    weights.load.cache_clear()
    up = Raisr()
    assert up.upscale(synthetic(6, 6), SideInfo("avif", 30, 2), "cpu").shape == (12, 12, 3)
    with pytest.raises(UnsupportedError, match="no filters for scale 3"):
        up.upscale(synthetic(6, 6), SideInfo("png", None, 3), "cpu")


def test_stream_from_another_bank_is_refused(models_copy: Path) -> None:
    data = srcodec.encode(synthetic(16, 16), base="png", scale=2, upscaler="raisr")
    path = models_copy / weights.entry(MODEL)["file"]
    path.write_bytes(path.read_bytes() + b"\0")  # a different bank file, re-registered
    weights.register(MODEL, path, {})
    UPSCALERS.entry("raisr")._cache.clear()
    try:
        with pytest.raises(UnsupportedError, match="stream wants raisr model"):
            srcodec.decode(data, device="cpu")
    finally:
        UPSCALERS.entry("raisr")._cache.clear()


def test_training_smoke(tmp_path: Path) -> None:
    from PIL import Image

    from srcodec.train import raisr as raisr_training

    data = tmp_path / "imgs"
    data.mkdir()
    for seed in range(2):
        Image.fromarray(synthetic(60, 48, seed=seed)).save(data / f"img{seed}.png")
    out = tmp_path / "out"
    args = ["--data", str(data), "--banks", "x2.clean,x2.avif-low", "--augment", "2",
            "--cap", "2", "--train-kernel", "7", "--kernel", "5", "--rank", "3",
            "--acc-dir", str(tmp_path / "acc"), "--out", str(out)]  # fmt: skip
    assert raisr_training.main(args) == 0
    (model,) = out.glob("raisr-x2-k5r3-train-*.npz")
    with np.load(model, allow_pickle=False) as npz:
        assert npz["x2.avif-low.coef"].shape == (4 * BUCKETS, 3)
        assert npz["x2.avif-low.basis"].shape == (3, 5, 5)
        assert npz["x2.clean.thresholds"].shape == (4,)
        assert np.isfinite(npz["x2.clean.coef"]).all()


def test_encoding_a_raisr_stream_does_not_import_torch() -> None:
    code = (
        "import sys, numpy as np, srcodec\n"
        "srcodec.encode(np.zeros((8, 8, 3), np.uint8), scale=2, base='png', upscaler='raisr')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_decoding_needs_no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """raisr decodes in numpy (raisr_numpy): blocking torch changes nothing."""
    expected = Raisr().upscale(synthetic(8, 8), SideInfo("png", None, 2), "cpu")
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    out = Raisr().upscale(synthetic(8, 8), SideInfo("png", None, 2), "cpu")
    assert np.array_equal(out, expected)


def test_numpy_decode_is_within_one_level_of_the_torch_twin() -> None:
    """The numpy residual against raisr.residual (torch, the training reference)."""
    from srcodec.upscale.classic import resize_bicubic
    from srcodec.upscale.raisr import luma, residual

    lr = synthetic(40, 32, seed=3)
    raisr = Raisr()
    for side in (SideInfo("png", None, 2), SideInfo("avif", 30, 2), SideInfo("jpeg", 60, 3)):
        out = raisr.upscale(lr, side, "cpu")
        basis, coef, thr = (torch.from_numpy(a) for a in raisr.bank(raisr.bank_key(side)))
        x = torch.from_numpy(np.array(resize_bicubic(lr, side.scale))).permute(2, 0, 1).float()
        x += residual(luma(x).contiguous(), None, basis[:, None], coef, thr, side.scale)
        ref = x.round_().clamp_(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
        assert np.abs(out.astype(int) - ref).max() <= 1
