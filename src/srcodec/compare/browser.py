"""`srcodec compare --browser-decode`: a page that decodes the srcodec stream in the viewer's
browser with the web decoder (web/src, onnxruntime-web) beside the browser's own decode of
the matched-size AVIF file, each with its decode time.

Unlike the default page this one is not self-contained: it is written with the two coded
files beside it and loads the decoder and the models by URL, so it must be served over HTTP
(ES modules do not load from file://). From a checkout the default URLs point at the
checkout's web/src/index.js and src/srcodec/models/, relative to the page; serve a folder
that holds both (e.g. `python -m http.server` at the repository root).
"""

from __future__ import annotations

import html
import io
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from srcodec.compare.page import fill
from srcodec.errors import UsageError

if TYPE_CHECKING:
    from srcodec.compare.build import Comparison
    from srcodec.rd.spec import CodecSpec

CHECKOUT = Path(__file__).resolve().parents[3]  # src/srcodec/compare -> the repository
DECODER = CHECKOUT / "web" / "src" / "index.js"
MODELS = CHECKOUT / "src" / "srcodec" / "models"
PEER = "avif"  # the browser-native codec the page puts beside srcodec


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent.resolve())).as_posix()


def default_urls(page: Path) -> tuple[str, str]:
    """(decoder URL, models URL) relative to `page`, from this checkout's web/ folder."""
    if not DECODER.exists():
        msg = "this install has no web/ decoder beside it: pass --decoder-url and --models-url"
        raise UsageError(msg)
    return _relative(DECODER, page), _relative(MODELS, page) + "/"


def avif_bytes(comparison: Comparison, specs: list[CodecSpec]) -> tuple[bytes, str]:
    """The matched-size AVIF panel's file, coded again at its grid value (same options, so
    the same bytes as the panel), and its label."""
    from PIL import Image

    from srcodec.rd.codecs import pillow_options
    from srcodec.rd.peers import PEERS

    for spec in specs:
        if spec.kind != PEER:
            continue
        panel = next(p for p in comparison.panels if p.decoded.label == spec.name)
        buf = io.BytesIO()
        options = pillow_options(spec, panel.decoded.quality)
        Image.fromarray(comparison.original).save(buf, format=PEERS[PEER].pil_format, **options)
        return buf.getvalue(), f"{spec.name}: {panel.decoded.settings}"
    msg = f"--browser-decode compares with {PEER}: give an {PEER} --codec spec (or none)"
    raise UsageError(msg)


def write(
    comparison: Comparison,
    specs: list[CodecSpec],
    page: Path,
    decoder_url: str | None = None,
    models_url: str | None = None,
) -> list[Path]:
    """Write the page and its two coded files beside it; returns the paths written."""
    from srcodec.image_io import write_atomic

    if decoder_url is None or models_url is None:
        default_decoder, default_models = default_urls(page)
        decoder_url = decoder_url or default_decoder
        models_url = models_url or default_models
    ours = comparison.panels[0].decoded
    avif, avif_label = avif_bytes(comparison, specs)
    stem = page.stem
    files = {page.with_name(f"{stem}.srz"): ours.data, page.with_name(f"{stem}.avif"): avif}
    w, h = comparison.size
    esc = html.escape
    text = fill(
        resources.files("srcodec.compare").joinpath("browser.html").read_text(encoding="utf-8"),
        {
            "title": esc(f"srcodec in the browser: {comparison.name}"),
            "name": esc(comparison.name),
            "size": f"{w}×{h}",
            "decoder": esc(decoder_url),
            "models": esc(models_url),
            "srz": esc(f"{stem}.srz"),
            "srz_bytes": str(len(ours.data)),
            "srz_label": esc(f"srcodec: {ours.settings}"),
            "avif": esc(f"{stem}.avif"),
            "avif_bytes": str(len(avif)),
            "avif_label": esc(avif_label),
            "width": str(w),
            "height": str(h),
        },
    )
    for path, data in files.items():
        write_atomic(path, lambda f, data=data: f.write(data))
    blob = text.encode("utf-8")
    write_atomic(page, lambda f: f.write(blob))
    return [page, *files]
