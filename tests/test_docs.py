"""The documentation: every generated block is what `tools/make_docs.py` renders from the
tracked result files and training logs, and every relative link points at a file."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def test_generated_blocks_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "tools/make_docs.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        "pages differ from what `python tools/make_docs.py` renders:\n"
        + result.stdout
        + result.stderr
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page) -> None:
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).exists(), f"{page.name}: broken link {target}"


def test_every_page_with_blocks_names_its_generator() -> None:
    for page in PAGES:
        text = page.read_text()
        if "<!-- make_docs:" in text:
            assert "tools/make_docs.py" in text, f"{page.name} does not say what renders it"
