"""Every command x every kind of failure -> the exit status of docs/guide.md's table and
one `srcodec: error:` line: 1 when the files are at fault (missing, unreadable, a folder,
empty, not an image, a corrupt stream, an output that cannot be written), 2 when the
command line is (a bad flag value, an unknown flag, options that contradict each other)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from conftest import synthetic
from PIL import Image

import srcodec
from srcodec import cli

# /proc/self/mem opens but its first page cannot be read (EIO), even for root, who reads
# any file whatever its mode bits
UNREADABLE = "/proc/self/mem"
# writes refused whoever asks: a path under a file, and sysfs, which creates no files
UNDER_A_FILE = "/proc/version/out"
READ_ONLY_DIR = "/sys"

FILES_AT_FAULT, USAGE = 1, 2

# (command line, standard input or None, status, text the error line holds or "")
# {tmp} is the test's folder; {img} a PNG, {srz} a valid stream, {jpg} a JPEG, {junk} bytes
# that are not an image, {empty} an empty file, {corrupt} a truncated stream, {dir} a folder
CASES: dict[str, tuple[str, bytes | None, int, str]] = {
    # encode
    "encode missing input": ("encode {tmp}/nope.png {tmp}/o.srz", None, 1, "no such file"),
    "encode unreadable input": (f"encode {UNREADABLE} {{tmp}}/o.srz", None, 1, "mem"),
    "encode folder input": ("encode {dir} {tmp}/o.srz", None, 1, "is a folder"),
    "encode empty file": ("encode {empty} {tmp}/o.srz", None, 1, "not an image"),
    "encode empty stdin": ("encode - {tmp}/o.srz", b"", 1, "standard input is empty"),
    "encode non-image file": ("encode {junk} {tmp}/o.srz", None, 1, "not an image"),
    "encode non-image stdin": ("encode - {tmp}/o.srz", b"junk", 1, "not an image"),
    "encode corrupt .srz as input": ("encode {corrupt} {tmp}/o.srz", None, 1, "corrupt.srz"),
    "encode output folder missing": ("encode {img} {tmp}/no/o.srz", None, 1, "does not exist"),
    "encode output under a file": (f"encode {{img}} {UNDER_A_FILE}.srz", None, 1, "not a folder"),
    "encode output read-only": (f"encode {{img}} {READ_ONLY_DIR}/o.srz", None, 1, "o.srz"),
    "encode output is a folder": ("encode {img} {dir}", None, 1, "is a folder"),
    "encode output is the input": ("encode {img} {img}", None, 2, "is the input"),
    "encode output extension": ("encode {img} {tmp}/o.png", None, 2, "name it .srz"),
    "encode bad flag value": ("encode {img} {tmp}/o.srz --quality 300", None, 2, "quality"),
    "encode unknown flag": ("encode {img} {tmp}/o.srz --frobnicate", None, 2, "frobnicate"),
    # decode
    "decode missing input": ("decode {tmp}/nope.srz {tmp}/o.png", None, 1, "no such file"),
    "decode unreadable input": (f"decode {UNREADABLE} {{tmp}}/o.png", None, 1, "mem"),
    "decode folder input": ("decode {dir} {tmp}/o.png", None, 1, "is a folder"),
    "decode empty file": ("decode {empty} {tmp}/o.png", None, 1, "not an .srz"),
    "decode empty stdin": ("decode - {tmp}/o.png", b"", 1, "standard input is empty"),
    "decode non-image file": ("decode {junk} {tmp}/o.png", None, 1, "not an .srz"),
    "decode non-image stdin": ("decode - {tmp}/o.png", b"junk", 1, "not an .srz"),
    "decode corrupt stream": ("decode {corrupt} {tmp}/o.png", None, 1, "truncated"),
    "decode output folder missing": ("decode {srz} {tmp}/no/o.png", None, 1, "does not exist"),
    "decode output under a file": (f"decode {{srz}} {UNDER_A_FILE}.png", None, 1, "not a folder"),
    "decode output read-only": (f"decode {{srz}} {READ_ONLY_DIR}/o.png", None, 1, "o.png"),
    "decode output extension": ("decode {srz} {tmp}/o.srz", None, 2, "name it .png"),
    "decode bad flag value": ("decode {srz} {tmp}/o.png --max-pixels 0", None, 2, "max-pixels"),
    "decode conflicting flags": ("decode {srz} {tmp}/o.png --lr-only --report", None, 2, "lr-only"),
    # info
    "info missing input": ("info {tmp}/nope.srz", None, 1, "no such file"),
    "info unreadable input": (f"info {UNREADABLE}", None, 1, "mem"),
    "info folder input": ("info {dir}", None, 1, "is a folder"),
    "info empty file": ("info {empty}", None, 1, "not an .srz"),
    "info empty stdin": ("info -", b"", 1, "standard input is empty"),
    "info non-image file": ("info {junk}", None, 1, "not an .srz"),
    "info non-image stdin": ("info -", b"junk", 1, "not an .srz"),
    "info corrupt stream": ("info {corrupt}", None, 1, "truncated"),
    "info bad flag value": ("info {srz} --max-pixels lots", None, 2, "max-pixels"),
    # enhance
    "enhance missing input": ("enhance {tmp}/nope.jpg {tmp}/o.png", None, 1, "no such file"),
    "enhance unreadable input": (f"enhance {UNREADABLE} {{tmp}}/o.png", None, 1, "mem"),
    "enhance folder input": ("enhance {dir} {tmp}/o.png", None, 1, "is a folder"),
    "enhance empty file": ("enhance {empty} {tmp}/o.png", None, 1, "image"),
    "enhance non-image file": ("enhance {junk} {tmp}/o.png", None, 1, "image"),
    "enhance .srz input": ("enhance {srz} {tmp}/o.png", None, 1, ""),
    "enhance PNG input": ("enhance {img} {tmp}/o.png", None, 1, "JPEG, WebP or AVIF"),
    "enhance output folder missing": ("enhance {jpg} {tmp}/no/o.png", None, 1, "does not exist"),
    "enhance output under a file": (f"enhance {{jpg}} {UNDER_A_FILE}.png", None, 1, "not a folder"),
    "enhance bad flag value": ("enhance {jpg} {tmp}/o.png --tool nope", None, 2, "--tool"),
    # compare
    "compare missing input": ("compare {tmp}/nope.png --out {tmp}/p.html", None, 1, "no such"),
    "compare unreadable input": (f"compare {UNREADABLE} --out {{tmp}}/p.html", None, 1, "mem"),
    "compare folder input": ("compare {dir} --out {tmp}/p.html", None, 1, "is a folder"),
    "compare empty file": ("compare {empty} --out {tmp}/p.html", None, 1, "not an image"),
    "compare non-image file": ("compare {junk} --out {tmp}/p.html", None, 1, "not an image"),
    "compare output folder missing": ("compare {img} --out {tmp}/no/p.html", None, 1, "no"),
    "compare output is a folder": ("compare {img} --out {dir}", None, 1, "is a folder"),
    "compare bad flag value": ("compare {img} --out {tmp}/p.html --target-bpp -1", None, 2, "bpp"),
    # batch
    "batch missing SRC": ("batch {tmp}/nope {tmp}/out", None, 1, "no such folder"),
    "batch SRC is a file": ("batch {img} {tmp}/out", None, 1, "not a folder"),
    "batch DST is a file": ("batch {dir} {img}", None, 1, "DST is a file"),
    "batch DST under a file": (f"batch {{dir}} {UNDER_A_FILE}", None, 1, "out"),
    "batch DST inside SRC": ("batch {dir} {dir}/out", None, 2, "inside SRC"),
    "batch bad flag value": ("batch {dir} {tmp}/out --jobs 0", None, 2, "jobs"),
    "batch conflicting flags": ("batch {dir} {tmp}/out --decode --quality 5", None, 2, "quality"),
    # rd
    "rd missing dataset": ("rd {tmp}/nope --out {tmp}/r", None, 1, "not a folder"),
    "rd dataset is a file": ("rd {img} --out {tmp}/r", None, 1, "not a folder"),
    "rd bad flag value": ("rd {dir} --out {tmp}/r --jobs 0", None, 2, "jobs"),
    # demo
    "demo output under a file": (f"demo --out {UNDER_A_FILE}", None, 1, "version"),
    "demo output is a file": ("demo --out {img}", None, 1, "in.png"),
    "demo unknown flag": ("demo --frobnicate", None, 2, "frobnicate"),
}

# messages that still carry a Python repr until the messages of issue 30 item 8 land
# (Pillow's "cannot identify image file <_io.BytesIO object at 0x...>")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("exit-statuses")
    pixels = synthetic(32, 24)
    Image.fromarray(pixels).save(root / "in.png")
    Image.fromarray(pixels).save(root / "in.jpg", quality=70)
    stream = srcodec.encode(pixels, base="png")
    (root / "a.srz").write_bytes(stream)
    (root / "corrupt.srz").write_bytes(stream[:40])
    (root / "junk.png").write_bytes(b"definitely not an image")
    (root / "empty.png").write_bytes(b"")
    (root / "folder").mkdir()
    names = {"img": "in.png", "jpg": "in.jpg", "srz": "a.srz", "corrupt": "corrupt.srz"}
    names |= {"junk": "junk.png", "empty": "empty.png", "dir": "folder"}
    return {"tmp": str(root)} | {key: str(root / name) for key, name in names.items()}


def run_in_process(argv: list[str], stdin: bytes | None, monkeypatch: pytest.MonkeyPatch) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    try:
        return cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_exit_status_and_one_line(
    case: str,
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    line, stdin, status, text = CASES[case]
    if UNREADABLE in line and not os.path.exists(UNREADABLE):
        pytest.skip("no /proc on this system")
    if READ_ONLY_DIR in line and (not os.path.isdir(READ_ONLY_DIR) or _writable(READ_ONLY_DIR)):
        pytest.skip(f"{READ_ONLY_DIR} accepts new files here")
    before = sorted(Path(files["tmp"]).rglob("*"))
    argv = line.format(**files).split()
    got = run_in_process(argv, stdin, monkeypatch)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert (got, len(lines)) == (status, 1), err
    assert lines[0].startswith("srcodec: error: "), err
    assert text in lines[0], err
    assert "Traceback" not in err
    assert " object at 0x" not in err, err
    assert sorted(Path(files["tmp"]).rglob("*")) == before  # nothing written, no temp file


def test_the_table_covers_every_command() -> None:
    commands = {line.split()[0] for line, *_ in CASES.values()}
    parser = cli.build_parser()
    subcommands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert subcommands <= commands
    for status in (FILES_AT_FAULT, USAGE):
        assert any(s == status for _, _, s, _ in CASES.values())


def _writable(folder: str) -> bool:
    probe = Path(folder) / ".srcodec-write-probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True
