"""Encode/decode orchestration: the only module that knows every part."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from srcodec import format as fmt
from srcodec import image_io, resample
from srcodec.base import BASE_CODECS
from srcodec.errors import CorruptError, SrcodecError, UnsupportedError, UsageError
from srcodec.format import ids
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.format.header import SCALES, Header
from srcodec.upscale import UPSCALERS, SideInfo

if TYPE_CHECKING:
    import os
    from typing import IO

    from srcodec.upscale import Upscaler

PROVENANCE_KEY = "srcodec"
# Default learned tool: the first of these that is installed and has a model for the scale.
# restore (luma+chroma, half-resolution) replaces cnn at x1; cnn wins on quality at x2
# (README Results), raisr covers x3/x4; bicubic (plain decode at x1) is always there.
UPSCALER_PREFERENCE = ("restore", "cnn", "raisr", "bicubic")
Options = tuple[tuple[str, Any], ...]  # base codec knobs, e.g. (("speed", 6),)


def default_upscaler(scale: int) -> str:
    """The best shipped upscaler usable here for `scale` (bicubic: plain at scale 1)."""
    for name in UPSCALER_PREFERENCE:
        entry = UPSCALERS.entry(name)
        if entry.missing() is None and scale in entry.get().scales():
            return name
    return "bicubic"


@dataclass(frozen=True)
class Choice:
    """One way to code an image: what HEAD records, plus the base codec's own knobs (they
    change how the payload is made, not how it decodes)."""

    scale: int
    base: str
    quality: int | None
    options: Options = ()

    def describe(self) -> str:
        q = "" if self.quality is None else f" q{self.quality}"
        opts = "".join(f" {k}={v}" for k, v in self.options)
        return f"x{self.scale} {self.base}{q}{opts}"


@dataclass
class Coded:
    """A Choice coded: the payload and the LR image exactly as the decoder will see it."""

    choice: Choice
    payload: bytes
    lr: np.ndarray
    subsampled: bool

    @property
    def side(self) -> SideInfo:
        c = self.choice
        return SideInfo(c.base, c.quality, c.scale, self.subsampled)


def check_choice(scale: int, base: str, quality: int | None) -> tuple[str, int | None]:
    """Validated (base name, quality) for a manual choice; UsageError otherwise."""
    if isinstance(scale, bool) or not isinstance(scale, int) or scale not in SCALES:
        msg = f"scale must be one of {', '.join(map(str, SCALES))}, got {scale!r}"
        raise UsageError(msg)
    entry = BASE_CODECS.entry(base)
    codec = entry.get()
    if codec.lossless:
        if quality is not None:
            msg = f"{entry.name} is lossless: a quality does not apply"
            raise UsageError(msg)
        return entry.name, None
    if quality is None:
        return entry.name, codec.default_quality
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 100:
        msg = f"quality must be an integer 0-100, got {quality!r}"
        raise UsageError(msg)
    return entry.name, quality


def downsample(src: image_io.SourceImage, scale: int) -> np.ndarray:
    return resample.downsample(src.pixels, scale)


def code_base(lr: np.ndarray, choice: Choice) -> Coded:
    """Encode `lr` as `choice` says and decode it back, as the decoder will."""
    from srcodec.base.pillow import chroma_subsampled

    codec = BASE_CODECS.entry(choice.base).get()
    payload = codec.encode(lr, choice.quality, dict(choice.options))
    decoded = codec.decode(payload, (lr.shape[1], lr.shape[0]), lr.shape[2])
    return Coded(choice, payload, decoded, chroma_subsampled(choice.base, payload))


def reconstruct(coded: Coded, upscaler: str, size: tuple[int, int], device: str = "auto") -> Any:
    """What the decoder outputs for `coded` with `upscaler`, cropped to `size` (W, H)."""
    impl = UPSCALERS.entry(upscaler).get()
    chosen = "cpu"
    if impl.uses_torch:
        from srcodec.device import pick

        chosen = pick(device)
    return impl.upscale(coded.lr, coded.side, chosen)[: size[1], : size[0]]


def assemble(
    src: image_io.SourceImage,
    coded: Coded,
    upscaler: str,
    keep_metadata: bool = True,
    alpha_png: bytes | None = None,
) -> bytes:
    """The .srz stream for `coded`, recording `upscaler` (and its model hash); `alpha_png`:
    the alpha chunk already made (a search assembles many streams of one image)."""
    choice = coded.choice
    up_entry = UPSCALERS.entry(upscaler)
    _check_scale(up_entry.get(), choice.scale)
    header = Header(
        width=src.size[0],
        height=src.size[1],
        colour=ids.COLOUR_GRAY if src.pixels.shape[2] == 1 else ids.COLOUR_RGB,
        scale=choice.scale,
        base=BASE_CODECS.entry(choice.base).wire_id,
        quality=ids.QUALITY_NONE if choice.quality is None else choice.quality,
        upscaler=up_entry.wire_id,
        model_hash=up_entry.get().model_hash(choice.scale),
        source_16bit=src.source_16bit,
    )
    alpha = alpha_png
    if src.alpha is not None and alpha is None:
        alpha = image_io.png_bytes_of(src.alpha)
    stream = fmt.Stream(
        header,
        coded.payload,
        alpha=alpha,
        icc=src.icc if keep_metadata else None,
        exif=src.exif if keep_metadata else None,
    )
    return fmt.write(stream)


def upscaler_candidates(scale: int, upscaler: str | None) -> list[str]:
    """A named upscaler alone; auto: the best learned one for the scale, then bicubic."""
    if upscaler not in (None, "auto"):
        name = UPSCALERS.entry(upscaler).name
        _check_scale(UPSCALERS.entry(name).get(), scale)
        return [name]
    best = default_upscaler(scale)
    return [best] if best == "bicubic" else [best, "bicubic"]


def encode(
    image: image_io.ImageLike | image_io.SourceImage,
    *,
    scale: int = 1,
    base: str = "avif",
    quality: int | None = None,
    upscaler: str | None = None,
    options: dict[str, Any] | None = None,
    keep_metadata: bool = True,
) -> bytes:
    """Code one given configuration (no search). `upscaler=None` or "auto": the encoder,
    which has the original, reconstructs with the best shipped learned tool for the scale
    and with the plain decode/bicubic, and records the one with the higher PSNR, so a
    learned tool is switched off on images where it loses. A named upscaler is recorded
    as given."""
    base, quality = check_choice(scale, base, quality)
    names = upscaler_candidates(scale, upscaler)
    src = image if isinstance(image, image_io.SourceImage) else image_io.load(image)
    choice = Choice(scale, base, quality, tuple(sorted((options or {}).items())))
    coded = code_base(downsample(src, scale), choice)
    name = names[0]
    if len(names) > 1:
        from srcodec.metrics import psnr

        scores = [psnr(src.pixels, reconstruct(coded, n, src.size)) for n in names]
        name = names[scores.index(max(scores))]
    return assemble(src, coded, name, keep_metadata)


def _check_scale(impl: Upscaler, scale: int, error: type[SrcodecError] = UsageError) -> None:
    """UsageError at encode (a bad request), UnsupportedError at decode (a stream we can't
    upscale with this install)."""
    if scale not in impl.scales():
        have = ", ".join(f"x{s}" for s in impl.scales())
        msg = f"upscaler {impl.name} has no model for scale {scale} (has {have}); use bicubic"
        raise error(msg)


@dataclass
class DecodeReport:
    """What decode did, for the CLI and for provenance."""

    header: Header
    lr_size: tuple[int, int]
    upscaler: str | None  # None when lr_only
    device: str
    synthesized: bool
    provenance: str


def decode(
    data: bytes | str | os.PathLike | IO[bytes],
    *,
    device: str = "auto",
    lr_only: bool = False,
    upscaler: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Decode an .srz stream to a PIL image (see `decode_with_report`)."""
    return decode_with_report(
        data, device=device, lr_only=lr_only, upscaler=upscaler, max_pixels=max_pixels
    )[0]


