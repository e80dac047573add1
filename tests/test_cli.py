"""End-to-end CLI tests through a subprocess: exit codes, one-line errors, no partial output."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "srcodec", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(synthetic(50, 30)).save(path)
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("srcodec: error: ")
    assert text in lines[0]
    assert "Traceback" not in result.stderr


def test_encode_decode_info(tmp_path: Path, image: Path) -> None:
    srz, out, lr = tmp_path / "a.srz", tmp_path / "a.png", tmp_path / "lr.png"
    enc = run(
        "encode", str(image), str(srz), "--base", "webp", "--quality", "40", "--scale", "2",
        "--upscaler", "bicubic",
    )  # fmt: skip
    assert enc.returncode == 0, enc.stderr
    assert "bpp" in enc.stdout
    dec = run("decode", str(srz), str(out), "--report")
    assert dec.returncode == 0, dec.stderr
    assert "LR consistency" in dec.stdout
    decoded = Image.open(out)
    assert decoded.size == (50, 30)
    assert "interpolated" in decoded.text["srcodec"]
    assert run("decode", str(srz), str(lr), "--lr-only").returncode == 0
    assert Image.open(lr).size == (25, 15)
    info = run("info", str(srz), "--json")
    assert '"base": "webp"' in info.stdout
    listing = run("info")
    assert "avif" in listing.stdout
    assert "bicubic" in listing.stdout


def test_corrupt_stream_exit_1_no_output(tmp_path: Path, image: Path) -> None:
    srz = tmp_path / "a.srz"
    assert run("encode", str(image), str(srz)).returncode == 0
    data = bytearray(srz.read_bytes())
    data[-3] ^= 0xFF
    bad = tmp_path / "bad.srz"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out.png"
    assert_one_line_error(run("decode", str(bad), str(out)), 1, "CRC-32 mismatch")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srz", "bad.srz", "in.png"]
    truncated = tmp_path / "t.srz"
    truncated.write_bytes(bytes(data[:40]))
    assert_one_line_error(run("decode", str(truncated), str(out)), 1, "remain")
    assert_one_line_error(run("info", str(image)), 1, "not an .srz stream")


def test_usage_errors_exit_2(tmp_path: Path, image: Path) -> None:
    out = tmp_path / "x.srz"
    assert_one_line_error(run("encode", str(image), str(out), "--quality", "300"), 2, "quality")
    assert_one_line_error(run("encode", str(image), str(out), "--base", "gif"), 2, "gif")
    assert_one_line_error(run("frobnicate"), 2, "invalid choice")
    assert not out.exists()


def test_missing_input_exit_1(tmp_path: Path) -> None:
    """The files, not the command line, are at fault: exit 1 (docs/guide.md, "Exit status")."""
    out = tmp_path / "x.srz"
    assert_one_line_error(run("encode", str(tmp_path / "nope.png"), str(out)), 1, "no such file")
    assert not out.exists()


def test_never_overwrites_input(tmp_path: Path, image: Path) -> None:
    before = image.read_bytes()
    assert_one_line_error(run("encode", str(image), str(image)), 2, "is the input")
    assert image.read_bytes() == before


def test_not_an_image_input(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"definitely not an image")
    assert_one_line_error(run("encode", str(junk), str(tmp_path / "o.srz")), 1, "Pillow")
    assert not (tmp_path / "o.srz").exists()


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True,
    reason="root ignores directory permissions",
)
def test_read_only_directory(tmp_path: Path, image: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run("encode", str(image), str(locked / "a.srz"))
        assert_one_line_error(result, 1, "ermission denied")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_write_failure_leaves_nothing(tmp_path: Path, image: Path) -> None:
    """An output path whose parent is a file cannot be written: one line, exit 1, no debris."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_error(
        run("encode", str(image), str(blocker / "a.srz")), 1, "is a file, not a folder"
    )


