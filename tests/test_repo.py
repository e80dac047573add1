"""Repository hygiene: the README's commands are what CI runs, and the code is ruff-clean."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (REPO / "README.md").read_text()
    assert ci.startswith("pip install")
    assert f"    {ci}\n" in readme


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
