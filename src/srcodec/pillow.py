"""Pillow plugin: `import srcodec.pillow`, then `Image.open("x.srz")` and `img.save("x.srz")`.

Registers format "SRZ" (extension .srz, MIME type image/x-srz) the way Pillow's own plugins
do. Opening reads and checks the container and HEAD only (pure Python, no torch, no pixel
decoding): `size`, `mode` and `info` (scale, base, quality, upscaler, LR size, provenance)
are known at once; pixels are decoded by srcodec on `load()`, with the stream's upscaler on
the CPU or GPU (`device` "auto"). `img.save(path_or_file, format="SRZ", **keywords)` takes
the keywords of `srcodec.encode` (quality, target_psnr, target_size, scale, effort, ...).

Untrusted files get Pillow's budget: a header over `Image.MAX_IMAGE_PIXELS` warns
(DecompressionBombWarning) and over twice that is refused (DecompressionBombError), checked
by `Image.open` from the header alone (None lifts the limit, as for Pillow's formats); and
`load()` refuses, before decoding, a stream whose decode would need more than `MAX_MEMORY`
bytes by the estimate of SPEC §8 (srcodec.LimitError). Set `srcodec.pillow.MAX_MEMORY` to
another number of bytes, or None for no limit.
"""

from __future__ import annotations

import io
from typing import IO, Any

from PIL import Image, ImageFile

from srcodec import format as fmt
from srcodec.errors import SrcodecError
from srcodec.format import ids
from srcodec.format.container import MAGIC
from srcodec.format.header import MAX_DIMENSION

MAX_MEMORY: int | None = 2 << 30
"""Bytes a decode through the plugin may need (SPEC §8's estimate; 2 GiB), None: no limit."""

FORMAT = "SRZ"
MIME = "image/x-srz"
_ENCODE_KEYWORDS = (
    "quality",
    "scale",
    "base",
    "upscaler",
    "metric",
    "target_ssimulacra2",
    "target_psnr",
    "target_ms_ssim",
    "target_size",
    "target_bpp",
    "effort",
    "options",
    "device",
)


def _accept(prefix: bytes) -> bool:
    return prefix[:3] == MAGIC


def max_pixels() -> int:
    """Pillow's error threshold, twice `Image.MAX_IMAGE_PIXELS`; without one, the format's
    own bound. `Image.open` warns above MAX_IMAGE_PIXELS itself, from the header's size."""
    limit = Image.MAX_IMAGE_PIXELS
    return MAX_DIMENSION * MAX_DIMENSION if limit is None else 2 * int(limit)


class SrzImageFile(ImageFile.ImageFile):
    format = FORMAT
    format_description = "srcodec learned image codec"

    def _open(self) -> None:
        from srcodec import stream_info

        data = self.fp.read()
        anything = MAX_DIMENSION * MAX_DIMENSION  # Image.open checks the size just after
        try:
            stream = fmt.read(data, max_pixels=anything)
            details = stream_info.info(data, max_pixels=anything)
        except SrcodecError as exc:
            raise SyntaxError(str(exc)) from None
        h = stream.header
        gray = h.colour == ids.COLOUR_GRAY
        alpha = stream.alpha is not None
        self._mode = ("LA" if alpha else "L") if gray else ("RGBA" if alpha else "RGB")
        self._size = (h.width, h.height)
        self._srz = data
        for key in ("scale", "base", "quality", "upscaler", "lr_width", "lr_height", "detail"):
            self.info[key] = details[key]
        self.info["srcodec"] = details["detail"]
        if stream.icc:
            self.info["icc_profile"] = stream.icc
        if stream.exif:
            self.info["exif"] = stream.exif
        self.tile = [ImageFile._Tile("raw", (0, 0, *self.size), 0, self.mode)]

    def load(self) -> Any:
        if self.tile and getattr(self, "_srz", None) is not None:
            from srcodec import decoder

            img, report = decoder.decode_with_report(
                self._srz, max_pixels=max_pixels(), max_memory=MAX_MEMORY
            )
            img = img.convert(self.mode)
            self.info["srcodec"] = report.provenance
            if self.fp and self._exclusive_fp:
                self.fp.close()
            self.fp = io.BytesIO(img.tobytes())
            self._srz = None
        return super().load()


def _save(im: Image.Image, fp: IO[bytes], filename: str | bytes) -> None:
    from srcodec.encoder import encode

    kwargs = {k: v for k, v in im.encoderinfo.items() if k in _ENCODE_KEYWORDS}
    fp.write(encode(im, **kwargs))


Image.register_open(FORMAT, SrzImageFile, _accept)
Image.register_save(FORMAT, _save)
Image.register_extension(FORMAT, ".srz")
Image.register_mime(FORMAT, MIME)
