"""`srcodec batch --decode` takes `decode`'s budget (--max-memory, --max-pixels) to every file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from conftest import synthetic

import srcodec
from srcodec.batch.runner import run_batch
from srcodec.batch.settings import Settings, check
from srcodec.cli import main
from srcodec.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


def _streams(root: Path) -> None:
    root.mkdir()
    for name in ("a", "b"):
        data = srcodec.encode(synthetic(64, 48), base="png", scale=2, upscaler="bicubic")
        (root / f"{name}.srz").write_bytes(data)


def test_max_memory_reaches_every_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _streams(tmp_path / "src")
    src, out = str(tmp_path / "src"), str(tmp_path / "out")
    assert main(["batch", src, out, "--decode", "-q", "--max-memory", "1"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2
    assert all("over the memory limit of 1 MiB" in line for line in errors)
    assert main(["batch", src, out, "--decode", "-q", "--max-memory", "4096"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".png") == [
        "a.png",
        "b.png",
    ]


def test_max_pixels_reaches_every_file(tmp_path: Path) -> None:
    _streams(tmp_path / "src")
    settings = Settings("decode", decode={"device": "cpu", "max_pixels": 1000})
    summary = run_batch(str(tmp_path / "src"), str(tmp_path / "out"), settings, jobs=1)
    assert [why for _, why in summary.errors] == [summary.errors[0][1]] * 2
    assert "1,000" in summary.errors[0][1] or "1000" in summary.errors[0][1]


def test_limits_do_not_change_the_settings_key_and_are_checked() -> None:
    plain = Settings("decode", decode={"device": "cpu"})
    limited = Settings("decode", decode={"device": "cpu", "max_memory": 1 << 30})
    assert plain.key() == limited.key()
    with pytest.raises(UsageError, match="max_memory"):
        check(Settings("decode", decode={"max_memory": -1}))


def test_max_memory_does_not_apply_to_encode(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["batch", str(tmp_path), str(tmp_path / "o"), "--max-memory", "10"]) == 2
    assert "--max-memory does not apply to --encode" in capsys.readouterr().err
