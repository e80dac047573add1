"""`srcodec rd --html`: report.html renders bd.md's tables and inlines the plots."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from conftest import synthetic
from PIL import Image

from srcodec.rd.html_report import markdown_to_html
from srcodec.rd.metrics import BD_METRICS

if TYPE_CHECKING:
    from pathlib import Path

SPECS = ("jpeg:quality=10/40/70/90", "webp:quality=10/40/70/90,name=<webp>")


def test_markdown_subset() -> None:
    text = (
        "# Title & co\n\n## PSNR\n\n| curve | BD |\n|---|---|\n| a<b | -1.5 % |\n| c | anchor |\n"
        "\nSome\nnotes.\n"
    )
    out = markdown_to_html(text)
    assert "<h1>Title &amp; co</h1>" in out
    assert "<h2>PSNR</h2>" in out
    assert "<th>curve</th><th>BD</th>" in out
    assert '<td>a&lt;b</td><td class="num">-1.5 %</td>' in out
    assert out.count("<tr>") == 3
    assert "<p>Some notes.</p>" in out


@pytest.fixture(scope="module")
def rd_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("matplotlib", reason="the rd extra (matplotlib) is not installed")
    from srcodec.rd import run_rd

    data = tmp_path_factory.mktemp("ds")
    for seed in (1, 2):
        Image.fromarray(synthetic(64, 48, seed=seed)).save(data / f"img{seed}.png")
    out = tmp_path_factory.mktemp("rd")
    run_rd(data, out, SPECS, html=True)
    return out


def test_rd_writes_a_self_contained_report(rd_out: Path) -> None:
    text = (rd_out / "report.html").read_text(encoding="utf-8")
    bd = (rd_out / "bd.md").read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == len(BD_METRICS)  # one plot each
    assert not re.search(r"(src|href)=\"(?!data:)", text)
    # every table of bd.md is an HTML table with as many rows
    assert text.count("<table>") == bd.count("\n|---")
    assert text.count("<tr>") == sum(
        1 for line in bd.splitlines() if line.startswith("|") and not line.startswith("|---")
    )
    assert "<td>&lt;webp&gt;</td>" in text  # curve names are escaped
    assert "<webp>" not in text


def test_rd_cli_html_flag(tmp_path: Path) -> None:
    data = tmp_path / "ds"
    data.mkdir()
    Image.fromarray(synthetic(64, 48)).save(data / "a.png")
    out = tmp_path / "out"
    args = ["rd", str(data), "--out", str(out), "--codec", "jpeg:quality=20/60", "--html"]
    result = subprocess.run(
        [sys.executable, "-m", "srcodec", *args, "--jobs", "1"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "<table>" in (out / "report.html").read_text(encoding="utf-8")


def test_no_report_unless_asked(tmp_path: Path) -> None:
    from srcodec.rd import run_rd

    Image.fromarray(synthetic(64, 48)).save(tmp_path / "a.png")
    run_rd(tmp_path, tmp_path / "out", ["jpeg:quality=50"], plots=False)
    assert (tmp_path / "out" / "bd.md").is_file()
    assert not (tmp_path / "out" / "report.html").exists()


def test_rd_scores_ssimulacra2_first_and_butteraugli_where_installed(rd_out: Path) -> None:
    import csv
    import json

    from srcodec.metrics import butteraugli

    bd = (rd_out / "bd.md").read_text(encoding="utf-8")
    sections = [line for line in bd.splitlines() if line.startswith("## ")]
    assert sections[0] == "## SSIMULACRA 2"
    assert "BD-SSIMULACRA2 vs" in bd
    assert (rd_out / "ssimulacra2_bpp.png").exists()
    curve = json.loads(next(rd_out.glob("*.json")).read_text(encoding="utf-8"))
    assert all(-100 < v <= 100 for v in curve["results"]["ssimulacra2"])
    with (rd_out / "rows.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert all(row["ssimulacra2"] for row in rows)
    installed = butteraugli.missing() is None
    assert all(bool(row["butteraugli-3norm"]) == installed for row in rows)
    assert ("butteraugli-3norm" in curve["results"]) == installed
