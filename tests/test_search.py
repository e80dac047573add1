"""The auto encoder: targets, search, never bigger than AVIF, explanations."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import KODAK, synthetic
from PIL import Image

import srcodec
from srcodec import metrics
from srcodec.errors import UsageError
from srcodec.search.bracket import bracket_search
from srcodec.search.session import quality_levels

if TYPE_CHECKING:
    from pathlib import Path


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _decoded(data: bytes) -> np.ndarray:
    return np.asarray(srcodec.decode(data).convert("RGB"))


def _plain_avif(rgb: np.ndarray, quality: int) -> tuple[int, np.ndarray]:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="AVIF", quality=quality, speed=6)
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        return len(buf.getvalue()), np.asarray(img.convert("RGB"))


def _kodak(name: str) -> np.ndarray:
    path = KODAK / name
    if not path.exists():
        pytest.skip("../shared/datasets/kodak is not beside the checkout")
    return _rgb(path)


# ---------------------------------------------------------------- the search primitive


@pytest.mark.parametrize("answer", [0, 1, 17, 40, 63])
def test_bracket_search_finds_the_lowest_passing_level_in_few_probes(answer: int) -> None:
    levels = list(range(64))
    probes: list[int] = []

    def probe(level: int) -> tuple[bool, float]:
        probes.append(level)
        value = 0.4 * level + 0.02 * level**1.5  # monotone, not linear
        return level >= answer, value

    goal = 0.4 * answer + 0.02 * answer**1.5
    assert bracket_search(levels, probe, 30, goal, 0.35) == answer
    assert len(probes) <= 6
    assert len(set(probes)) == len(probes)  # never the same level twice


def test_bracket_search_none_when_nothing_passes() -> None:
    assert bracket_search(list(range(10)), lambda q: (False, q), 5, 99, 1.0) is None


def test_avif_levels_are_one_quality_per_quantizer() -> None:
    levels = quality_levels("avif")
    assert len(levels) == 64
    assert levels[0] == 0
    assert levels[-1] == 100
    assert quality_levels("webp") == list(range(101))


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quality": 50, "target_psnr": 30}, "one target"),
        ({"target_psnr": 30, "target_size": 100}, "one target"),
        ({"quality": 50.5}, "integer"),
        ({"quality": 50.5, "base": "avif"}, "integer"),
        ({"scale": 2.0}, "scale"),
        ({"scale": 2.0, "base": "avif"}, "scale"),
        ({"target_psnr": -1}, "target-psnr"),
        ({"target_ms_ssim": 1.5}, "target-ms-ssim"),
        ({"target_ssimulacra2": 101}, "target-ssimulacra2"),
        ({"target_ssimulacra2": 70, "target_psnr": 30}, "one target"),
        ({"target_size": 0}, "target-size"),
        ({"target_bpp": -0.1}, "target-bpp"),
        ({"metric": "ssim"}, "metric"),
        ({"effort": 10}, "effort"),
        ({"options": {"speed": 11}}, "speed"),
        ({"options": {"colour": 1}}, "no option"),
    ],
)
def test_bad_targets_are_usage_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        srcodec.encode(synthetic(32, 24), **kwargs)


def test_unreachable_targets_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="below the smallest stream"):
        srcodec.encode(synthetic(64, 48), target_size=10)
    noisy = np.random.default_rng(1).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    with pytest.raises(UsageError, match="not reachable"):
        srcodec.encode(noisy, target_psnr=90, effort=1)


def test_target_psnr_is_reached_and_one_level_lower_is_not() -> None:
    rgb = synthetic(96, 64)
    data, ex = srcodec.encode_explained(rgb, target_psnr=34.0, effort=2)
    assert metrics.psnr(rgb, _decoded(data)) >= 34.0
    chosen = ex.chosen
    failing = [
        t
        for t in ex.trials
        if t.choice.scale == chosen.choice.scale
        and t.choice.quality is not None
        and t.choice.quality < chosen.choice.quality
        and not t.passed
    ]
    assert failing, "the search must show a cheaper candidate that misses the target"


@pytest.mark.parametrize("budget", [400, 900, 2000])
def test_target_size_never_over(budget: int) -> None:
    data = srcodec.encode(synthetic(96, 64), target_size=budget, effort=2)
    assert len(data) <= budget


def test_target_size_over_the_lossless_size_is_lossless_at_any_image_size() -> None:
    """A budget that holds the lossless stream gets it, also above the small-image size."""
    img = synthetic(320, 240, seed=5)  # over finish.LOSSLESS_PIXELS
    data, why = srcodec.encode_explained(img, target_size=10_000_000, effort=2)
    assert why is not None
    assert why.chosen.choice.base == "png"
    assert np.array_equal(np.asarray(srcodec.decode(data)), img)


def test_target_size_below_full_resolution_goes_to_a_larger_scale() -> None:
    rgb = _kodak("kodim23.png")
    budget = 768 * 512 * 0.02 / 8  # far below AVIF's smallest full-resolution file
    data, ex = srcodec.encode_explained(rgb, target_bpp=0.02)
    assert len(data) <= budget
    assert srcodec.info(data)["scale"] >= 2
    assert ex.chosen.choice.scale >= 2


@pytest.mark.parametrize(("name", "quality"), [("kodim03.png", 30), ("kodim19.png", 70)])
def test_never_bigger_than_plain_avif_and_at_least_as_good(name: str, quality: int) -> None:
    rgb = _kodak(name)
    data = srcodec.encode(rgb, quality=quality, metric="psnr")
    ref_bytes, ref = _plain_avif(rgb, quality)
    assert len(data) <= ref_bytes
    assert metrics.psnr(rgb, _decoded(data)) >= metrics.psnr(rgb, ref)


@pytest.mark.parametrize(("name", "quality"), [("kodim03.png", 30), ("kodim19.png", 70)])
def test_default_is_never_bigger_nor_worse_in_ssimulacra2(name: str, quality: int) -> None:
    rgb = _kodak(name)
    data = srcodec.encode(rgb, quality=quality)  # the default metric is SSIMULACRA 2
    ref_bytes, ref = _plain_avif(rgb, quality)
    assert len(data) <= ref_bytes
    assert metrics.ssimulacra2(rgb, _decoded(data)) >= metrics.ssimulacra2(rgb, ref)


def test_target_ssimulacra2_is_reached() -> None:
    rgb = _kodak("kodim19.png")
    data, ex = srcodec.encode_explained(rgb, target_ssimulacra2=70.0)
    assert metrics.ssimulacra2(rgb, _decoded(data)) >= 70.0
    assert "tune=ssimulacra2" in ex.chosen.choice.describe()


def test_never_bigger_on_ms_ssim() -> None:
    rgb = _kodak("kodim07.png")
    data = srcodec.encode(rgb, quality=50, metric="ms-ssim")
    ref_bytes, ref = _plain_avif(rgb, 50)
    assert len(data) <= ref_bytes
    assert metrics.ms_ssim(rgb, _decoded(data)) >= metrics.ms_ssim(rgb, ref)


def test_pins_restrict_the_search() -> None:
    rgb = synthetic(64, 48)
    data, ex = srcodec.encode_explained(rgb, quality=50, scale=1, upscaler="bicubic")
    assert {t.choice.scale for t in ex.trials} == {1}
    assert {t.upscaler for t in ex.trials} == {"bicubic"}
    info = srcodec.info(data)
    assert (info["scale"], info["upscaler"]) == (1, "bicubic")
    _, ex = srcodec.encode_explained(rgb, quality=50, options={"subsampling": "4:2:0"})
    assert all(dict(t.choice.options)["subsampling"] == "4:2:0" for t in ex.trials)


def test_manual_mode_codes_exactly_what_was_asked() -> None:
    data, ex = srcodec.encode_explained(synthetic(40, 30), base="webp", quality=33, scale=2)
    assert ex is None
    info = srcodec.info(data)
    assert (info["base"], info["quality"], info["scale"]) == ("webp", 33, 2)


def test_gray_and_alpha_survive_the_search() -> None:
    gray = synthetic(48, 40, channels=1)[..., 0]
    out = srcodec.decode(srcodec.encode(gray, quality=40))
    assert out.mode == "L"
    rgba = np.dstack([synthetic(48, 40), np.full((40, 48), 7, np.uint8)])
    out = srcodec.decode(srcodec.encode(rgba, quality=40))
    assert out.mode == "RGBA"
    assert np.all(np.asarray(out)[..., 3] == 7)


def test_explain_from_the_cli(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    Image.fromarray(synthetic(64, 48)).save(src)
    out = tmp_path / "out.srz"
    cmd = [sys.executable, "-m", "srcodec", "encode", str(src), str(out)]
    res = subprocess.run([*cmd, "--target-psnr", "33", "--explain"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "target: psnr >= 33 dB" in res.stdout
    assert "chosen:" in res.stdout
    res = subprocess.run([*cmd, "--quality", "40", "--target-psnr", "30"], capture_output=True)
    assert res.returncode == 2
    assert res.stderr.decode().count("\n") == 1
    assert b"one target" in res.stderr


def test_thorough_efforts_try_every_tune_of_the_metric() -> None:
    from srcodec.base.pillow import AVIF_TUNES

    rgb = synthetic(96, 64)
    _, fast = srcodec.encode_explained(rgb, quality=50, effort=4)
    _, thorough = srcodec.encode_explained(rgb, quality=50, effort=6)
    tried = {
        effort: {
            dict(t.choice.options).get("tune")
            for t in ex.trials
            if t.choice.scale == 1 and t.choice.base == "avif"
        }
        for effort, ex in ((4, fast), (6, thorough))
    }
    tunes = set(AVIF_TUNES["ssimulacra2"])
    assert tried[4] == {AVIF_TUNES["ssimulacra2"][0]}
    assert tried[6] >= tunes


def test_tune_ssimulacra2_codes_quality_100_losslessly() -> None:
    """libaom refuses tune=ssimulacra2 in lossless mode; the AVIF base drops the tune there."""
    from srcodec.base import BASE_CODECS

    avif = BASE_CODECS.entry("avif").get()
    lr = synthetic(16, 16)
    payload = avif.encode(lr, 100, {"tune": "ssimulacra2", "subsampling": "4:4:4"})
    assert avif.decode(payload, (16, 16), 3).shape == (16, 16, 3)


def test_effort_6_after_a_rescue_keeps_the_rescued_stream() -> None:
    """kodim19 at q80: tune=ssimulacra2's lowest passing level is over the budget, so the
    rescue re-encodes one speed slower; the final re-encode of effort 6 must take that
    winner as it is (it once looked for its configuration among the first ones)."""
    rgb = _kodak("kodim19.png")
    data, ex = srcodec.encode_explained(rgb, quality=80, effort=6)
    assert len(data) <= ex.budget
    assert any("rescue" in t.note for t in ex.trials) or ex.chosen.score >= ex.goal


def test_base_codecs_name_their_own_search_knobs() -> None:
    """The search names no codec: each base says what to vary for a metric."""
    from srcodec.base import BASE_CODECS

    avif = BASE_CODECS.entry("avif").get()
    assert avif.speed_knob == "speed"
    assert avif.reference_options() == {"speed": 6}
    best = avif.search_knobs("psnr", 0, 1)
    assert best == [{"tune": "psnr", "subsampling": "4:4:4"}]
    assert len(avif.search_knobs("ssimulacra2", 1, 1)) == 2
    assert len(avif.search_knobs("ssimulacra2", 2, 1)) == 4
    assert avif.search_knobs("ssimulacra2", 2, 2) == [{}]  # x2+ tools: Pillow's defaults
    for name in ("png", "jpeg", "webp"):
        codec = BASE_CODECS.entry(name).get()
        assert codec.search_knobs("psnr", 2, 1) == [{}]
        assert codec.speed_knob is None
        assert codec.levels() == list(range(101))


def test_manual_mode_is_the_pinned_search() -> None:
    from srcodec.search import encode_manual

    rgb = synthetic(48, 40)
    assert srcodec.encode(rgb, base="avif", quality=50) == encode_manual(rgb, quality=50)


def test_the_default_effort_is_the_search_s() -> None:
    import inspect

    from srcodec.search import DEFAULT_EFFORT

    assert inspect.signature(srcodec.encode).parameters["effort"].default == DEFAULT_EFFORT
