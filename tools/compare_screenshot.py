"""The README's screenshot of a `srcodec compare` page (docs/img/compare.png).

    srcodec compare ../shared/datasets/kodak/kodim23.png --out /tmp/k23.html \\
        --codec avif:quality=0:100:1,speed=6 --codec webp:quality=0:100:1 \\
        --codec jpeg:quality=1:100:1 \\
        --codec "srcodec:base=avif,scale=2,upscaler=cnn,quality=0:100:1,name=srcodec x2 cnn"
    python tools/compare_screenshot.py /tmp/k23.html docs/img/compare.png --zoom 4 --at 0.31,0.24

Opens the page in Debian's Chromium (playwright, no browser download), picks the zoom,
pins the zoom point on the first panel, moves the slider, screenshots the page and stores it
as a 256-colour PNG at reduced width, small enough to commit.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("page", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--zoom", default="4", choices=("1", "2", "4", "8"))
    ap.add_argument("--at", default="0.5,0.5", help="zoom point, fractions of width,height")
    ap.add_argument("--split", type=float, default=50, help="slider position, percent")
    ap.add_argument("--viewport", default="1280x1500", help="browser window, WxH")
    ap.add_argument("--width", type=int, default=960, help="width of the stored PNG")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    fx, fy = (float(v) for v in args.at.split(","))
    vw, vh = (int(v) for v in args.viewport.split("x"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        tab = browser.new_page(viewport={"width": vw, "height": vh})
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(args.page.resolve().as_uri(), wait_until="load")
        tab.click(f"button[data-zoom='{args.zoom}']")
        view = tab.locator(".grid .view").first
        box = view.bounding_box()
        tab.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        tab.evaluate(
            "v => { const s = document.getElementById('split'); s.value = String(v);"
            " s.dispatchEvent(new Event('input')); }",
            args.split,
        )
        png = tab.screenshot(full_page=False)
        browser.close()
    if errors:
        msg = f"console errors: {errors}"
        raise SystemExit(msg)
    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        h = round(rgb.height * args.width / rgb.width)
        small = rgb.resize((args.width, h), Image.Resampling.LANCZOS).quantize(256)
        small.save(args.out, format="PNG", optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
