"""The browser decoder (web/) in headless Chromium, compared with the Python decoder.

Every conformance vector: valid ones decode (the LR image bit-exact for the pixel bases, the
learned base's symbols identical and its LR within `lr_tolerance`, the strength tile levels
identical, the bicubic output bit-exact, RAISR with its recorded bank), invalid ones raise
the same error kind. A few Kodak streams and crops with learned tools (RAISR included):
pixels within PIXEL_TOLERANCE of the Python decoder's (web/README.md says why) and the same
provenance sentence.

Needs /usr/bin/chromium, playwright and onnxruntime-web (`npm ci --prefix web`, which the
fixture runs itself when web/node_modules is missing). Until the package ships ONNX files
(docs/onnx.md), the models the browser reads are exported here from the .npz weights.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from conftest import KODAK
from PIL import Image

import srcodec
from srcodec.errors import FormatError, UnsupportedError

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "web" / "test"))
import crafted  # noqa: E402
import harness  # noqa: E402 - web/test is not a package
import snippets  # noqa: E402

VECTORS = ROOT / "bitstream_spec" / "vectors"
EXPECTED = json.loads((VECTORS / "expected.json").read_text())
# a learned tool's output may differ by one level where float32 sums round differently
# (onnxruntime-web's WASM kernels vs torch's); measured: max 1 on < 1e-5 of the samples
PIXEL_TOLERANCE = 1
PIXEL_FRACTION = 1e-3
# RAISR sums its filters in double in JavaScript, in float32 BLAS order in numpy: a sample whose
# sum lands on a .5 or whose hash sits on a bucket edge moves by one level (measured: a few
# samples in a million); a 16 x 16 vector may then differ in at most one sample
RAISR_VECTOR_SAMPLES = 1
# name: (Kodak image, encode options, crop box or None)
KODAK_CASES: dict[str, tuple[str, dict[str, Any], tuple[int, int, int, int] | None]] = {
    "kodim23-avif-x2-restore": ("kodim23", {"base": "avif", "quality": 50, "scale": 2}, None),
    "kodim05-avif-x1-restore": ("kodim05", {"base": "avif", "quality": 40, "scale": 1}, None),
    "kodim23-learned-x2-restore": (
        "kodim23",
        {"base": "learned", "quality": 50, "scale": 2},
        None,
    ),
    "kodim23-avif-x2-cnn": ("kodim23", {"base": "avif", "quality": 50, "scale": 2}, None),
    "kodim23-crop-x3-raisr": ("kodim23", {"scale": 3}, (256, 64, 640, 320)),
    "kodim05-crop-avif-x2-raisr": ("kodim05", {"base": "avif", "scale": 2}, (192, 128, 576, 384)),
}

pytestmark = [
    pytest.mark.skipif(
        not harness.CHROMIUM.exists(),
        reason="no /usr/bin/chromium (Debian: apt-get install -y chromium; .ci/run does)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="playwright is not installed (pip install -e '.[test]')",
    ),
    pytest.mark.skipif(
        not harness.ORT.exists() and shutil.which("npm") is None,
        reason="onnxruntime-web is not installed and there is no npm to install it",
    ),
]


@pytest.fixture(scope="module")
def tab() -> Iterator[tuple[Any, str]]:
    from playwright.sync_api import sync_playwright

    harness.ensure_npm()
    models, _ = harness.model_folder()
    with harness.serve() as base, sync_playwright() as p:
        browser = harness.launch(p)
        yield harness.open_page(browser, base, models), base
        browser.close()


def sha(data: bytes | np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()


def _pixels(out: dict[str, Any]) -> np.ndarray:
    shape = (out["height"], out["width"], out["channels"])
    return np.frombuffer(out["pixels"], np.uint8).reshape(shape)


def _python(data: bytes, **options: Any) -> np.ndarray | str:
    """The Python decoder's pixels (H x W x C), or the kind of error it raises."""
    try:
        img = np.asarray(srcodec.decode(data, **options))
    except FormatError as exc:
        return type(exc).__name__
    return img.reshape(img.shape[0], img.shape[1], -1)


