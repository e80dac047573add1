"""Repository hygiene: the README's commands are what CI runs, and the code is ruff-clean."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def test_ci_runs_the_readme_test_command() -> None:
    lines = (REPO / ".ci" / "run").read_text().strip().splitlines()
    readme = (REPO / "README.md").read_text()
    assert lines[-1].startswith("pip install")
    # every install or test command CI runs is in the README, verbatim and in order
    commands = [line for line in lines if line.startswith(("apt-get ", "pip ", "python "))]
    assert commands[0].startswith("apt-get update")
    assert "".join(f"    {c}\n" for c in commands) in readme


def test_readme_is_a_front_door() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    for command in ("srcodec encode", "srcodec decode", "import srcodec.pillow"):
        assert command in readme


@pytest.mark.skipif(shutil.which("ruff") is None and sys.platform != "linux", reason="no ruff")
@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "src", "tests", "tools"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
