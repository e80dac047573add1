"""Images in and out: any Pillow-readable input -> uint8 pixels + metadata; atomic writes.

Input rules (docs/guide.md, "Input handling"): EXIF orientation is applied once and the tag reset;
ICC and EXIF are carried; 1/P/LA/PA/CMYK/YCbCr are converted to gray or RGB (+ alpha);
16-bit samples are rounded to 8 bits (the header records that the source had 16);
an alpha plane that is fully opaque is dropped.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from srcodec.errors import FileError, LimitError, SrcodecError, UsageError
from srcodec.format.container import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ImageLike = "str | os.PathLike | Image.Image | np.ndarray | SourceImage"
_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N"}


@dataclass
class SourceImage:
    """uint8 pixels HxWxC (C = 1 gray or 3 RGB) plus what travels with them."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None  # uint8 HxW
    icc: bytes | None = None
    exif: bytes | None = None
    source_16bit: bool = False

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]


def load(image: ImageLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> SourceImage:
    """Path, PIL image or uint8 numpy array (HxW, HxWx1, HxWx3, HxWx4) -> SourceImage.
    A file over `max_pixels` is refused from its header, before its pixels are read."""
    if isinstance(image, SourceImage):
        return image
    if isinstance(image, np.ndarray):
        return _from_array(image)
    if isinstance(image, Image.Image):
        return _from_pil(image)
    if isinstance(image, str | os.PathLike):
        path = Path(image)
        try:
            with (
                _missing_or_folder_as_file_error(path, "an image"),
                open_limited(path, max_pixels) as img,
            ):
                refuse_animation(img, str(path))
                img.load()
                return _from_pil(img)
        except SrcodecError:
            raise
        except UnidentifiedImageError:
            msg = f"{path}: not an image format Pillow can read"
            raise FileError(msg) from None
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            msg = f"{path}: cannot read image: {exc}"
            raise FileError(msg) from None
    msg = f"image must be a path, a PIL image or a numpy array, not {type(image).__name__}"
    raise UsageError(msg)


@contextlib.contextmanager
def _missing_or_folder_as_file_error(path: str | os.PathLike, kind: str) -> Iterator[None]:
    """Reading `path` inside: a missing file or a folder becomes a one-line FileError that
    names it (`kind` says what was expected, "an image" or "a file")."""
    try:
        yield
    except FileNotFoundError:
        msg = f"{path}: no such file"
        raise FileError(msg) from None
    except IsADirectoryError:
        msg = f"{path} is a folder, not {kind}"
        raise FileError(msg) from None


@contextlib.contextmanager
def open_limited(
    source: str | os.PathLike | IO[bytes],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    hint: str = "; raise it with --max-pixels",
    formats: list[str] | None = None,
) -> Iterator[Image.Image]:
    """Image.open with srcodec's pixel limit in place of Pillow's (which warns at half of
    it and names no way out): LimitError, naming --max-pixels, before decoding pixels."""
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # checked below, on the header's size
    try:
        img = Image.open(source, formats=formats)
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    with img:
        width, height = img.size
        if width * height > max_pixels:
            name = source if isinstance(source, str | os.PathLike) else "input"
            msg = (
                f"{name}: {width}x{height} = {width * height:,} pixels is over the limit of "
                f"{max_pixels:,} (a decompression-bomb guard){hint}"
            )
            raise LimitError(msg)
        yield img


def refuse_animation(img: Image.Image, name: str) -> None:
    """srcodec codes still images: dropping frames in silence would lose the animation.
    (A PIL image passed in directly is coded as the frame it is on: the caller chose.)"""
    frames = getattr(img, "n_frames", 1)
    if frames > 1:
        msg = (
            f"{name} is animated ({frames} frames); srcodec codes still images: "
            "pass --first-frame to code frame 0 alone (library: pass the frame as a PIL image)"
        )
        raise UsageError(msg)


def _from_array(arr: np.ndarray) -> SourceImage:
    if arr.dtype != np.uint8:
        msg = f"numpy images must be uint8, got {arr.dtype}"
        raise UsageError(msg)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4) or 0 in arr.shape:
        msg = f"numpy image must be HxW, HxWx1, HxWx3 or HxWx4, got shape {arr.shape}"
        raise UsageError(msg)
    if arr.shape[2] == 4:
        return SourceImage(np.ascontiguousarray(arr[..., :3]), _keep_alpha(arr[..., 3]))
    return SourceImage(np.ascontiguousarray(arr))


