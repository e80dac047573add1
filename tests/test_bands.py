"""Decoding in row bands: same pixels as whole-image decoding, bounded by the estimate, and
streamed PNG output identical to Pillow's decode of the same stream."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image

from srcodec import decoder
from srcodec.errors import LimitError
from srcodec.png_writer import PngWriter
from srcodec.search import encode_manual
from srcodec.upscale import UPSCALERS, SideInfo
from srcodec.upscale.bands import row_bands, upscale_bands

if TYPE_CHECKING:
    from pathlib import Path


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth random image with edges (something for learned tools to react to)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 1, w // 8 + 1, 3), dtype=np.uint8)
    img = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))
    return np.ascontiguousarray(img)


def test_row_bands_cover_every_row_once() -> None:
    cores = []
    for r0, r1, c0, c1 in row_bands(101, 20, 5):
        assert r0 <= c0 < c1 <= r1
        assert c0 % 2 == 0
        assert r0 % 2 == 0
        assert (c0 - r0 in (0, 6) and r1 - c1 in (0, 6)) or r1 == 101
        cores.extend(range(c0, c1))
    assert cores == list(range(101))


@pytest.mark.parametrize(
    ("name", "scale", "exact"),
    [
        ("bicubic", 2, True),
        ("bicubic", 3, True),
        ("raisr", 2, False),
        ("cnn", 2, False),
        ("cnn", 1, False),
        ("restore", 1, False),
        ("restore", 2, False),
    ],
)
def test_bands_match_whole_image(name: str, scale: int, exact: bool) -> None:
    impl = UPSCALERS.entry(name).get()
    lr = _photo(57, 40)
    side = SideInfo("avif", 40, scale, True)
    whole = impl.upscale(lr, side, "cpu")
    banded = np.concatenate([rows for _, rows in upscale_bands(impl, lr, side, "cpu", rows=10)])
    assert banded.shape == whole.shape
    diff = np.abs(banded.astype(int) - whole)
    if exact:
        assert diff.max() == 0
    else:  # float rounding of differently shaped convolutions, nothing more
        assert diff.max() <= 1
        assert diff.mean() < 1e-3


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_writer_round_trip(channels: int) -> None:
    img = _photo(37, 29)[..., :1]
    img = np.concatenate([img, _photo(37, 29, 1)], axis=2)[..., :channels]
    icc = bytes(range(200))  # opaque to PNG: carried as is
    exif = Image.Exif()
    exif[0x010F] = "srcodec test"
    buf = io.BytesIO()
    writer = PngWriter(
        buf, 29, 37, channels, text={"srcodec": "a test ✓"}, icc=icc, exif=exif.tobytes()
    )
    for y in range(0, 37, 9):
        writer.write(img[y : y + 9])
    writer.close()
    back = Image.open(io.BytesIO(buf.getvalue()))
    back.load()
    assert np.array_equal(np.asarray(back).reshape(img.shape), img)
    assert back.info["srcodec"] == "a test ✓"
    assert back.info["icc_profile"] == icc
    assert back.getexif()[0x010F] == "srcodec test"


def test_png_writer_refuses_wrong_rows() -> None:
    writer = PngWriter(io.BytesIO(), 4, 2, 3)
    with pytest.raises(ValueError, match="samples"):
        writer.write(np.zeros((1, 5, 3), np.uint8))
    writer.write(np.zeros((1, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="1 of 2 rows"):
        writer.close()


@pytest.mark.parametrize("upscaler", ["bicubic", "restore"])
def test_streamed_png_equals_decode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upscaler: str
) -> None:
    rgba = np.concatenate([_photo(66, 50), _photo(66, 50, 2)[..., :1]], axis=2)
    scale = 2 if upscaler == "bicubic" else 1
    data = encode_manual(rgba, scale=scale, base="avif", quality=50, upscaler=upscaler)
    whole, report = decoder.decode_with_report(data, device="cpu")
    monkeypatch.setattr(decoder, "STREAM_ABOVE", 0)
    monkeypatch.setattr("srcodec.upscale.bands.BAND_PIXELS", 1)  # bands of 8 halos
    out = tmp_path / "o.png"
    size, streamed_report = decoder.decode_to_file(data, out, device="cpu")
    assert size == whole.size
    assert streamed_report.provenance == report.provenance
    back = Image.open(out)
    assert back.mode == "RGBA"
    assert back.info["srcodec"] == report.provenance
    diff = np.abs(np.asarray(back).astype(int) - np.asarray(whole))
    assert diff.max() <= (0 if upscaler == "bicubic" else 1)


def test_max_memory_refuses_before_decoding(tmp_path: Path) -> None:
    data = encode_manual(_photo(32, 32), scale=2, base="png", upscaler="bicubic")
    with pytest.raises(LimitError, match="over the memory limit"):
        decoder.decode(data, max_memory=1 << 20)
    assert decoder.decode(data, max_memory=1 << 30).size == (32, 32)


def test_ctrl_c_mid_decode_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from srcodec import cli
    from srcodec.upscale.classic import Bicubic

    srz = tmp_path / "a.srz"
    srz.write_bytes(encode_manual(_photo(64, 48), scale=2, base="png", upscaler="bicubic"))
    monkeypatch.setattr(decoder, "STREAM_ABOVE", 0)
    monkeypatch.setattr("srcodec.upscale.bands.BAND_PIXELS", 1)
    calls = []

    def interrupted(self: Bicubic, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        calls.append(1)
        if len(calls) == 2:  # the second band: the PNG is half written
            raise KeyboardInterrupt
        return np.repeat(np.repeat(lr, 2, axis=0), 2, axis=1)

    monkeypatch.setattr(Bicubic, "upscale", interrupted)
    assert cli.main(["decode", str(srz), str(tmp_path / "o.png")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srz"]