def test_demo(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    for word in ("bytes", "bpp", "PSNR", "sample.srz"):
        assert word in result.stdout
    assert np.asarray(Image.open(tmp_path / "demo" / "sample-decoded.png")).shape == (192, 256, 3)


def test_info_does_not_import_torch(tmp_path: Path, image: Path) -> None:
    srz = tmp_path / "a.srz"
    assert run("encode", str(image), str(srz)).returncode == 0
    code = (
        "import sys; from srcodec.cli import main; rc = main(['info', sys.argv[1]]); "
        "sys.exit(3 if 'torch' in sys.modules else rc)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(srz)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("errno_", "text"), [(13, "Permission denied"), (28, "No space left on device")]
)
def test_os_errors_while_writing(
    tmp_path: Path, image: Path, monkeypatch: pytest.MonkeyPatch, capsys, errno_: int, text: str
) -> None:
    """Permission and disk-full errors (simulated: as root, chmod does not stop writes)."""
    from srcodec import cli, image_io

    def failing_write(f) -> None:
        raise OSError(errno_, os.strerror(errno_))

    real = image_io.write_atomic
    monkeypatch.setattr(image_io, "write_atomic", lambda path, write: real(path, failing_write))
    out = tmp_path / "a.srz"
    assert cli.main(["encode", str(image), str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert text in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]  # no temp file left


def test_max_pixels_limit(tmp_path: Path, image: Path) -> None:
    srz = tmp_path / "a.srz"
    assert run("encode", str(image), str(srz)).returncode == 0
    assert_one_line_error(
        run("info", str(srz), "--max-pixels", "1000"), 1, "over the limit of 1,000"
    )
    out = tmp_path / "o.png"
    assert_one_line_error(run("decode", str(srz), str(out), "--max-pixels", "1000"), 1, "limit")
    assert not out.exists()
    assert run("info", str(srz), "--max-pixels", "1500").returncode == 0


def test_stdin_and_stdout(tmp_path: Path) -> None:
    import io as _io

    src = tmp_path / "in.png"
    Image.fromarray(synthetic(40, 32)).save(src)
    enc = subprocess.run(
        [sys.executable, "-m", "srcodec", "encode", "-", "-", "--base", "png"],
        input=src.read_bytes(),
        capture_output=True,
        check=True,
    )
    assert enc.stdout[:3] == b"\x89SZ"
    assert b"bytes" in enc.stderr  # the status line moves to stderr
    dec = subprocess.run(
        [sys.executable, "-m", "srcodec", "decode", "-", "-"],
        input=enc.stdout,
        capture_output=True,
        check=True,
    )
    with Image.open(_io.BytesIO(dec.stdout)) as img:
        assert img.size == (40, 32)
        assert "srcodec" in img.info
    info = subprocess.run(
        [sys.executable, "-m", "srcodec", "info", "-", "--json"],
        input=enc.stdout,
        capture_output=True,
        check=True,
    )
    assert '"base": "png"' in info.stdout.decode()
    folder = subprocess.run(
        [sys.executable, "-m", "srcodec", "encode", str(tmp_path), "x.srz"], capture_output=True
    )
    assert folder.returncode == 1
    assert b"is a folder" in folder.stderr


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["encode", "IN", "OUT", "--base", "png", "--quality", "30"], b"lossless"),
        (["decode", "STREAM", "OUT", "--lr-only", "--report"], b"not with --lr-only"),
        (["decode", "STREAM", "OUT", "--device", "banana"], b"device must be"),
    ],
)
def test_options_that_would_be_ignored_are_errors(
    tmp_path: Path, extra: list[str], match: bytes
) -> None:
    src = tmp_path / "in.png"
    Image.fromarray(synthetic(24, 16)).save(src)
    stream = tmp_path / "s.srz"
    stream.write_bytes(__import__("srcodec").encode(synthetic(24, 16), base="png", scale=2))
    names = {"IN": str(src), "OUT": str(tmp_path / "out.x"), "STREAM": str(stream)}
    args = [names.get(a, a) for a in extra]
    res = subprocess.run([sys.executable, "-m", "srcodec", *args], capture_output=True)
    assert res.returncode == 2
    assert match in res.stderr
    assert not (tmp_path / "out.x").exists()


def test_encode_target_ssimulacra2_and_metric_flags(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    Image.fromarray(synthetic(96, 64)).save(src)
    out = tmp_path / "out.srz"
    result = run("encode", str(src), str(out), "--target-ssimulacra2", "60", "--explain")
    assert result.returncode == 0, result.stderr
    assert "ssimulacra2 >= 60" in result.stdout + result.stderr
    bad = run("encode", str(src), str(tmp_path / "x.srz"), "--target-ssimulacra2", "120")
    assert_one_line_error(bad, 2, "target-ssimulacra2")
    assert not (tmp_path / "x.srz").exists()
    psnr = run("encode", str(src), str(tmp_path / "p.srz"), "--metric", "psnr", "--explain")
    assert psnr.returncode == 0, psnr.stderr
    assert "psnr of plain AVIF q60" in psnr.stdout + psnr.stderr