VALID = sorted(n for n, e in EXPECTED.items() if "error" not in e)
INVALID = sorted(n for n, e in EXPECTED.items() if "error" in e)


@pytest.mark.parametrize("name", INVALID)
def test_invalid_vector_same_error(tab: tuple[Any, str], name: str) -> None:
    page, base = tab
    out = harness.decode(page, harness.url_of(base, VECTORS / name))
    assert not out["ok"], out
    assert out["kind"] == EXPECTED[name]["error"], out


# the information budget (spec §6.1.1, §3.5): refused at the same check, word for word
BUDGET_VECTORS = sorted(n for n in INVALID if "learned" in n or "strength" in n)


def _python_message(data: bytes) -> str:
    with pytest.raises(FormatError) as caught:
        srcodec.decode(data)
    return f"{type(caught.value).__name__}: {caught.value}"


@pytest.mark.parametrize("name", BUDGET_VECTORS + crafted.BUDGET_NAMES)
def test_budget_refusal_word_for_word(tab: tuple[Any, str], name: str) -> None:
    """The same check refuses in both decoders: the messages carry the symbol counts and the
    bits spent when refused, so they differ unless the arithmetic and the order agree."""
    page, base = tab
    path = VECTORS / name if name in BUDGET_VECTORS else crafted.budget_stream(name)
    out = harness.decode(page, harness.url_of(base, path))
    assert f"{out['kind']}: {out['message']}" == _python_message(path.read_bytes())


def test_budget_arithmetic_matches_python(tab: tuple[Any, str]) -> None:
    """Cost units of every count 1..2^16, and fits() on both sides of its edge, up to
    products far beyond 2^53."""
    from srcodec import entropy

    page, base = tab
    pairs = []
    for words in (0, 1, 3, 1 << 20, 1 << 40):
        edge = (32 * words + 64) * entropy.COST_ONE * entropy.MARGIN // (entropy.MARGIN - 1)
        pairs += [(str(edge), words), (str(edge + 1), words)]
    out = page.evaluate(
        snippets.BUDGET_JS, [harness.url_of(base, ROOT / "web/src/budget.js"), pairs]
    )
    assert out["costs"] == entropy.cost_units(np.arange(1, (1 << 16) + 1)[None])[0].tolist()
    assert out["fits"] == [entropy.fits(int(u), w) for u, w in pairs]


def test_payload_header_sizes_match_pillow(tab: tuple[Any, str]) -> None:
    """dims.js reads the size Pillow's lazy open reports, from every header kind."""
    page, base = tab
    payloads = crafted.header_payloads()
    sizes = [list(Image.open(io.BytesIO(p)).size) for p in payloads.values()]
    args = [[base64.b64encode(p).decode(), kind.split("-")[0]] for kind, p in payloads.items()]
    out = page.evaluate(snippets.SIZE_JS, [harness.url_of(base, ROOT / "web/src/dims.js"), args])
    assert out == sizes


@pytest.mark.parametrize("base_name", ["png", "jpeg", "webp", "avif"])
def test_payload_size_refused_before_pixels(tab: tuple[Any, str], base_name: str) -> None:
    """A HEAD one LR column wider than its payload, whose coded pixels are zeros: both
    decoders refuse on the payload's header, before any pixel is decoded (the browser's
    decode of the zeros fails with another message for PNG and AVIF)."""
    page, base = tab
    name = next(n for n in VALID if EXPECTED[n]["base"] == base_name and not EXPECTED[n]["alpha"])
    path = crafted.wider_head(VECTORS / name)
    expected = _python_message(path.read_bytes())
    assert expected.startswith("CorruptError: base layer is ")
    out = harness.decode(page, harness.url_of(base, path), lrOnly=True)
    assert f"{out['kind']}: {out['message']}" == expected


