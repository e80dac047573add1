"""The Pillow plugin, through Pillow's public API only."""

from __future__ import annotations

import io
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

import srcodec
import srcodec.pillow

if TYPE_CHECKING:
    from pathlib import Path


def test_save_and_open_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.srz"
    Image.fromarray(synthetic(64, 48)).save(path, quality=50)
    with Image.open(path) as img:
        assert img.format == "SRZ"
        assert img.size == (64, 48)
        assert img.mode == "RGB"
        assert img.info["scale"] in (1, 2)
        assert img.info["base"] == "avif"
        pixels = np.asarray(img)
    assert pixels.shape == (48, 64, 3)
    assert np.array_equal(pixels, np.asarray(srcodec.decode(path.read_bytes())))


def test_save_keywords_reach_the_encoder() -> None:
    buf = io.BytesIO()
    Image.fromarray(synthetic(40, 32)).save(buf, format="SRZ", base="webp", quality=33, scale=2)
    info = srcodec.info(buf.getvalue())
    assert (info["base"], info["quality"], info["scale"]) == ("webp", 33, 2)
    assert Image.MIME["SRZ"] == "image/x-srz"
    assert Image.registered_extensions()[".srz"] == "SRZ"


def test_rgba_and_gray_modes() -> None:
    rgba = np.dstack([synthetic(32, 24), np.full((24, 32), 9, np.uint8)])
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="SRZ", quality=40)
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        assert img.mode == "RGBA"
        assert np.asarray(img)[..., 3].max() == 9


def test_open_reads_the_header_only_and_imports_no_torch(tmp_path: Path) -> None:
    path = tmp_path / "x.srz"
    path.write_bytes(srcodec.encode(synthetic(32, 24), base="avif", quality=40, scale=2))
    code = (
        "import sys; from PIL import Image; import srcodec.pillow\n"
        f"img = Image.open({str(path)!r})\n"
        "assert img.size == (32, 24) and img.info['scale'] == 2, img.info\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_corrupt_stream_is_not_identified(tmp_path: Path) -> None:
    data = bytearray(srcodec.encode(synthetic(16, 16), base="png"))
    data[10] ^= 0xFF
    path = tmp_path / "bad.srz"
    path.write_bytes(bytes(data))
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(path)


def _learned_header_only(width: int, height: int) -> bytes:
    """A learned-base stream of a declared size whose payload has no words (31 bytes at
    13000 x 13000): Pillow's budget must stop it, whatever the entropy decoder would say."""
    from srcodec import fuzz

    return fuzz.crafted((width, height))["learned-empty-words"]


def test_pixel_limit_follows_pillows_max_image_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    data = srcodec.encode(synthetic(40, 30), base="png", scale=1)  # 1200 pixels
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.warns(Image.DecompressionBombWarning), Image.open(io.BytesIO(data)) as img:
        img.load()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))
    # no limit: a header beyond the decoder's default pixel limit still opens (not decoded)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with Image.open(io.BytesIO(_learned_header_only(14000, 14000))) as img:
        assert img.size == (14000, 14000)


def test_memory_cap_refuses_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    data = srcodec.encode(synthetic(64, 48), base="png", scale=2)
    monkeypatch.setattr(srcodec.pillow, "MAX_MEMORY", 1 << 20)
    with Image.open(io.BytesIO(data)) as img, pytest.raises(srcodec.LimitError, match="MiB"):
        img.load()
    monkeypatch.setattr(srcodec.pillow, "MAX_MEMORY", None)
    with Image.open(io.BytesIO(data)) as img:
        img.load()


def test_default_budget_stops_a_tiny_hostile_file_without_torch(tmp_path: Path) -> None:
    path = tmp_path / "bomb.srz"
    path.write_bytes(_learned_header_only(13000, 13000))
    code = (
        "import sys, warnings; from PIL import Image; import srcodec, srcodec.pillow\n"
        "warnings.simplefilter('ignore', Image.DecompressionBombWarning)\n"
        f"img = Image.open({str(path)!r})\n"
        "try:\n"
        "    img.thumbnail((64, 64))\n"
        "except srcodec.LimitError as exc:\n"
        "    assert 'memory limit' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('decoded')\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
