"""SSIMULACRA 2: the numpy metric against the reference C++ scores, the torch twin against
the numpy metric, and the behaviour a metric must have."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import SHARED, synthetic
from PIL import Image

from srcodec.metrics import ssimulacra2
from srcodec.metrics.ssimulacra2_np import blur_kernel

REFERENCE = SHARED / "reference" / "ssimulacra2"
TOLERANCE = 0.5  # points, issue 28's bound on every reference row


def _rows() -> list[dict[str, str]]:
    path = REFERENCE / "scores.csv"
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def _rgb(path: object) -> np.ndarray:
    with Image.open(path) as im:  # type: ignore[arg-type]
        return np.asarray(im.convert("RGB"))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["distorted"])
def test_matches_reference_cpp(row: dict[str, str]) -> None:
    original = _rgb(SHARED / "datasets" / row["original"])
    distorted = _rgb(REFERENCE / row["distorted"])
    assert ssimulacra2(original, distorted) == pytest.approx(
        float(row["ssimulacra2"]), abs=TOLERANCE
    )


def test_reference_scores_present_or_skipped() -> None:
    if not _rows():
        pytest.skip("../shared/reference/ssimulacra2 is not beside the checkout")
    assert len(_rows()) == 60


def test_blur_kernel_is_a_normalised_symmetric_lowpass() -> None:
    k = blur_kernel()
    assert k.sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(k, k[::-1], atol=1e-12)
    assert np.argmax(k) == len(k) // 2


def test_identical_is_100_and_worse_scores_lower() -> None:
    img = synthetic(96, 80)
    assert ssimulacra2(img, img) == pytest.approx(100.0)
    rng = np.random.default_rng(1)
    scores = [
        ssimulacra2(img, np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8))
        for sigma in (2, 6, 18)
    ]
    assert scores[0] > scores[1] > scores[2]


def test_grey_alpha_and_float_inputs() -> None:
    img = synthetic(40, 32)
    grey = img[..., 0]
    assert ssimulacra2(grey, grey) == pytest.approx(100.0)
    assert ssimulacra2(img, img.astype(np.float32)) == pytest.approx(100.0)
    opaque = np.concatenate([img, np.full((*img.shape[:2], 1), 255, np.uint8)], axis=2)
    assert ssimulacra2(opaque, img) == pytest.approx(100.0)


def test_sizes_must_match() -> None:
    with pytest.raises(ValueError, match="sizes differ"):
        ssimulacra2(synthetic(16, 16), synthetic(16, 17))


def test_torch_twin_matches_and_has_finite_gradients() -> None:
    torch = pytest.importorskip("torch")
    from srcodec.metrics.ssimulacra2_torch import ssimulacra2 as torch_ssimulacra2
    from srcodec.metrics.ssimulacra2_torch import ssimulacra2_loss

    ref = synthetic(72, 56)
    rng = np.random.default_rng(2)
    dist = np.clip(ref + rng.normal(0, 8, ref.shape), 0, 255).astype(np.uint8)

    def tensor(a: np.ndarray) -> object:
        return torch.from_numpy(a.copy()).permute(2, 0, 1)[None].float() / 255

    t_ref, t_dist = tensor(ref), tensor(dist).requires_grad_()
    score = torch_ssimulacra2(t_ref, t_dist)
    assert float(score) == pytest.approx(ssimulacra2(ref, dist), abs=0.02)
    ssimulacra2_loss(t_ref, t_dist).backward()
    assert torch.isfinite(t_dist.grad).all()
    same = t_ref.clone().requires_grad_()
    ssimulacra2_loss(t_ref, same).backward()
    assert torch.isfinite(same.grad).all()


@pytest.mark.parametrize("cache_pixels", [0, 1 << 22])
def test_bands_and_the_reference_cache_change_nothing(
    monkeypatch: pytest.MonkeyPatch, cache_pixels: int
) -> None:
    """Scoring in bands (with and without the original's cached blurs) is exact: the blur
    reaches only its radius beyond a band."""
    from srcodec.metrics import ssimulacra2_np

    ref = synthetic(70, 90)
    rng = np.random.default_rng(3)
    dist = np.clip(ref + rng.normal(0, 10, ref.shape), 0, 255).astype(np.uint8)
    whole = ssimulacra2(ref, dist)
    monkeypatch.setattr(ssimulacra2_np, "BAND_ROWS", 7)
    monkeypatch.setattr(ssimulacra2_np, "STATS_CACHE_PIXELS", cache_pixels)
    assert ssimulacra2_np.Reference(ref).score(dist) == pytest.approx(whole, abs=1e-5)
