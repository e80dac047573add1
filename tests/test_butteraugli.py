"""Butteraugli through libjxl's butteraugli_main: a second opinion beside SSIMULACRA 2."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import synthetic

from srcodec.metrics import butteraugli


@pytest.fixture
def installed() -> None:
    reason = butteraugli.missing()
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.usefixtures("installed")
def test_identical_is_zero_and_noise_is_worse() -> None:
    img = synthetic(64, 48)
    same = butteraugli.butteraugli(img, img)
    assert same.max == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(0)
    distances = [
        butteraugli.butteraugli(
            img, np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)
        )
        for sigma in (2, 12)
    ]
    assert 0 < distances[0].pnorm3 < distances[1].pnorm3
    assert distances[0].pnorm3 <= distances[0].max


def test_missing_program_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(butteraugli, "PROGRAM", "no-such-butteraugli")
    assert "not installed" in (butteraugli.missing() or "")
    with pytest.raises(RuntimeError, match="not installed"):
        butteraugli.butteraugli(synthetic(8, 8), synthetic(8, 8))
