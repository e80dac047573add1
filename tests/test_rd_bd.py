from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pytest

from srcodec import metrics
from srcodec.errors import UsageError
from srcodec.rd.bd import BDUndefinedError, bd_psnr, bd_rate, monotone
from srcodec.rd.curve import Curve, find
from srcodec.rd.reference import load as load_reference
from srcodec.rd.report import bd_table, method_check

if TYPE_CHECKING:
    from pathlib import Path

RATE = [0.1, 0.2, 0.4, 0.8, 1.6]
PSNR = [27.0, 29.5, 32.0, 34.3, 36.5]


def test_bd_rate_of_curve_against_itself_is_zero() -> None:
    assert bd_rate(RATE, PSNR, RATE, PSNR) == pytest.approx(0.0, abs=1e-9)
    assert bd_psnr(RATE, PSNR, RATE, PSNR) == pytest.approx(0.0, abs=1e-9)


def test_bd_rate_of_rates_times_0_8_is_minus_20_percent() -> None:
    cheaper = [r * 0.8 for r in RATE]
    assert bd_rate(RATE, PSNR, cheaper, PSNR) == pytest.approx(-20.0, abs=0.1)
    assert bd_rate(cheaper, PSNR, RATE, PSNR) == pytest.approx(25.0, abs=0.1)


def test_bd_psnr_of_curve_one_db_better_is_plus_one() -> None:
    better = [p + 1.0 for p in PSNR]
    assert bd_psnr(RATE, PSNR, RATE, better) == pytest.approx(1.0, abs=1e-9)
    assert bd_psnr(RATE, better, RATE, PSNR) == pytest.approx(-1.0, abs=1e-9)
    assert bd_rate(RATE, PSNR, RATE, better) < 0  # better quality at equal rate saves bits


def test_bd_is_order_independent() -> None:
    order = [3, 0, 4, 1, 2]
    rate = [RATE[i] for i in order]
    psnr = [PSNR[i] for i in order]
    assert bd_rate(RATE, PSNR, rate, psnr) == pytest.approx(0.0, abs=1e-9)


def test_no_overlap_is_reported() -> None:
    low = ([0.1, 0.2, 0.3], [25.0, 26.0, 27.0])
    high = ([1.0, 2.0, 3.0], [35.0, 37.0, 39.0])
    with pytest.raises(BDUndefinedError, match="no overlap"):
        bd_rate(*low, *high)
    with pytest.raises(BDUndefinedError, match="no overlap"):
        bd_psnr(*low, *high)


def test_too_few_points() -> None:
    with pytest.raises(BDUndefinedError, match="at least 2"):
        bd_rate(RATE, PSNR, [0.5], [30.0])


def test_monotone_drops_dominated_and_non_finite_points() -> None:
    rate = [0.4, 0.1, 0.2, 0.3, 0.5, 0.6, math.nan]
    psnr = [31.0, 27.0, 29.0, 28.5, math.inf, 32.0, 40.0]
    r, p = monotone(rate, psnr)
    assert list(r) == [0.1, 0.2, 0.4, 0.6]  # 0.3 is worse than 0.2; inf and NaN dropped
    assert list(p) == [27.0, 29.0, 31.0, 32.0]


def test_table_says_no_overlap_and_marks_anchor_and_published() -> None:
    def curve(name: str, rate: list[float], psnr: list[float], published: bool) -> Curve:
        return Curve(name, "", {"bpp": rate, "psnr-rgb": psnr}, published=published)

    jpeg = curve("jpeg", RATE, PSNR, False)
    far = curve("far", [5.0, 6.0], [50.0, 51.0], False)
    pub = curve("JPEG", [r * 0.8 for r in RATE], PSNR, True)
    text = bd_table([jpeg, far, pub], [("jpeg", jpeg)])
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()[2:]}
    assert "anchor" in rows["jpeg"]
    assert "no overlap" in rows["far"]
    assert "-20.0 %" in rows["JPEG (published)"]


def test_psnr_of_known_arrays() -> None:
    a = np.zeros((4, 4, 3), np.uint8)
    b = np.full((4, 4, 3), 10, np.uint8)  # MSE 100 -> 10 log10(255^2 / 100)
    assert metrics.psnr(a, b) == pytest.approx(10 * math.log10(255**2 / 100))
    assert metrics.psnr(a, a) == math.inf
    # a uniform +10 step in R, G and B moves BT.601 luma by 10 * 219/255
    assert metrics.psnr_y(a, b) == pytest.approx(10 * math.log10(255**2 / (10 * 219 / 255) ** 2))


def _curve(name: str, published: bool = False, scale: float = 1.0) -> Curve:
    rate = [r * scale for r in RATE]
    return Curve(name, "", {"bpp": rate, "psnr-rgb": list(PSNR)}, published=published)


def test_find_matches_names_and_word_prefixes() -> None:
    jpeg2000, jpeg444 = _curve("jpeg2000"), _curve("jpeg subsampling=4:4:4")
    published = _curve("JPEG", published=True)
    assert find([jpeg2000, jpeg444, published], "jpeg") is jpeg444  # measured first
    assert find([jpeg2000, published], "jpeg") is published  # never jpeg2000
    assert find([jpeg2000, published], "JPEG (published)") is published
    assert find([jpeg2000], "jpeg") is None
    assert find([_curve("srcodec avif x2 bicubic")], "srcodec").name.startswith("srcodec")


def test_method_check_pairs_same_grid_curves() -> None:
    measured = Curve("jpeg", "", {"bpp": list(RATE), "psnr-rgb": [p + 0.1 for p in PSNR]})
    published = _curve("JPEG", published=True, scale=1.01)
    other = _curve("WebP", published=True, scale=0.5)
    text = method_check([measured, published, other])
    assert "| jpeg | JPEG (published) | 5 |" in text
    assert "+0.100 dB" in text
    assert "WebP" not in text


def test_reference_loader(tmp_path: Path) -> None:
    good = {
        "name": "VTM",
        "description": "VTM",
        "results": {"bpp": [0.1, 0.2], "psnr-rgb": [30, 32]},
    }
    (tmp_path / "vtm.json").write_text(json.dumps(good))
    curves = load_reference(tmp_path)
    assert curves[0].label == "VTM (published)"
    assert curves[0].series("psnr-rgb") == [30.0, 32.0]
    bad = {"name": "X", "results": {"bpp": [0.1, 0.2], "psnr-rgb": [30]}}
    (tmp_path / "x.json").write_text(json.dumps(bad))
    with pytest.raises(UsageError, match=r"results\.psnr-rgb is not 2 numbers"):
        load_reference(tmp_path / "x.json")
    with pytest.raises(UsageError, match="no such file or folder"):
        load_reference(tmp_path / "missing")


def test_rate_ratio_at_fixed_psnr() -> None:
    from srcodec.rd.bd import rate_ratio

    rate = [0.1, 0.2, 0.4, 0.8]
    psnr = [28.0, 31.0, 34.0, 37.0]
    cheaper = [r * 0.8 for r in rate]
    assert rate_ratio(rate, psnr, cheaper, psnr, 30.0) == pytest.approx(-20.0)
    assert rate_ratio(rate, psnr, rate, psnr, 33.3) == pytest.approx(0.0)
    assert rate_ratio(rate, psnr, cheaper, psnr, 40.0) is None