def _from_pil(img: Image.Image) -> SourceImage:
    icc = img.info.get("icc_profile") or None
    img = ImageOps.exif_transpose(img) or img  # orientation applied once, tag removed
    exif_obj = img.getexif()
    exif = exif_obj.tobytes() if len(exif_obj) else None
    mode = img.mode
    source_16bit = mode.startswith("I;16") or mode == "I"
    if mode == "F":
        msg = "floating-point (mode F) images are not supported; convert to 8 or 16 bits first"
        raise UsageError(msg)
    if mode == "CMYK":
        icc = None  # a CMYK profile does not describe the RGB pixels we keep
    alpha = None
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("LA" if mode in ("LA", "La") else "RGBA")
        alpha = _keep_alpha(np.asarray(rgba)[..., -1])
    if mode in _GRAY_MODES:
        if source_16bit:
            wide = np.asarray(img, dtype=np.int64)
            if mode == "I" and wide.max(initial=0) <= 255:
                source_16bit = False  # an "I" image that holds 8-bit values
                gray = wide.astype(np.uint8)
            else:
                gray = np.clip(np.floor(wide / 257 + 0.5), 0, 255).astype(np.uint8)
        else:
            gray = np.asarray(img.convert("L"))
        pixels = gray[..., None]
    else:
        pixels = np.asarray(img.convert("RGB"))
    return SourceImage(np.ascontiguousarray(pixels), alpha, icc, exif, source_16bit)


def _keep_alpha(alpha: np.ndarray) -> np.ndarray | None:
    return None if alpha.min() == 255 else np.ascontiguousarray(alpha)


def to_pil(pixels: np.ndarray, alpha: np.ndarray | None = None) -> Image.Image:
    img = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    if alpha is not None:
        img.putalpha(Image.fromarray(alpha))
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def png_bytes_of(plane: np.ndarray) -> bytes:
    """A uint8 plane as PNG bytes (the alpha chunk)."""
    return png_bytes(Image.fromarray(plane))


