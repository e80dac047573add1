"""Example commands run as pasted from the clone's root (docs/guide.md, Development): the
README's `srcodec` lines are run, in order, in a stand-in clone whose Kodak image is the
bundled sample; every page's commands name only files the clone or ../shared has."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import REPO, SHARED
from PIL import Image

if TYPE_CHECKING:
    from pathlib import Path

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SAMPLE = "src/srcodec/data/sample.png"
# an input a command names: the clone's own files or the datasets beside it
INPUT_PREFIXES = ("../shared/", "src/", "tools/", "bitstream_spec/")
# upper-case words are placeholders in a synopsis (INPUT, SRC, DATASET_DIR, ...)
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z_]{2,}\b|\[|\$")


def is_synopsis(command: str) -> bool:
    """A usage line (placeholders, [optional] parts, shell variables), not an example."""
    return any(PLACEHOLDER.search(word) for word in words(command))


def commands(page: Path) -> list[str]:
    """The shell commands of a page's indented example blocks (outside ``` fences),
    continuation lines joined, comments kept for shlex to drop."""
    found: list[str] = []
    fenced = False
    pending = ""
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced or not (line.startswith("    ") or pending):
            continue
        text = pending + " " + line.strip() if pending else line.strip()
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        pending = ""
        if text.startswith(("srcodec ", "python tools/")):
            found.append(text)
    return found


def words(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def test_the_readme_has_examples_to_run() -> None:
    runnable = [c for c in commands(REPO / "README.md") if not is_synopsis(c)]
    assert len(runnable) >= 8


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_commands_name_files_the_clone_has(page: Path) -> None:
    for command in commands(page):
        for word in words(command):
            if re.fullmatch(r"kodim\d\d\.png", word):
                pytest.fail(f"{page.name}: {command!r} names a bare {word}, not its path")
            if not word.startswith(INPUT_PREFIXES) or (
                word.startswith("../shared/") and not SHARED.exists()
            ):
                continue
            assert (REPO / word).exists(), f"{page.name}: {command!r} names missing {word}"


def smooth(w: int, h: int) -> np.ndarray:
    """Gradients and a slow wave: small enough to be quick, smooth enough that the
    README's 0.05 bpp budget is above the smallest stream srcodec makes for it."""
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 / (w - 1), y * 255 / (h - 1), 128 + 60 * np.sin((x + y) / 20)]
    return np.stack(planes, axis=-1).astype(np.uint8)


@pytest.mark.slow
def test_readme_commands_run_from_the_clone_root(tmp_path: Path) -> None:
    """Every README `srcodec` line without placeholders, in order (later lines read what
    earlier ones wrote), in a stand-in clone: a small smooth image plays kodim01."""
    clone = tmp_path / "clone"
    (clone / "src/srcodec/data").mkdir(parents=True)
    shutil.copy(REPO / SAMPLE, clone / SAMPLE)
    kodak = tmp_path / "shared/datasets/kodak"
    kodak.mkdir(parents=True)
    for n in (1, 23):
        Image.fromarray(smooth(384, 288)).save(kodak / f"kodim{n:02d}.png")
    ran = 0
    for command in commands(REPO / "README.md"):
        argv = words(command)
        if is_synopsis(command) or argv[1] in ("rd", "compare", "batch"):
            continue  # synopses; the long sweeps are checked by name above
        res = subprocess.run(
            [sys.executable, "-m", "srcodec", *argv[1:]],
            cwd=clone,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, f"{command!r}: {res.stderr}"
        ran += 1
    assert ran >= 8


def test_learned_base_memory_bound_covers_the_context_model() -> None:
    """SPEC §8.1's bytes per LR pixel for the learned base are the code's, and cover what
    the context model holds while the symbols are read (its float64 activity inputs) on
    top of the int64 symbols."""
    import tracemalloc

    import srcodec
    from srcodec.base import learned, learned_context

    spec = (REPO / "bitstream_spec/SPEC.md").read_text()
    assert f"adds torch, {learned.BYTES_PER_LR_PIXEL}·w·h" in spec
    rgb = np.tile(np.asarray(Image.open(REPO / SAMPLE).convert("RGB")), (2, 2, 1))
    stream = srcodec.encode(rgb, base="learned", quality=50, upscaler="bicubic")
    walk = learned_context.walk
    held: list[int] = []

    def traced(*args: object) -> None:
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        walk(*args)  # type: ignore[arg-type]
        held.append(tracemalloc.get_traced_memory()[1] - start)
        tracemalloc.stop()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(learned_context, "walk", traced)
        srcodec.decode(stream, lr_only=True)
    symbols = 3  # int64 latents: 8 bytes per 16x16 LR pixels per channel, M = 96
    lr_pixels = rgb.shape[0] * rgb.shape[1]
    assert held, "the decode did not read symbols through the context model"
    assert symbols + held[0] / lr_pixels <= learned.BYTES_PER_LR_PIXEL
