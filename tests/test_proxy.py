"""Large images: the search on a proxy of full-width strips, confirmed at full size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import KODAK, synthetic
from PIL import Image

import srcodec
from srcodec import pipeline
from srcodec.metrics.ssimulacra2_np import ssimulacra2
from srcodec.pipeline import Choice
from srcodec.search import proxy


@pytest.fixture
def small_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds scaled down, so a test-sized image takes the large-image path."""
    monkeypatch.setattr(proxy, "PROXY_PIXELS", 1 << 16)
    monkeypatch.setattr(proxy, "LARGE_PIXELS", 1 << 16)


def test_sample_strips_are_aligned_spread_and_about_the_proxy_size() -> None:
    sample = proxy.Sample.of(3000, 4000)
    assert all(y0 % proxy.ALIGN == 0 and y1 - y0 == proxy.STRIP_ROWS for y0, y1 in sample.rows)
    assert sample.rows[0][0] == 0
    assert sample.rows[-1][1] > 3000 - proxy.ALIGN - proxy.STRIP_ROWS
    assert 0.5 * proxy.PROXY_PIXELS <= len(sample.rows) * proxy.STRIP_ROWS * 4000
    assert len(sample.rows) * proxy.STRIP_ROWS * 4000 <= proxy.PROXY_PIXELS


@pytest.mark.parametrize(("scale", "tool"), [(1, "restore"), (2, "bicubic"), (2, "restore")])
def test_sample_reconstruct_is_the_full_decode_s_strips(scale: int, tool: str) -> None:
    img = synthetic(120, 301, seed=2)
    sample = proxy.Sample(((0, 48), (144, 192), (240, 288)), 120)  # top, middle, bottom
    lr = pipeline.downsample(srcodec.image_io.SourceImage(img), scale)
    coded = pipeline.code_base(lr, Choice(scale, "avif", 40))
    full = pipeline.reconstruct(coded, tool, (120, 301), "cpu")
    strips = sample.reconstruct(coded, tool, "cpu", None)
    diff = np.abs(strips.astype(int) - sample.stack(full).astype(int))
    assert diff.max() <= 1  # learned tools: float rounding at most, as the decoder's bands
    assert (diff == 0).mean() > 0.999


def test_a_large_image_is_searched_on_the_proxy_and_keeps_the_promise(small_proxy: None) -> None:
    if not (KODAK / "kodim23.png").exists():
        pytest.skip("../shared/datasets/kodak is not beside the checkout")
    img = np.asarray(Image.open(KODAK / "kodim23.png").convert("RGB"))[112:400, 192:576]
    data, why = srcodec.encode_explained(img)
    assert why is not None
    assert why.chosen is not None
    notes = [t.note for t in why.trials]
    assert any(n.startswith("proxy") for n in notes)
    assert not why.chosen.note.startswith("proxy")  # the choice is made at full size
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="AVIF", quality=60)
    assert len(data) <= len(buf.getvalue())  # never more bytes: exact at full size
    sample = proxy.Sample.of(288, 384)
    assert len(sample.rows) > 1
    plain = np.asarray(Image.open(buf).convert("RGB"))
    decoded = np.asarray(srcodec.decode(data))
    # the score promise is kept on the strips the check scores
    ours = ssimulacra2(sample.stack(img), sample.stack(decoded))
    assert ours >= ssimulacra2(sample.stack(img), sample.stack(plain)) - 1e-6


def test_small_images_never_take_the_proxy() -> None:
    src = srcodec.image_io.SourceImage(synthetic(256, 192))
    assert not proxy.applies(src, "quality", strength=False)
