"""The compare page in a real browser: Debian's Chromium driven by playwright.

`.ci/run` installs both (apt-get chromium, pip playwright from the `test` extra); playwright
never downloads a browser here, it drives /usr/bin/chromium. Skipped, with the reason,
only where either is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from conftest import KODAK, synthetic
from PIL import Image

from srcodec.compare import build, page

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium (Debian: apt-get install -y chromium; .ci/run does)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="playwright is not installed (pip install -e '.[test]')",
    ),
]

# fast settings; the srcodec x2 cnn peer is there to put a "synthesized detail" mark on the page
SPECS = (
    "avif:quality=0:100:10,speed=9",
    "jpeg:quality=5:95:10",
    "srcodec:base=avif,scale=2,upscaler=cnn,quality=20:80:20,name=srcodec x2 cnn",
)


def _image(folder: Path) -> Path:
    path = folder / "crop.png"
    kodim = KODAK / "kodim23.png"
    if kodim.exists():
        with Image.open(kodim) as img:
            img.convert("RGB").crop((300, 100, 396, 164)).save(path)
    else:
        Image.fromarray(synthetic(96, 64)).save(path)
    return path


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    comparison = build.build(_image(folder), build.parse_specs(SPECS), effort=2)
    out = folder / "page.html"
    out.write_text(page.render(comparison), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def loaded(browser: Any, page_file: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """The page opened from its file:// URL, with its console errors and non-local requests."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    remote: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else remote.append(r.url),
    )
    tab.goto(page_file.as_uri(), wait_until="load")
    yield tab, errors, remote
    context.close()


def _images(tab: Any) -> list[dict[str, Any]]:
    return tab.evaluate(
        """() => Array.from(document.images).map(img => ({
            id: img.id, alt: img.alt, complete: img.complete, width: img.naturalWidth,
            transform: img.style.transform }))"""
    )


def test_loads_without_errors_or_network(loaded: tuple[Any, list[str], list[str]]) -> None:
    tab, errors, remote = loaded
    tab.wait_for_function("Array.from(document.images).every(i => i.complete)")
    images = _images(tab)
    # original + 4 decodes in the grid, and the slider's two
    assert len(images) == 7, images
    assert all(img["width"] == 96 for img in images), images
    assert errors == []
    assert remote == []


def test_slider_moves_the_split(loaded: tuple[Any, list[str], list[str]]) -> None:
    tab, errors, _ = loaded
    clip = "() => document.getElementById('before-layer').style.clipPath"
    assert "50%" in tab.evaluate(clip)
    # keyboard/script path: set the range input and fire its input event
    tab.evaluate(
        """() => { const s = document.getElementById('split');
                   s.value = '20'; s.dispatchEvent(new Event('input')); }"""
    )
    assert "80%" in tab.evaluate(clip)
    assert tab.evaluate("() => document.getElementById('divider').style.left") == "20%"
    # pointer path: drag across the image
    box = tab.locator("#slider-view").bounding_box()
    y = box["y"] + box["height"] / 2
    tab.mouse.move(box["x"] + box["width"] * 0.2, y)
    tab.mouse.down()
    tab.mouse.move(box["x"] + box["width"] * 0.5, y, steps=4)
    tab.mouse.move(box["x"] + box["width"] * 0.7, y, steps=4)
    tab.mouse.up()
    value = float(tab.evaluate("() => document.getElementById('split').value"))
    assert value == pytest.approx(70, abs=1.5)
    assert f"{100 - value:g}"[:2] in tab.evaluate(clip)
    assert errors == []


def test_zoom_is_shared_by_all_panels(loaded: tuple[Any, list[str], list[str]]) -> None:
    tab, errors, _ = loaded
    tab.click("button[data-zoom='4']")
    first = {img["transform"] for img in _images(tab)}
    assert len(first) == 1
    assert "scale(4)" in first.pop()
    # hovering one panel moves the crop of every panel, the slider's included
    panel = tab.locator("figure.panel .view").nth(2)
    box = panel.bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
    after = {img["transform"] for img in _images(tab)}
    assert len(after) == 1
    assert after.pop() == "translate(-300%, 0%) scale(4)"
    assert tab.evaluate("() => document.body.classList.contains('zoomed')")
    assert errors == []


def test_synthesized_detail_is_marked(loaded: tuple[Any, list[str], list[str]]) -> None:
    tab, errors, _ = loaded
    marked = tab.locator("figure.synth")
    assert marked.count() == 1
    assert marked.get_attribute("data-label") == "srcodec x2 cnn"
    assert marked.locator(".badge.synth").is_visible()
    assert "synthesized" in marked.locator(".note.synth").inner_text()
    # the slider shows the mark too when that decode is on its right side
    assert not tab.locator("#after-badge").is_visible()
    tab.select_option("#after-select", label="srcodec x2 cnn")
    assert tab.locator("#after-badge").is_visible()
    assert tab.locator("#after-tag").inner_text() == "srcodec x2 cnn"
    assert errors == []


def test_screenshot(loaded: tuple[Any, list[str], list[str]], tmp_path: Path) -> None:
    tab, errors, _ = loaded
    tab.click("button[data-zoom='2']")
    shot = tmp_path / "compare.png"
    tab.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as img:
        pixels = np.asarray(img.convert("RGB"))
    assert pixels.shape[1] == 1100
    assert pixels.std() > 10  # not a blank page
    assert errors == []


def test_rd_report_page(browser: Any, tmp_path: Path) -> None:
    from srcodec.rd import run_rd
    from srcodec.rd.metrics import BD_METRICS

    Image.fromarray(synthetic(64, 48)).save(tmp_path / "a.png")
    out = tmp_path / "out"
    run_rd(tmp_path, out, ["jpeg:quality=10/50/90", "webp:quality=10/50/90"], html=True)
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto((out / "report.html").as_uri(), wait_until="load")
    widths = tab.evaluate("() => Array.from(document.images).map(i => i.naturalWidth)")
    assert len(widths) == len(BD_METRICS)  # one plot per BD metric
    assert all(w > 500 for w in widths)
    assert tab.locator("table").count() >= 2
    assert tab.locator("td", has_text="anchor").count() >= 1
    assert errors == []
    tab.close()
