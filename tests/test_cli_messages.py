"""What the CLI prints: flags rather than Python keywords, lists in natural order, file
names escaped and named, progress bars only on a terminal, one line for a worker's error,
and batch's count of what it left alone."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from conftest import synthetic
from PIL import Image

import srcodec
from srcodec.batch.runner import run_batch
from srcodec.batch.settings import Settings
from srcodec.cli import status
from srcodec.errors import NotSrzError, SrcodecError, UsageError
from srcodec.printable import printable
from srcodec.rd import spec as rd_spec
from srcodec.rd import sweep

if TYPE_CHECKING:
    from pathlib import Path


def _srcodec(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "srcodec", *argv], capture_output=True, text=True, cwd=cwd
    )


def _png(path: Path, w: int = 32, h: int = 24) -> Path:
    Image.fromarray(synthetic(w, h)).save(path)
    return path


def test_messages_name_flags_not_keywords(tmp_path: Path) -> None:
    src = _png(tmp_path / "a.png")
    res = _srcodec(
        "encode", str(src), str(tmp_path / "a.srz"), "--target-psnr", "30", "--quality", "5"
    )
    assert res.returncode == 2
    assert "--target-psnr and --quality" in res.stderr
    assert "target_psnr" not in res.stderr


def test_choice_lists_count_like_people() -> None:
    with pytest.raises(UsageError, match="0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, got 11"):
        srcodec.encode(synthetic(16, 16), base="avif", options={"speed": 11})


def test_report_at_scale_1_does_not_say_downsampled(tmp_path: Path) -> None:
    stream = tmp_path / "a.srz"
    stream.write_bytes(srcodec.encode(synthetic(32, 24), base="png", upscaler="bicubic"))
    res = _srcodec("decode", str(stream), str(tmp_path / "a.png"), "--report")
    assert res.returncode == 0, res.stderr
    assert "LR consistency" in res.stdout
    assert "downsampled" not in res.stdout


def test_a_file_name_cannot_forge_a_line(tmp_path: Path) -> None:
    stream = tmp_path / "a.srz"
    stream.write_bytes(srcodec.encode(synthetic(16, 16), base="png"))
    forged = tmp_path / "x\nsrcodec: error: forged.png"
    res = _srcodec("decode", str(stream), str(forged))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("\n") == 1
    assert "x\\nsrcodec: error: forged.png" in res.stdout
    assert printable("a\x1b[2Jb\u2028c") == "a\\x1b[2Jb\\u2028c"
    assert printable(b"\xff.png") == "\\xff.png"
    assert printable("é ü.png") == "é ü.png"


def test_not_an_srz_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"hello, not a stream")
    for command in ("decode", "info"):
        args = [command, str(bad)] + ([str(tmp_path / "o.png")] if command == "decode" else [])
        res = _srcodec(*args)
        assert res.returncode == 1
        assert res.stderr.startswith(f"srcodec: error: {bad}: not an .srz stream"), res.stderr


def test_write_errors_without_a_file_name_name_the_output() -> None:
    with (
        pytest.raises(OSError, match="No space") as caught,
        status.naming_files("in.srz", "out.png"),
    ):
        raise OSError(28, "No space left on device")
    assert caught.value.filename == "out.png"
    with pytest.raises(NotSrzError, match=r"^standard input: not"), status.naming_files("-"):
        _not_srz()


def _not_srz() -> None:
    msg = "not an .srz stream"
    raise NotSrzError(msg)


def test_progress_bars_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not status.shows_progress(argparse.Namespace(quiet=False))
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert status.shows_progress(argparse.Namespace(quiet=False))
    assert not status.shows_progress(argparse.Namespace(quiet=True))


def _stop(*_args: object) -> dict:
    raise StopIteration  # what a worker raised in the field: a bare generator end


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_measurement_error_is_one_line(
    jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    images = [_png(tmp_path / f"{i}.png", 16, 16) for i in range(2)]
    monkeypatch.setattr(sweep, "measure", _stop)  # spawned workers import it from here
    spec = rd_spec.parse("jpeg:quality=50")
    with pytest.raises(SrcodecError, match=r"^[01]\.png, jpeg quality 50: StopIteration$"):
        sweep.run(images, [spec], tmp_path / "cache", jobs=jobs, progress=False)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_batch_counts_hidden_files_and_symlinks(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    _png(src / "a.png")
    _png(src / ".hidden.png")
    (src / "sub" / "link.png").symlink_to(src / "a.png")
    (src / "folder-link").symlink_to(src / "sub")
    settings = Settings("encode", encode={"base": "png", "upscaler": "bicubic"})
    summary = run_batch(str(src), str(tmp_path / "dst"), settings, jobs=1)
    assert (summary.files, summary.done, summary.other, summary.hidden) == (1, 1, 0, 3)
    from srcodec.cli.batch import summary_lines

    assert any("3 hidden files and symlinks" in line for line in summary_lines(summary, "d"))