def read_bytes(data: bytes | str | os.PathLike | IO[bytes]) -> bytes:
    """bytes, a path or a binary file object -> bytes."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str | os.PathLike):
        try:
            with _missing_or_folder_as_file_error(data, "a file"):
                return Path(data).read_bytes()
        except OSError as exc:  # a read error (EIO, EACCES) that may not name the file
            msg = f"{data}: cannot read: {exc.strerror or exc}"
            raise FileError(msg) from None
    if hasattr(data, "read"):
        return bytes(data.read())
    msg = f"data must be bytes, a path or a binary file, not {type(data).__name__}"
    raise UsageError(msg)


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temp file beside `path`, then rename: never a partial file.

    A symbolic link is followed: its target is what gets replaced, the link stays. A
    device or a pipe (`/dev/null`, a FIFO) cannot be replaced by a rename and must not
    be: it gets the bytes written straight into it, as `>` in a shell would."""
    given = path
    path = Path(os.path.realpath(path) if os.path.islink(path) else path)
    if _is_special(path):
        with open(path, "wb") as f:
            write(f)
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    except OSError as exc:  # name the user's path, not the temp file's
        raise OSError(exc.errno, exc.strerror, str(given)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename == tmp or exc.filename2 == tmp:
            raise OSError(exc.errno, exc.strerror, str(given)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_special(path: Path) -> bool:
    """An existing file that is not a regular file or a folder: a device, a FIFO, a socket."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # not there yet (or not reachable: the write itself will say why)
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def format_for(path: str | os.PathLike) -> str:
    """Pillow's format name for `path`'s extension; PNG when it has none Pillow knows."""
    return Image.registered_extensions().get(Path(path).suffix.lower(), "PNG")


def write_output(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """write_atomic, or for "-" the whole output to standard output once it is complete
    (so a failure never leaves half an image in a pipe)."""
    if str(path) != "-":
        write_atomic(path, write)
        return
    import sys

    buf = io.BytesIO()
    write(buf)
    sys.stdout.buffer.write(buf.getvalue())
    sys.stdout.buffer.flush()


# Where each output format keeps the provenance text and what it cannot carry.
_TEXT_IN = {
    "PNG": "iTXt",
    "JPEG": "xmp",
    "WEBP": "xmp",
    "AVIF": "xmp",
    "TIFF": "tiff",
    "GIF": "gif",
}
_NO_ICC = ("BMP", "GIF", "PPM", "TGA", "PCX", "IM", "SGI", "DIB")
_ALPHA_FORMATS = ("PNG", "WEBP", "AVIF", "TIFF", "TGA", "GIF", "SGI", "JPEG2000", "ICO", "BMP")


def xmp_packet(text: str) -> bytes:
    """An XMP packet holding the provenance `text` as dc:description and srcodec:provenance."""
    from xml.sax.saxutils import escape, quoteattr

    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:srcodec="https://github.com/srcodec/srcodec/ns/1.0/" '
        f"srcodec:provenance={quoteattr(text)}><dc:description><rdf:Alt>"
        f'<rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt></dc:description>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def save_image(
    img: Image.Image, path: str | os.PathLike, text: dict[str, str] | None = None
) -> None:
    """Save by extension (PNG if none/unknown), keeping ICC/EXIF and the `text` (provenance)
    wherever the format has a field for it: PNG iTXt, XMP in JPEG/WebP/AVIF, the TIFF image
    description, a GIF comment. Anything the format drops is a LossWarning, never silent.
    `path` "-" writes a PNG to standard output."""
    import warnings

    from srcodec.errors import LossWarning

    fmt = "PNG" if str(path) == "-" else format_for(path)
    kwargs: dict = {}
    lost: list[str] = []
    if img.info.get("icc_profile"):
        if fmt in _NO_ICC:
            lost.append("the ICC colour profile")
        else:
            kwargs["icc_profile"] = img.info["icc_profile"]
    if img.info.get("exif"):
        if fmt in ("PNG", "JPEG", "WEBP", "AVIF", "TIFF"):
            kwargs["exif"] = img.info["exif"]
        else:
            lost.append("EXIF")
    where = _TEXT_IN.get(fmt)
    if text and where == "iTXt":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in text.items():
            info.add_itxt(key, value)
        kwargs["pnginfo"] = info
    elif text and where == "xmp":
        kwargs["xmp"] = xmp_packet(" ".join(text.values()))
    elif text and where == "tiff":
        kwargs["tiffinfo"] = {270: " ".join(text.values())}
    elif text and where == "gif":
        kwargs["comment"] = " ".join(text.values()).encode()
    elif text:
        lost.append("the provenance statement (no text field in this format)")
    if img.mode in ("RGBA", "LA") and fmt not in _ALPHA_FORMATS:
        lost.append("the alpha channel")
        img = img.convert("RGB" if img.mode == "RGBA" else "L")
    if fmt == "JPEG":
        kwargs.setdefault("quality", 95)

    def write(f: IO[bytes]) -> None:
        img.save(f, format=fmt, **kwargs)

    try:
        write_output(path, write)
    except (KeyError, ValueError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        msg = f"{path}: cannot save as {fmt}: {exc}"
        raise UsageError(msg) from None
    for what in lost:
        warnings.warn(f"{path}: {fmt} cannot hold {what}; dropped", LossWarning, stacklevel=2)