@pytest.mark.parametrize("name", VALID)
def test_valid_vector_lr(tab: tuple[Any, str], name: str) -> None:
    page, base = tab
    expected = EXPECTED[name]
    out = harness.decode(page, harness.url_of(base, VECTORS / name), lrOnly=True)
    assert out["ok"], out
    lr = _pixels(out)
    if "symbols_sha256" in expected:
        reference = np.asarray(Image.open(VECTORS / name.replace(".srz", ".lr.png")))
        diff = np.abs(lr.reshape(reference.shape).astype(int) - reference)
        assert diff.max() <= expected["lr_tolerance"]
    else:  # the browser's own AVIF/WebP/JPEG/PNG decode: bit-exact with Pillow's
        assert sha(lr) == expected["lr_sha256"]


@pytest.mark.parametrize("name", [n for n in VALID if "symbols_sha256" in EXPECTED[n]])
def test_learned_base_symbols_identical(tab: tuple[Any, str], name: str) -> None:
    page, base = tab
    digest = page.evaluate(snippets.SYMBOLS_JS, harness.url_of(base, VECTORS / name))
    assert digest == EXPECTED[name]["symbols_sha256"]


@pytest.mark.parametrize("name", [n for n in VALID if "strength_levels_sha256" in EXPECTED[n]])
def test_strength_levels_identical(tab: tuple[Any, str], name: str) -> None:
    page, base = tab
    digest = page.evaluate(snippets.LEVELS_JS, harness.url_of(base, VECTORS / name))
    assert digest == EXPECTED[name]["strength_levels_sha256"]


@pytest.mark.parametrize("name", VALID)
def test_valid_vector_full_decode_matches_python(tab: tuple[Any, str], name: str) -> None:
    """The whole decode, as the stream asks (the vectors' placeholder model hashes: as
    bicubic, which Python decodes too)."""
    page, base = tab
    data = (VECTORS / name).read_bytes()
    options: dict[str, Any] = {}
    if isinstance(_python(data), str):
        options = {"upscaler": "bicubic"}
    reference = _python(data, **options)
    out = harness.decode(page, harness.url_of(base, VECTORS / name), **options)
    assert out["ok"], out
    pixels = _pixels(out)
    if "decoded_sha256" in EXPECTED[name]:
        assert sha(pixels) == EXPECTED[name]["decoded_sha256"]
    diff = np.abs(pixels.astype(int) - reference)
    if EXPECTED[name]["upscaler"] == "raisr" and not options:  # RAISR's float filter sums
        assert diff.max() <= PIXEL_TOLERANCE
        assert (diff > 0).sum() <= RAISR_VECTOR_SAMPLES
    else:
        tolerance = EXPECTED[name].get("lr_tolerance", 0)  # the learned base's float synthesis
        assert diff.max() <= tolerance


HASH_VECTORS = sorted(n for n in VALID if n.endswith("-hash.srz"))


@pytest.mark.parametrize("name", HASH_VECTORS)
def test_unknown_tool_refused_like_python(tab: tuple[Any, str], name: str) -> None:
    """A stream naming a model this install lacks (restore, RAISR): UnsupportedError in both
    decoders, naming the model the stream wants and the one installed."""
    page, base = tab
    with pytest.raises(UnsupportedError) as caught:
        srcodec.decode((VECTORS / name).read_bytes())
    out = harness.decode(page, harness.url_of(base, VECTORS / name))
    assert out["kind"] == "UnsupportedError"
    # the advice after ';' names the option in each decoder's own terms
    assert out["message"].split(";")[0] == str(caught.value).split(";")[0]


@pytest.fixture(scope="module")
def kodak_streams() -> dict[str, Path]:
    if not (KODAK / "kodim23.png").exists():
        pytest.skip("../shared/datasets/kodak is not beside the checkout")
    folder = harness.FIXTURES / "streams"
    folder.mkdir(parents=True, exist_ok=True)
    streams = {}
    for name, (image, options, box) in KODAK_CASES.items():
        path = folder / f"{name}.srz"
        if not path.exists():
            tool = name.rsplit("-", 1)[1]
            source: Path | Image.Image = KODAK / f"{image}.png"
            if box is not None:
                source = Image.open(source).convert("RGB").crop(box)
            path.write_bytes(srcodec.encode(source, upscaler=tool, **options))
        streams[name] = path
    return streams


