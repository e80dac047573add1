"""`srcodec enhance`: quality read from the file, restoration, provenance, refusals."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

from srcodec.enhance import enhance, jpeg_quality
from srcodec.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


def _coded(fmt: str, quality: int, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(synthetic(96, 64)).save(buf, format=fmt, quality=quality, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("quality", [10, 30, 50, 75, 95])
def test_jpeg_quality_is_read_from_the_tables(quality: int) -> None:
    with Image.open(io.BytesIO(_coded("JPEG", quality))) as img:
        assert jpeg_quality(list(img.quantization[0])) == quality


def test_avif_quality_is_estimated_by_size() -> None:
    result = enhance(_coded("AVIF", 40, subsampling="4:4:4"), device="cpu")
    assert abs(result.quality - 40) <= 4
    assert result.base == "avif"
    assert result.subsampled is False
    assert result.image.size == (96, 64)


def test_refuses_what_it_cannot_restore() -> None:
    buf = io.BytesIO()
    Image.fromarray(synthetic(16, 16)).save(buf, format="PNG")
    with pytest.raises(UsageError, match="JPEG, WebP or AVIF"):
        enhance(buf.getvalue())
    with pytest.raises(UsageError, match="does not decode"):
        enhance(b"not an image at all")


def test_cli_writes_provenance(tmp_path: Path) -> None:
    src = tmp_path / "in.jpg"
    src.write_bytes(_coded("JPEG", 30))
    out = tmp_path / "out.png"
    res = subprocess.run(
        [sys.executable, "-m", "srcodec", "enhance", str(src), str(out)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    with Image.open(out) as img:
        assert "quality 30 by quantisation tables" in img.info["srcodec"]
        assert img.size == (96, 64)
        restored = np.asarray(img.convert("RGB"))
    with Image.open(src) as plain:
        assert not np.array_equal(restored, np.asarray(plain.convert("RGB")))


def _with_table_id(jpeg: bytes, table_id: int) -> bytes:
    """A grayscale baseline JPEG whose only quantisation table (and its component's
    reference to it) is renumbered to `table_id`, as some encoders write them."""
    data = bytearray(jpeg)
    dqt = data.index(b"\xff\xdb")
    data[dqt + 4] = table_id  # Pq (precision) 0, Tq: the table id
    sof = data.index(b"\xff\xc0")
    assert data[sof + 9] == 1  # one component: C, H/V, Tq
    data[sof + 12] = table_id
    return bytes(data)


def test_quality_comes_from_the_luma_components_table() -> None:
    buf = io.BytesIO()
    Image.fromarray(synthetic(64, 48, channels=1)[..., 0]).save(buf, format="JPEG", quality=40)
    renumbered = _with_table_id(buf.getvalue(), 1)
    with Image.open(io.BytesIO(renumbered)) as img:
        assert list(img.quantization) == [1]
    result = enhance(renumbered, device="cpu")
    assert result.quality == 40


def test_refusals_name_the_input_without_python_reprs() -> None:
    with pytest.raises(UsageError) as caught:
        enhance(b"not an image at all", name="notimage.png")
    assert "notimage.png" in str(caught.value)
    assert "0x" not in str(caught.value)
    assert "BytesIO" not in str(caught.value)
    import srcodec

    stream = srcodec.encode(synthetic(16, 16), base="png")
    with pytest.raises(UsageError, match="srcodec decode"):
        enhance(stream, name="x.srz")


def test_cli_refusal_is_one_line(tmp_path: Path) -> None:
    src = tmp_path / "notimage.png"
    src.write_text("hello")
    res = subprocess.run(
        [sys.executable, "-m", "srcodec", "enhance", str(src), str(tmp_path / "o.png")],
        capture_output=True,
        text=True,
    )
    assert res.returncode != 0
    assert res.stderr.count("\n") == 1, res.stderr
    assert "object at 0x" not in res.stderr
    assert "notimage.png" in res.stderr
