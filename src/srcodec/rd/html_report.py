"""`srcodec rd --html`: OUT/report.html, the plots and bd.md as one self-contained page.

The plots are inlined as PNG data: URIs and bd.md is rendered from its own text (headings,
paragraphs and tables: the only Markdown it uses), so the page says exactly what bd.md
says and opens without network or the files beside it.
"""

from __future__ import annotations

import base64
import html
import re
from typing import TYPE_CHECKING

from srcodec.image_io import write_atomic

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from srcodec.rd.curve import Curve

# nothing but inline style and data: images: the page can fetch nothing
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_NUMERIC = re.compile(r"^[+\-−]?\d")

STYLE = """
body { margin: 0 auto; padding: 16px 24px 40px; max-width: 1200px; color: #1d1f21;
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
img { max-width: 100%; height: auto; display: block; margin: 8px 0 16px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border: 1px solid #ccd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #f7f8fa; }
dt { font-weight: 600; margin-top: 6px; } dd { margin-left: 18px; color: #444; }
"""


def markdown_to_html(text: str) -> str:
    """The Markdown that report.write_bd_md writes: `#`/`##` headings, tables, paragraphs."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        if lines[0].startswith("#"):
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            out.append(f"<h{level}>{html.escape(lines[0][level:].strip())}</h{level}>")
            lines = lines[1:]
        if not lines:
            continue
        if all(line.startswith("|") for line in lines):
            out.append(_table(lines))
        else:
            out.append(f"<p>{html.escape(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table(lines: list[str]) -> str:
    head, body = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    rows = ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"]
    for cells in body:
        tds = "".join(
            f'<td class="num">{html.escape(c)}</td>'
            if _NUMERIC.match(c)
            else f"<td>{html.escape(c)}</td>"
            for c in cells
        )
        rows.append(f"<tr>{tds}</tr>")
    return f"<table><thead>{rows[0]}</thead><tbody>{''.join(rows[1:])}</tbody></table>"


def render(bd_md: str, plots: Sequence[Path], curves: Sequence[Curve], title: str) -> str:
    """The page: title, each plot image, bd.md's sections, then each curve's description."""
    body = markdown_to_html(bd_md)
    body = re.sub(r"^<h1>.*?</h1>\n?", "", body)  # the page's own h1 replaces bd.md's
    images = "".join(
        f'<img alt="{html.escape(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode("ascii")}">'
        for p in plots
    )
    described = "".join(
        f"<dt>{html.escape(c.label)}</dt><dd>{html.escape(c.description or '-')}</dd>"
        for c in curves
    )
    esc = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<link rel="icon" href="data:,">
<title>srcodec rd: {esc}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>srcodec rd: {esc}</h1>
{images}
{body}
<h2>Curves</h2>
<dl>{described}</dl>
</body>
</html>
"""


def write_html(
    bd_md: Path, plots: Sequence[Path], curves: Sequence[Curve], title: str, path: Path
) -> Path:
    blob = render(bd_md.read_text(encoding="utf-8"), plots, curves, title).encode("utf-8")
    write_atomic(path, lambda f: f.write(blob))
    return path