def decode_with_report(
    data: bytes | str | os.PathLike | IO[bytes],
    *,
    device: str = "auto",
    lr_only: bool = False,
    upscaler: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> tuple[Image.Image, DecodeReport]:
    """Returns the image (with ICC/EXIF in .info and the provenance text under
    info["srcodec"]) and a report. `lr_only` returns the transmitted LR image as decoded by
    the base codec, without upscaling or alpha; `upscaler` overrides the stream's choice."""
    from srcodec.device import check

    check(device)
    stream = fmt.read(image_io.read_bytes(data), max_pixels=max_pixels)
    header = stream.header
    lr = decode_lr(stream)
    lr_w, lr_h = header.lr_size
    if lr_only:
        img = image_io.to_pil(lr)
        text = f"transmitted low-resolution image {lr_w}x{lr_h} (no upscaling)"
        report = DecodeReport(header, (lr_w, lr_h), None, "none", False, text)
    else:
        hr, report = _upscale(stream, lr, device, upscaler)
        img = image_io.to_pil(hr, _decode_alpha(stream))
    if stream.icc:
        img.info["icc_profile"] = stream.icc
    if stream.exif:
        img.info["exif"] = stream.exif
    img.info[PROVENANCE_KEY] = report.provenance
    return img, report


def decode_lr(stream: fmt.Stream) -> np.ndarray:
    """The transmitted LR image, exactly as the base codec decodes it."""
    header = stream.header
    if header.downsampler != ids.DOWNSAMPLER_AA_CUBIC:
        msg = f"downsampler id {header.downsampler} is unknown to this decoder"
        raise UnsupportedError(msg)
    codec = BASE_CODECS.by_wire_id(header.base).get()
    return codec.decode(stream.base_payload, header.lr_size, header.channels)


def _upscale(
    stream: fmt.Stream, lr: np.ndarray, device: str, override: str | None
) -> tuple[np.ndarray, DecodeReport]:
    header = stream.header
    if override is None:
        entry = UPSCALERS.by_wire_id(header.upscaler)
    else:
        entry = UPSCALERS.entry(override)
    impl = entry.get()
    _check_scale(impl, header.scale, UnsupportedError)
    if entry.wire_id == header.upscaler and header.model_hash is not None:
        installed = impl.model_hash(header.scale)
        if installed != header.model_hash:
            have = installed.hex() if installed else "none"
            msg = (
                f"stream wants {entry.name} model {header.model_hash.hex()}, this install has "
                f"{have}; decode with --upscaler bicubic or install the matching srcodec"
            )
            raise UnsupportedError(msg)
    chosen = "cpu"
    if impl.uses_torch:
        from srcodec.device import pick

        chosen = pick(device)
    base_name = BASE_CODECS.by_wire_id(header.base).name
    quality = None if header.quality == ids.QUALITY_NONE else header.quality
    from srcodec.base.pillow import chroma_subsampled

    subsampled = chroma_subsampled(base_name, stream.base_payload)
    side = SideInfo(base=base_name, quality=quality, scale=header.scale, subsampled=subsampled)
    hr = impl.upscale(lr, side, chosen)
    if hr.shape[:2] != (lr.shape[0] * header.scale, lr.shape[1] * header.scale):
        msg = f"upscaler {entry.name} returned {hr.shape}, expected x{header.scale} of {lr.shape}"
        raise CorruptError(msg)
    hr = np.ascontiguousarray(hr[: header.height, : header.width])
    lr_w, lr_h = header.lr_size
    digest = impl.model_hash(header.scale)
    model = f" (model {digest.hex()})" if digest else ""
    if impl.synthesizes and header.scale > 1:
        text = (
            f"detail above the transmitted {lr_w}x{lr_h} resolution was synthesized by the "
            f"learned upscaler {entry.name}{model}; it is a guess, not transmitted data"
        )
    elif impl.synthesizes:
        text = f"restored by the learned filter {entry.name}{model} from the transmitted image"
    elif header.scale > 1:
        text = f"interpolated from the transmitted {lr_w}x{lr_h} image by {entry.name}"
    else:
        text = "transmitted at full resolution"
    synthesized = impl.synthesizes
    return hr, DecodeReport(header, (lr_w, lr_h), entry.name, chosen, synthesized, text)


def _decode_alpha(stream: fmt.Stream) -> np.ndarray | None:
    if stream.alpha is None:
        return None
    header = stream.header
    try:
        with Image.open(io.BytesIO(stream.alpha), formats=["PNG"]) as img:
            if img.size != (header.width, header.height) or img.mode != "L":
                want = f"L {header.width}x{header.height}"
                msg = f"alpha chunk is {img.mode} {img.size}, expected {want}"
                raise CorruptError(msg)
            return np.asarray(img)
    except CorruptError:
        raise
    except Exception as exc:  # untrusted PNG: any failure means corrupt
        msg = f"alpha chunk does not decode: {type(exc).__name__}: {exc}"
        raise CorruptError(msg) from None


def info(
    data: bytes | str | os.PathLike | IO[bytes], *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> dict[str, Any]:
    """Header fields and chunk sizes, without decoding pixels or importing torch."""
    raw = image_io.read_bytes(data)
    stream = fmt.read(raw, max_pixels=max_pixels)
    h = stream.header
    base = _name_or_id(BASE_CODECS, h.base)
    up_entry = _entry_or_none(UPSCALERS, h.upscaler)
    lr_w, lr_h = h.lr_size
    learned = bool(up_entry and up_entry.learned)
    if h.scale > 1 and learned:
        detail = "synthesized above the LR resolution by a learned upscaler"
    elif h.scale > 1:
        detail = "interpolated above the LR resolution (nothing synthesized)"
    else:
        detail = "transmitted at full resolution"
    chunk_bytes = {"B": len(stream.base_payload)}
    for key, blob in (("A", stream.alpha), ("i", stream.icc), ("x", stream.exif)):
        if blob is not None:
            chunk_bytes[key] = len(blob)
    return {
        "version": "{}.{}".format(*stream.version),
        "width": h.width,
        "height": h.height,
        "channels": h.channels + (1 if stream.alpha is not None else 0),
        "colour": "gray" if h.colour == ids.COLOUR_GRAY else "rgb",
        "alpha": stream.alpha is not None,
        "source_bits": 16 if h.source_16bit else 8,
        "scale": h.scale,
        "lr_width": lr_w,
        "lr_height": lr_h,
        "downsampler": "aa-cubic" if h.downsampler == ids.DOWNSAMPLER_AA_CUBIC else h.downsampler,
        "base": base,
        "quality": None if h.quality == ids.QUALITY_NONE else h.quality,
        "chroma": _chroma(base, stream.base_payload),
        "upscaler": up_entry.name if up_entry else h.upscaler,
        "model_hash": h.model_hash.hex() if h.model_hash else None,
        "detail": detail,
        "icc_profile": stream.icc is not None,
        "exif": stream.exif is not None,
        "file_bytes": len(raw),
        "payload_bytes": len(stream.base_payload),
        "overhead_bytes": len(raw) - len(stream.base_payload),
        "chunk_bytes": chunk_bytes,
        "bpp": len(raw) * 8 / (h.width * h.height),
    }


def _chroma(base: str | int, payload: bytes) -> str | None:
    """The base layer's chroma layout as read off its payload (None for gray or lossless)."""
    from srcodec.base.pillow import chroma_subsampled

    if base not in ("jpeg", "webp", "avif"):
        return None
    return "4:2:0" if chroma_subsampled(str(base), payload) else "4:4:4"


def _entry_or_none(registry: Any, wire_id: int) -> Any:
    try:
        return registry.by_wire_id(wire_id)
    except UnsupportedError:
        return None


def _name_or_id(registry: Any, wire_id: int) -> str | int:
    entry = _entry_or_none(registry, wire_id)
    return entry.name if entry else wire_id