@pytest.mark.parametrize("name", sorted(KODAK_CASES))
def test_kodak_stream_matches_python(
    tab: tuple[Any, str], kodak_streams: dict[str, Path], name: str
) -> None:
    page, base = tab
    data = kodak_streams[name].read_bytes()
    reference, report = srcodec.decode_with_report(data)
    lr = np.asarray(srcodec.decode(data, lr_only=True))
    out_lr = harness.decode(page, harness.url_of(base, kodak_streams[name]), lrOnly=True)
    # the LR image: bit-exact through the browser's own decoders; the learned base's float
    # synthesis (onnxruntime-web against ONNX Runtime's CPU kernels) within one level
    lr_diff = np.abs(_pixels(out_lr).reshape(lr.shape).astype(int) - lr)
    if KODAK_CASES[name][1].get("base") == "learned":
        assert lr_diff.max() <= PIXEL_TOLERANCE
        assert (lr_diff > 0).mean() <= PIXEL_FRACTION
    else:
        assert lr_diff.max() == 0
    out = harness.decode(page, harness.url_of(base, kodak_streams[name]))
    assert out["ok"], out
    diff = np.abs(_pixels(out).astype(int) - np.asarray(reference))
    assert diff.max() <= PIXEL_TOLERANCE
    assert (diff > 0).mean() <= PIXEL_FRACTION
    assert out["report"]["provenance"] == report.provenance


def test_raisr_bands_equal_whole_image(
    tab: tuple[Any, str], kodak_streams: dict[str, Path]
) -> None:
    """RAISR in row bands (as a large image decodes) gives the whole image's bytes."""
    page, base = tab
    src = harness.url_of(base, kodak_streams["kodim23-crop-x3-raisr"])
    raisr_js, ids_js = (harness.url_of(base, ROOT / f"web/src/{m}.js") for m in ("raisr", "ids"))
    out = page.evaluate(snippets.BANDS_JS, [src, raisr_js, ids_js])
    assert out == {"bands": 2, "same": True}


def test_element_shows_stream_with_provenance(tab: tuple[Any, str]) -> None:
    page, base = tab
    name = "png-rgb-7x5-s2.srz"
    out = page.evaluate(snippets.ELEMENT_JS, harness.url_of(base, VECTORS / name))
    _, report = srcodec.decode_with_report((VECTORS / name).read_bytes())
    assert (out["width"], out["height"]) == (7, 5)
    assert out["label"] == "a test image"
    assert out["description"] == out["title"] == report.provenance


BROWSER_PAGE_SPECS = ("avif:quality=0:100:10,speed=9", "jpeg:quality=5:95:10")


def test_compare_browser_decode_page(tab: tuple[Any, str], tmp_path: Path) -> None:
    """`srcodec compare --browser-decode`: the page decodes the stream in the browser beside
    the browser's AVIF decode and shows both times and the provenance sentence."""
    from srcodec.compare import browser, build

    page, base = tab
    image = tmp_path / "crop.png"
    source = KODAK / "kodim23.png"
    if source.exists():
        Image.open(source).convert("RGB").crop((300, 100, 396, 164)).save(image)
    else:
        from conftest import synthetic

        Image.fromarray(synthetic(96, 64)).save(image)
    specs = build.parse_specs(BROWSER_PAGE_SPECS)
    comparison = build.build(image, specs, effort=2)
    folder = harness.FIXTURES / "compare"  # inside the served tree: relative URLs resolve
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "page.html"
    models = page.evaluate("() => window.srzRuntime.models")
    written = browser.write(comparison, specs, out, models_url=models)  # default decoder URL
    assert [p.name for p in written] == ["page.html", "page.srz", "page.avif"]
    view = page.context.browser.new_page()
    view.goto(harness.url_of(base, out))
    view.wait_for_function("window.decodesDone !== undefined")
    view.evaluate("() => window.decodesDone")
    srz_time = view.text_content("#srz-time")
    avif_time = view.text_content("#avif-time")
    provenance = view.text_content("#srz-provenance")
    view.close()
    assert srz_time.endswith(" ms"), srz_time
    assert avif_time.endswith(" ms"), avif_time
    assert provenance == comparison.panels[0].decoded.provenance
