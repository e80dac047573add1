from __future__ import annotations

import csv
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

from srcodec import metrics
from srcodec.errors import UsageError
from srcodec.rd import reference, sweep
from srcodec.rd.runner import run_rd
from srcodec.rd.spec import parse

if TYPE_CHECKING:
    from pathlib import Path

SPECS = ["jpeg:quality=30/70", "srcodec:base=jpeg,scale=2,upscaler=bicubic,quality=30/70"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def tiny_set(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    Image.fromarray(synthetic(64, 48, seed=1)).save(folder / "a.png")
    y, x = np.mgrid[0:48, 0:64]
    gradient = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).clip(0, 255).astype(np.uint8)
    Image.fromarray(gradient).save(folder / "b.png")
    (folder / "notes.txt").write_text("not an image")
    return folder


def _reference_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "ref"
    folder.mkdir()
    data = {
        "name": "JPEG",
        "description": "JPEG. Pillow version 7.1.2",
        "results": {"bpp": [1.0, 2.0, 4.0], "psnr-rgb": [25.0, 30.0, 35.0]},
    }
    (folder / "jpeg.json").write_text(json.dumps(data))
    return folder


def test_tiny_sweep_writes_json_csv_plots_and_bd(tiny_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run_rd(tiny_set, out, SPECS, reference=_reference_dir(tmp_path))
    assert (outcome.computed, outcome.cached) == (8, 0)  # 2 images x 2 codecs x 2 qualities

    data = json.loads((out / "jpeg.json").read_text())
    assert data["name"] == "jpeg"
    assert "Pillow" in data["description"]
    assert data["quality"] == [30, 70]
    results = data["results"]
    for key in ("bpp", "psnr-rgb", "psnr-y", "ms-ssim-rgb", "encoding_time", "decoding_time"):
        assert len(results[key]) == 2
    assert results["bpp"][0] < results["bpp"][1]
    assert results["psnr-rgb"][0] < results["psnr-rgb"][1]
    assert results["ms-ssim-rgb"] == [None, None]  # 64x48 is below MS-SSIM's 161 px minimum
    assert len(data["per_image"]) == 4
    # the point is the mean of per-image PSNRs, as CompressAI averages
    first = [r["psnr-rgb"] for r in data["per_image"] if r["quality"] == 30]
    assert results["psnr-rgb"][0] == pytest.approx(sum(first) / 2)
    assert reference.load_file(out / "jpeg.json").series("bpp") == results["bpp"]

    sr = json.loads((out / "srcodec-jpeg-x2-bicubic.json").read_text())
    assert sr["name"] == "srcodec jpeg x2 bicubic"
    # bpp counts the whole .srz file against the full-resolution pixel count
    row = sr["per_image"][0]
    assert row["bpp"] == pytest.approx(row["bytes"] * 8 / (64 * 48))

    with (out / "rows.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    assert {r["codec"] for r in rows} == {"jpeg", "srcodec jpeg x2 bicubic"}
    for name in ("psnr_bpp.png", "msssim_bpp.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    bd = (out / "bd.md").read_text()
    assert "| jpeg |" in bd
    assert "JPEG (published)" in bd
    assert "## MS-SSIM" in bd


def test_second_run_hits_the_cache_and_extension_is_incremental(
    tiny_set: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = run_rd(tiny_set, out, ["jpeg:quality=30/70"], plots=False)
    again = run_rd(tiny_set, out, ["jpeg:quality=30/70,name=renamed"], plots=False)
    assert (first.computed, again.computed, again.cached) == (4, 0, 4)
    assert (
        json.loads((out / "renamed.json").read_text())["results"]
        == json.loads((out / "jpeg.json").read_text())["results"]
    )
    wider = run_rd(tiny_set, out, ["jpeg:quality=30/50/70"], plots=False)
    assert (wider.computed, wider.cached) == (2, 4)
    limited = run_rd(tiny_set, out, ["jpeg:quality=30/50/70"], limit=1, plots=False)
    assert (limited.computed, limited.cached) == (0, 3)


def test_process_pool_gives_the_same_rows(tiny_set: Path, tmp_path: Path) -> None:
    images = sweep.list_images(tiny_set)
    spec = parse("jpeg:quality=50/60")
    serial = sweep.run(images, [spec], tmp_path / "c1", jobs=1, progress=False)
    pooled = sweep.run(images, [spec], tmp_path / "c2", jobs=2, progress=False)
    drop = ("encoding_time", "decoding_time")

    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in drop} for r in rows]

    assert json.dumps(strip(serial.rows)) == json.dumps(strip(pooled.rows))  # NaN-safe
    assert pooled.computed == 4


def test_float32_ms_ssim_matches_float64() -> None:
    import torch
    from pytorch_msssim import ms_ssim

    a = synthetic(162, 162, seed=2)
    b = np.clip(a.astype(int) + np.random.default_rng(3).integers(-12, 12, a.shape), 0, 255)
    b = b.astype(np.uint8)

    def tensor(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(2, 0, 1)[None].double()

    reference = float(ms_ssim(tensor(a), tensor(b), data_range=255.0))
    assert metrics.ms_ssim(a, b) == pytest.approx(reference, abs=1e-5)
    assert np.isnan(metrics.ms_ssim(a[:100], b[:100]))


def test_usage_errors(tiny_set: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        run_rd(tmp_path / "missing", tmp_path / "out", SPECS)
    with pytest.raises(UsageError, match="share the name"):
        run_rd(tiny_set, tmp_path / "out", ["jpeg:quality=50", "jpeg:quality=60"])
    with pytest.raises(UsageError, match="--anchor 'vtm' matches no curve"):
        run_rd(tiny_set, tmp_path / "out", SPECS, anchor="vtm")
    with pytest.raises(UsageError, match="at least 1"):
        run_rd(tiny_set, tmp_path / "out", SPECS, limit=0)


def test_cli_rd_subprocess(tiny_set: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-out"
    base = [sys.executable, "-m", "srcodec", "rd", str(tiny_set), "--out", str(out), "--jobs", "1"]
    cmd = list(base)
    for spec in SPECS:
        cmd += ["--codec", spec]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "8 rows measured, 0 from cache" in done.stdout
    names = {p.name for p in out.iterdir()}
    assert {"jpeg.json", "srcodec-jpeg-x2-bicubic.json", "rows.csv", "bd.md"} <= names
    assert {"psnr_bpp.png", "msssim_bpp.png"} <= names

    bad = subprocess.run(
        [*base, "--codec", "jpeg:qualty=50"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("srcodec: error: codec spec 'jpeg:qualty=50'")
    assert len(bad.stderr.strip().splitlines()) == 1
