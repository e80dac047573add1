from __future__ import annotations

import numpy as np
import pytest

from srcodec.resample import downsample, taps


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_taps_are_normalised_and_symmetric(scale: int) -> None:
    offsets, weights = taps(scale)
    assert weights.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(weights, weights[::-1])
    assert offsets.mean() == pytest.approx((scale - 1) / 2)


def test_scale_2_taps_match_the_spec() -> None:
    offsets, weights = taps(2)
    assert list(offsets) == list(range(-3, 5))
    spec = np.array([-0.0234375, -0.0703125, 0.2265625, 0.8671875])
    np.testing.assert_allclose(weights * 2, np.concatenate([spec, spec[::-1]]))


@pytest.mark.parametrize(("w", "h"), [(1, 1), (7, 5), (33, 17), (2, 9)])
@pytest.mark.parametrize("scale", [1, 2, 3, 4])
def test_output_size_is_ceiling(w: int, h: int, scale: int) -> None:
    out = downsample(np.zeros((h, w, 3), np.uint8), scale)
    assert out.shape == (-(-h // scale), -(-w // scale), 3)
    assert out.dtype == np.uint8


def test_constant_stays_constant_and_ramps_stay_in_range() -> None:
    flat = np.full((17, 23, 1), 200, np.uint8)
    assert (downsample(flat, 3) == 200).all()
    ramp = np.tile(np.arange(256, dtype=np.uint8), (8, 1))[..., None]
    out = downsample(ramp, 2)
    assert np.all(np.diff(out[0, 2:-2, 0].astype(int)) > 0)  # monotone inside


def test_rejects_bad_scale() -> None:
    with pytest.raises(ValueError, match="scale"):
        downsample(np.zeros((4, 4, 3), np.uint8), 5)
