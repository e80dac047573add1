"""`srcodec demo`: encode and decode the bundled sample image and say what happened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from srcodec.cli.exits import EXIT_OK

if TYPE_CHECKING:
    import argparse

SAMPLE = Path(__file__).parent.parent / "data" / "sample.png"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the `demo` subcommand to argparse subparsers `sub`."""
    demo = sub.add_parser("demo", help="encode + decode a bundled sample image")
    demo.add_argument(
        "--out", default="srcodec-demo", help="folder to write (default srcodec-demo)"
    )
    demo.set_defaults(func=run)
    return demo


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from srcodec import decoder, image_io, metrics, stream_info
    from srcodec.encoder import encode_explained
    from srcodec.printable import printable

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data, explanation = encode_explained(SAMPLE)
    stream_path = out / "sample.srz"
    image_io.write_atomic(stream_path, lambda f: f.write(data))
    img, report = decoder.decode_with_report(data)
    decoded_path = out / "sample-decoded.png"
    image_io.save_image(img, decoded_path, text={"srcodec": report.provenance})
    lr_img = decoder.decode(data, lr_only=True)
    lr_path = out / "sample-lr.png"
    image_io.save_image(lr_img, lr_path, text={"srcodec": lr_img.info["srcodec"]})
    i = stream_info.info(data)
    original = image_io.load(SAMPLE).pixels
    quality = metrics.psnr(original, np.asarray(img))
    print(f"sample      {printable(SAMPLE)} ({i['width']}x{i['height']})")
    print(
        f"settings    scale {i['scale']}, base {i['base']} q{i['quality']}, "
        f"upscaler {i['upscaler']}"
    )
    print(f"size        {i['file_bytes']} bytes ({i['overhead_bytes']} container overhead)")
    ref = explanation.reference if explanation else None
    if ref is not None:
        saved = 100 * (1 - i["file_bytes"] / ref.stream_bytes)
        print(
            f"vs AVIF     {explanation.target.describe()}: plain AVIF is {ref.stream_bytes} "
            f"bytes at {ref.score:.2f} dB; srcodec is {saved:.1f} % smaller"
        )
    print(f"bpp         {i['bpp']:.4f}")
    print(f"PSNR        {quality:.2f} dB (RGB, vs the original)")
    written = ", ".join(printable(p) for p in (stream_path, decoded_path, lr_path))
    print(f"wrote       {written}")
    print(f"provenance  {report.provenance}")
    return EXIT_OK
