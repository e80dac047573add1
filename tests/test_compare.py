"""`srcodec compare`: matched-size selection, the page's content, and the CLI.

Small images (96x64) and fast codec settings keep it to seconds; the page's behaviour in a
browser is tested in test_browser.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest
from conftest import synthetic
from PIL import Image

from srcodec.compare import build, page
from srcodec.compare.select import code_at, decode_srz, matched
from srcodec.rd.spec import parse
from srcodec.search import encode_manual

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

JPEG = parse("jpeg:quality=5:95:5")


@pytest.fixture(scope="module")
def rgb() -> np.ndarray:
    return synthetic(96, 64, seed=3)


@pytest.fixture
def image(tmp_path: Path, rgb: np.ndarray) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(rgb).save(path)
    return path


def _sizes(rgb: np.ndarray) -> dict[int, int]:
    return {q: code_at(rgb, JPEG, q).num_bytes for q in JPEG.qualities}


def test_matched_is_the_largest_file_not_over_the_budget(rgb: np.ndarray) -> None:
    sizes = _sizes(rgb)
    for budget in (sizes[40], sizes[40] - 1, (sizes[60] + sizes[65]) // 2):
        chosen = matched(rgb, JPEG, budget)
        best = max(b for b in sizes.values() if b <= budget)
        assert chosen.num_bytes == best
        assert not chosen.over_budget
        assert chosen.settings.startswith("quality ")


def test_matched_at_the_ends_of_the_grid(rgb: np.ndarray) -> None:
    sizes = _sizes(rgb)
    too_small = matched(rgb, JPEG, sizes[5] - 1)
    assert too_small.over_budget
    assert too_small.num_bytes == sizes[5]
    everything = matched(rgb, JPEG, 10**9)
    assert everything.num_bytes == sizes[95]
    assert not everything.over_budget


def test_decode_srz_flags_only_synthesized_upscales(rgb: np.ndarray) -> None:
    cnn = encode_manual(rgb, scale=2, base="avif", quality=50, upscaler="cnn")
    bicubic = encode_manual(rgb, scale=2, base="avif", quality=50, upscaler="bicubic")
    full = encode_manual(rgb, scale=1, base="avif", quality=50)
    marked = decode_srz(cnn, "x")
    assert marked.synthesized
    assert "synthesized" in marked.provenance
    assert marked.pixels.shape == rgb.shape
    assert "48x32 (1/2), cnn x2" in marked.settings
    assert not decode_srz(bicubic, "x").synthesized
    assert not decode_srz(full, "x").synthesized


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory, rgb: np.ndarray) -> build.Comparison:
    path = tmp_path_factory.mktemp("cmp") / "a<b>.png"
    Image.fromarray(rgb).save(path)
    specs = build.parse_specs(
        [
            "jpeg:quality=5:95:10,name=<i>jpeg</i>",
            "srcodec:base=avif,scale=2,upscaler=cnn,quality=20:80:30",
        ]
    )
    return build.build(path, specs, effort=1)


def test_build_matches_the_srcodec_stream(comparison: build.Comparison) -> None:
    ours, *peers = comparison.panels
    assert ours.decoded.label == "srcodec auto"
    assert comparison.budget == ours.decoded.num_bytes
    for panel in peers:
        assert panel.decoded.num_bytes <= comparison.budget or panel.decoded.over_budget
    for panel in comparison.panels:
        assert 10 < panel.psnr < 60
        assert 0 < panel.ms_ssim <= 1  # 96x64: fewer MS-SSIM scales, still a number
        assert panel.bpp == pytest.approx(panel.decoded.num_bytes * 8 / (96 * 64))


def test_page_is_self_contained_and_escaped(comparison: build.Comparison) -> None:
    text = page.render(comparison)
    parser = _Collect()
    parser.feed(text)
    images = [a for t, a in parser.tags if t == "img"]
    inline = [a["src"] for a in images if a.get("src")]
    assert len(inline) == 1 + len(comparison.panels)  # the slider's are set by script
    assert all(src.startswith("data:image/png;base64,") for src in inline)
    for tag, attrs in parser.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, attrs)
    assert not re.search(r"https?://", text)
    assert "Content-Security-Policy" in text
    assert "{{" not in text  # every template token filled
    # user text is escaped: the file name and a spec's name=
    assert "<i>jpeg</i>" not in text
    assert "&lt;i&gt;jpeg&lt;/i&gt;" in text
    assert "a&lt;b&gt;.png" in text
    # one panel per decode plus the original; the cnn one carries the mark
    figures = [a for t, a in parser.tags if t == "figure"]
    assert len(figures) == 1 + len(comparison.panels)
    synth = [a for a in figures if "synth" in (a.get("class") or "").split()]
    assert [a["data-label"] for a in synth] == ["srcodec avif x2 cnn"]
    assert text.count("bpp</span>") == len(comparison.panels)


def test_template_ships_with_the_package() -> None:
    assert "{{panels}}" in page.template()


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "srcodec", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_page(tmp_path: Path, image: Path) -> None:
    out = tmp_path / "page.html"
    result = run(
        "compare", str(image), "--out", str(out), "--codec", "jpeg:quality=5:95:10",
        "--target-bpp", "1.5", "--effort", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert "jpeg: " in result.stderr  # progress, one line per codec
    text = out.read_text(encoding="utf-8")
    assert "--target-bpp 1.5" in text
    assert text.count("<figure") == 3


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--codec", "jpeg:quality=5:95"], 2, "START:STOP:STEP"),
        (["--codec", "gif:quality=5"], 2, "unknown codec 'gif'"),
        (["--codec", "jpeg:quality=5/9", "--codec", "jpeg:quality=7"], 2, "share the name"),
        (["--target-bpp", "-1"], 2, "positive"),
        (["--target-bpp", "1", "--quality", "50"], 2, "exclusive"),
    ],
)
def test_cli_usage_errors(
    tmp_path: Path, image: Path, extra: list[str], code: int, message: str
) -> None:
    out = tmp_path / "page.html"
    result = run("compare", str(image), "--out", str(out), *extra)
    _one_line_error(result, code, message)
    assert list(tmp_path.iterdir()) == [image]  # nothing written, not even a temp file


def test_cli_bad_inputs(tmp_path: Path, image: Path) -> None:
    not_image = tmp_path / "x.png"
    not_image.write_bytes(b"not an image")
    out = tmp_path / "page.html"
    _one_line_error(run("compare", str(not_image), "--out", str(out)), 1, "not an image")
    # the files are at fault (exit 1), the command line is not (docs/guide.md, "Exit status")
    _one_line_error(run("compare", str(tmp_path / "nope.png"), "--out", str(out)), 1, "no such")
    _one_line_error(run("compare", str(image), "--out", str(tmp_path / "d" / "p.html")), 1, "d")
    _one_line_error(run("compare", str(image), "--out", str(image)), 2, "is the input")
    assert not out.exists()


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("srcodec: error: ")
    assert text in lines[0]
