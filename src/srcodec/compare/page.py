"""Render a Comparison as one self-contained HTML page (template: page.html beside this).

Images are lossless PNG data: URIs, so the page shows exactly the decoded pixels and needs
nothing at view time; every text that comes from the user (file and codec names) is
escaped.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from importlib import resources
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import numpy as np

    from srcodec.compare.build import Comparison, Panel

_TOKEN = re.compile(r"\{\{(\w+)\}\}")


def template() -> str:
    return resources.files("srcodec.compare").joinpath("page.html").read_text(encoding="utf-8")


def png_data_uri(pixels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each {{name}} in one pass, so inserted text is never scanned again."""
    return _TOKEN.sub(lambda m: values[m.group(1)], text)


def _best(values: list[float], higher: bool = True) -> float:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan
    return max(finite) if higher else min(finite)


def _fmt_psnr(value: float) -> str:
    return "∞ dB" if math.isinf(value) else f"{value:.2f} dB"


SCORES = ("ssimulacra2", "psnr", "ms_ssim")  # Panel fields shown, the best in green


def _figure(index: int, panel: Panel, best: dict[str, float], budget: int) -> str:
    """`best`: each of SCORES' best value over all panels."""
    d = panel.decoded
    esc = html.escape
    classes = "panel synth" if d.synthesized else "panel"
    s2_cls, psnr_cls, ssim_cls = (
        ' class="best"' if getattr(panel, k) == best[k] else "" for k in SCORES
    )
    notes = []
    if d.synthesized:
        notes.append(f'<p class="note synth">⚠ {esc(d.provenance)}</p>')
    elif d.provenance:
        notes.append(f'<p class="note dim">{esc(d.provenance)}</p>')
    if d.over_budget:
        notes.append(
            f'<p class="note over">Over the budget: its smallest setting is {d.num_bytes} B, '
            f"{d.num_bytes - budget} B more than {budget} B.</p>"
        )
    badge = '<span class="badge synth">synthesized detail</span>' if d.synthesized else ""
    return f"""<figure class="{classes}" data-index="{index}" data-label="{esc(d.label)}">
  <div class="view"><img alt="{esc(d.label)}" src="{png_data_uri(d.pixels)}">{badge}</div>
  <figcaption>
    <div class="name">{esc(d.label)}</div>
    <div class="settings">{esc(d.settings)}</div>
    <div class="metrics">
      <span><b>{d.num_bytes}</b> B</span><span><b>{panel.bpp:.3f}</b> bpp</span>
      <span{s2_cls}>SSIMULACRA 2 <b>{panel.ssimulacra2:.2f}</b></span>
      <span{psnr_cls}>PSNR <b>{_fmt_psnr(panel.psnr)}</b></span>
      <span{ssim_cls}>MS-SSIM <b>{panel.ms_ssim:.4f}</b></span>
    </div>
    {"".join(notes)}
  </figcaption>
</figure>"""


def _original(comparison: Comparison) -> str:
    w, h = comparison.size
    return f"""<figure class="panel" data-index="0" data-label="original">
  <div class="view"><img alt="original" src="{png_data_uri(comparison.original)}"></div>
  <figcaption>
    <div class="name">original</div>
    <div class="settings">{html.escape(comparison.name)}, {w}×{h}, the reference</div>
  </figcaption>
</figure>"""


NOTES = (
    "bpp: whole file bytes × 8 / pixels. SSIMULACRA 2: the perceptual metric (100 = "
    "identical, ~70 high, ~50 medium, ~30 low quality). PSNR: PSNR-RGB over all pixels. "
    "MS-SSIM: RGB, 5 scales (fewer, weights renormalised, for images under 161 px a side). "
    "The best value of each metric is green. Decodes are embedded as lossless PNG, so "
    "what you see is what each decoder produced. An orange frame and “synthesized detail” "
    "mark a decode whose learned upscaler invented detail above the transmitted resolution (the "
    "srcodec decoder's own provenance report): plausible, but not in the file."
)


def render(comparison: Comparison) -> str:
    from srcodec import __version__

    w, h = comparison.size
    panels = comparison.panels
    best = {k: _best([getattr(p, k) for p in panels]) for k in SCORES}
    figures = [_original(comparison)]
    figures += [_figure(i, p, best, comparison.budget) for i, p in enumerate(panels, 1)]
    options = "".join(
        f'<option value="{i}">{html.escape(p.decoded.label)}</option>'
        for i, p in enumerate(panels, 1)
    )
    budget_bpp = comparison.budget * 8 / (w * h)
    summary = (
        f"{w}×{h}. Each codec at the setting whose file is closest to, and not above, "
        f"{comparison.budget} B ({budget_bpp:.3f} bpp: {comparison.budget_source})."
    )
    name = html.escape(comparison.name)
    return fill(
        template(),
        {
            "title": f"srcodec compare: {name}",
            "heading": f"srcodec compare: {name}",
            "summary": html.escape(summary),
            "options": options,
            "panels": "\n".join(figures),
            "notes": html.escape(NOTES + f" Made by srcodec {__version__}."),
            "width": str(w),
            "slider_width": str(max(w, 720)),
            "height": str(h),
        },
    )
