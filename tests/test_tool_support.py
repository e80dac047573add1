"""The encoder never writes a stream its decoder refuses: every (base, scale, tool) the
encode API and batch accept decodes, and the rest are refused at encode, naming the flags."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from conftest import synthetic
from PIL import Image

import srcodec
from srcodec.base import BASE_CODECS
from srcodec.batch.settings import Settings, check
from srcodec.format.header import SCALES
from srcodec.upscale import UPSCALERS

if TYPE_CHECKING:
    from pathlib import Path

IMAGE = synthetic(40, 32, seed=3)


def _supported(base: str, scale: int, tool: str) -> bool:
    impl = UPSCALERS.entry(tool).get()
    return scale in impl.scales() and impl.supports(base, scale)


@pytest.mark.parametrize("tool", UPSCALERS.names())
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("base", BASE_CODECS.names())
def test_every_accepted_combination_decodes(base: str, scale: int, tool: str) -> None:
    quality = None if BASE_CODECS.entry(base).get().lossless else 30
    kwargs = {"base": base, "scale": scale, "upscaler": tool, "quality": quality}
    batch = Settings("encode", encode=kwargs)
    if not _supported(base, scale, tool):
        with pytest.raises(srcodec.UsageError, match=f"upscaler {tool} .*--upscaler") as refused:
            srcodec.encode(IMAGE, **kwargs)
        assert "\n" not in str(refused.value)
        with pytest.raises(srcodec.UsageError, match=f"upscaler {tool} .*--upscaler"):
            check(batch)
        return
    check(batch)
    data = srcodec.encode(IMAGE, **kwargs)
    assert srcodec.decode(data).size == (40, 32)


def test_a_pinned_search_refuses_a_tool_the_base_lacks() -> None:
    with pytest.raises(srcodec.UsageError, match="not trained for base learned"):
        srcodec.encode(IMAGE, base="learned", scale=2, upscaler="cnn", target_psnr=25.0)


def test_cli_refuses_at_encode_in_one_line(tmp_path: Path) -> None:
    src, out = tmp_path / "s.png", tmp_path / "x.srz"
    Image.fromarray(IMAGE).save(src)
    args = ["--base", "learned", "--scale", "2", "--upscaler", "cnn", "--quality", "30"]
    result = subprocess.run(
        [sys.executable, "-m", "srcodec", "encode", str(src), str(out), *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--upscaler cnn --base learned --scale 2" in lines[0]
    assert not out.exists()


def test_the_decoder_makes_the_same_check() -> None:
    from srcodec.upscale import check_tool

    with pytest.raises(srcodec.UnsupportedError, match="not trained for base learned"):
        check_tool(UPSCALERS.entry("cnn").get(), "learned", 2, srcodec.UnsupportedError)
