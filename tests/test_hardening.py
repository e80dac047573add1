"""Hardening, rounds 2 and 3: destinations checked before work, misleading extensions
refused, animations and oversized inputs refused clearly, nothing dropped in silence;
outputs written through devices, FIFOs and links, never renamed over them; every
terminating signal cleans up like Ctrl-C."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image
from test_cli import assert_one_line_error, run

import srcodec
from srcodec import cli, image_io
from srcodec.errors import LimitError, LossWarning, UsageError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(synthetic(50, 30)).save(path)
    return path


def test_destination_checked_before_encoding(tmp_path: Path, image: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    # the filesystem refuses these (exit 1); the extension is the command line's fault (2)
    assert_one_line_error(run("encode", str(image), str(folder)), 1, "is a folder")
    not_a_folder = tmp_path / "notimage.txt"
    not_a_folder.write_text("x")
    result = run("encode", str(image), str(not_a_folder / "x.srz"))
    assert_one_line_error(result, 1, "notimage.txt is a file, not a folder")
    result = run("encode", str(image), str(tmp_path / "looks_like.png"))
    assert_one_line_error(result, 2, "name it .srz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "notimage.txt", "out"]


def test_decode_refuses_srz_extension_and_names_user_paths(tmp_path: Path, image: Path) -> None:
    srz = tmp_path / "a.srz"
    srz.write_bytes(srcodec.encode(image, base="png"))
    assert_one_line_error(run("decode", str(srz), str(tmp_path / "b.srz")), 2, "name it .png")
    missing = tmp_path / "no" / "x.png"
    assert_one_line_error(run("decode", str(srz), str(missing)), 1, "does not exist")


def test_animation_refused_unless_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (40, 32), (60 * i, 10, 10)) for i in range(3)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    out = tmp_path / "a.srz"
    assert_one_line_error(run("encode", str(gif), str(out)), 2, "animated (3 frames)")
    assert not out.exists()
    ok = run("encode", "--first-frame", str(gif), str(out))
    assert ok.returncode == 0, ok.stderr
    assert "srcodec: warning: " in ok.stderr
    assert "frame 0 of 3" in ok.stderr
    with pytest.raises(UsageError, match="animated"):
        srcodec.encode(gif)


def test_input_pixel_limit(tmp_path: Path, image: Path) -> None:
    result = run("encode", "--max-pixels", "1000", str(image), str(tmp_path / "a.srz"))
    assert_one_line_error(result, 1, "raise it with --max-pixels")
    with pytest.raises(LimitError, match="1,500 pixels is over the limit"):
        srcodec.encode(image, max_pixels=1000)


def test_tiny_images_are_coded_losslessly_and_claim_nothing(tmp_path: Path) -> None:
    data = srcodec.encode(np.full((1, 1, 3), 77, np.uint8))
    info = srcodec.info(data)
    assert info["base"] == "png"
    assert info["file_bytes"] < 120
    img, report = srcodec.decode_with_report(data)
    assert np.asarray(img).tolist() == [[[77, 77, 77]]]
    assert not report.synthesized
    assert report.provenance == "transmitted at full resolution"


def test_restore_at_scale_1_is_not_called_synthesis() -> None:
    data = srcodec.encode(synthetic(64, 48), base="avif", quality=40, upscaler="restore")
    _, report = srcodec.decode_with_report(data)
    assert not report.synthesized
    assert report.provenance.startswith("restored by the learned filter restore")


@pytest.mark.parametrize(
    ("suffix", "kept"),
    [(".jpg", "xmp"), (".webp", "xmp"), (".avif", "xmp"), (".tif", "tiff"), (".gif", "comment")],
)
def test_provenance_kept_in_every_format_with_a_text_field(
    tmp_path: Path, suffix: str, kept: str
) -> None:
    img = Image.fromarray(synthetic(32, 24))
    path = tmp_path / f"o{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossWarning)
        image_io.save_image(img, path, text={"srcodec": "synthesized <by> the upscaler & co"})
    back = Image.open(path)
    if kept == "xmp":
        assert b"synthesized &lt;by&gt; the upscaler &amp; co" in back.info["xmp"]
    elif kept == "tiff":
        assert "synthesized <by> the upscaler & co" in back.tag_v2[270]
    else:
        assert b"synthesized <by>" in back.info["comment"]


def test_losses_are_warned(tmp_path: Path) -> None:
    rgba = Image.fromarray(np.dstack([synthetic(32, 24), np.full((24, 32), 128, np.uint8)]))
    rgba.info["icc_profile"] = b"not really a profile"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", LossWarning)
        image_io.save_image(rgba, tmp_path / "o.jpg", text={"srcodec": "x"})
        image_io.save_image(rgba.convert("RGB"), tmp_path / "o.bmp", text={"srcodec": "x"})
    assert all(issubclass(w.category, LossWarning) for w in seen)
    text = " | ".join(str(w.message) for w in seen)
    assert "JPEG cannot hold the alpha channel" in text
    assert "BMP cannot hold the ICC colour profile" in text
    assert "BMP cannot hold the provenance statement" in text


def test_info_prints_values_not_reprs(tmp_path: Path, image: Path) -> None:
    srz = tmp_path / "a.srz"
    srz.write_bytes(srcodec.encode(image, base="webp", quality=50))
    out = run("info", str(srz)).stdout
    assert "{" not in out
    assert "chunk_bytes     B " in out
    bpp = next(line for line in out.splitlines() if line.startswith("bpp"))
    assert len(bpp.split()[1].split(".")[1]) == 4


def test_rd_skips_unreadable_images(tmp_path: Path) -> None:
    from srcodec.rd.runner import run_rd

    data = tmp_path / "set"
    data.mkdir()
    Image.fromarray(synthetic(48, 32)).save(data / "good.png")
    (data / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    outcome = run_rd(data, tmp_path / "out", ["jpeg:quality=50/70"], plots=False)
    assert [p.name for p, _ in outcome.skipped] == ["broken.png"]
    assert {c.name for c in outcome.curves} >= {"jpeg"}


def test_every_cli_option_has_help() -> None:
    import argparse

    from srcodec.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix}{name} ")
            elif not action.help and not isinstance(action, argparse._HelpAction):
                missing.append(prefix + "/".join(action.option_strings or [action.dest]))

    walk(build_parser(), "")
    assert missing == []


def test_several_inputs_point_to_batch(tmp_path: Path, image: Path) -> None:
    result = run("encode", "--strip", str(image), str(image), str(tmp_path / "a.srz"))
    assert_one_line_error(result, 2, "srcodec batch SRC_DIR DST_DIR --encode")
    assert_one_line_error(run("decode", "a.srz", "b.srz", "c.png"), 2, "got 3 paths")


# ---------------------------------------------------------------- special outputs


@pytest.fixture
def stream(tmp_path: Path) -> Path:
    path = tmp_path / "a.srz"
    path.write_bytes(srcodec.encode(synthetic(40, 24), base="png"))
    return path


def test_character_device_output_is_written_through(tmp_path: Path, stream: Path) -> None:
    """`decode a.srz /dev/null` as root once replaced the device by a regular file; tested
    on a copy of /dev/null made in the test's folder, never on the real one."""
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("mknod needs root (CAP_MKNOD) on Linux")
    assert cli.main(["decode", "-q", str(stream), str(null)]) == 0
    Image.fromarray(synthetic(40, 24)).save(tmp_path / "in.png")
    assert cli.main(["encode", "-q", "--base", "png", str(tmp_path / "in.png"), str(null)]) == 0
    assert stat.S_ISCHR(null.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srz", "in.png", "null"]


def test_fifo_output_gets_the_image(tmp_path: Path, stream: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert cli.main(["decode", "-q", str(stream), str(fifo)]) == 0
    reader.join(timeout=30)
    assert len(received) == 1
    assert received[0].startswith(b"\x89PNG")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_symlink_output_writes_its_target(tmp_path: Path, stream: Path) -> None:
    target = tmp_path / "elsewhere" / "real.png"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "elsewhere" / "new.png")
    assert cli.main(["decode", "-q", str(stream), str(link)]) == 0
    assert cli.main(["decode", "-q", str(stream), str(dangling)]) == 0
    assert link.is_symlink()
    assert dangling.is_symlink()
    assert Image.open(target).size == (40, 24)
    assert Image.open(tmp_path / "elsewhere" / "new.png").size == (40, 24)
    assert sorted(p.name for p in target.parent.iterdir()) == ["new.png", "real.png"]


# ---------------------------------------------------------------- signals

# decodes through the streamed PNG writer (threshold 0) and stops in its first write,
# saying so on stdout, until a signal comes
_SLOW_DECODE = """
import sys, time
from srcodec import cli, decoder, png_writer

decoder.STREAM_ABOVE = 0
real_write = png_writer.PngWriter.write

def slow_write(self, rows):
    print("writing", flush=True)
    time.sleep(60)
    real_write(self, rows)

png_writer.PngWriter.write = slow_write
sys.exit(cli.main(["decode", "-q", sys.argv[1], sys.argv[2]]))
"""


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"]
)
def test_terminating_signals_leave_no_temp_file(
    tmp_path: Path, stream: Path, signum: signal.Signals
) -> None:
    out = tmp_path / "out.png"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_DECODE, str(stream), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "writing\n"
        assert [p.name for p in tmp_path.glob(".out.png.*.tmp")]  # the write is under way
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("srcodec: error: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srz"]  # no output, no temp file
