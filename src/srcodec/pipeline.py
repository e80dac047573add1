"""Encode orchestration and stream info; the decode half lives in srcodec.decoder and is
re-exported here (pipeline.decode, decode_with_report, decode_lr, DecodeReport)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from srcodec import format as fmt
from srcodec import image_io, resample
from srcodec.base import BASE_CODECS
from srcodec.decoder import PROVENANCE_KEY, DecodeReport, decode, decode_lr, decode_with_report
from srcodec.errors import SrcodecError, UnsupportedError, UsageError
from srcodec.format import ids
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.format.header import SCALES, Header
from srcodec.upscale import UPSCALERS, SideInfo, check_scale

if TYPE_CHECKING:
    import os
    from typing import IO

    import numpy as np

    from srcodec.format.strength import StrengthChunk
    from srcodec.upscale.strength import Choice as StrengthChoice


# Default learned tool: the first of these that is installed and has a model for the scale.
# restore (luma+chroma, half-resolution) beats cnn at x1 and x2 (README Results), raisr
# covers x3/x4; bicubic (plain decode at x1) is always there.
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


def reconstruct(
    coded: Coded,
    upscaler: str,
    size: tuple[int, int],
    device: str = "auto",
    metric: str | None = None,
) -> Any:
    """What the decoder outputs for `coded` with `upscaler`, cropped to `size` (W, H);
    `metric`: the encoder's, which picks the tool's model (as `assemble` records it)."""
    impl = UPSCALERS.entry(upscaler).get()
    chosen = "cpu"
    if impl.uses_torch:
        from srcodec.device import pick

        chosen = pick(device)
    c = coded.choice
    side = replace(coded.side, model_hash=impl.model_hash(c.scale, c.base, metric))
    return impl.upscale(coded.lr, side, chosen)[: size[1], : size[0]]


def assemble(
    src: image_io.SourceImage,
    coded: Coded,
    upscaler: str,
    keep_metadata: bool = True,
    alpha_png: bytes | None = None,
    strength: StrengthChunk | None = None,
    metric: str | None = None,
) -> bytes:
    """The .srz stream for `coded`, recording `upscaler` (and its model hash); `alpha_png`:
    the alpha chunk already made (a search assembles many streams of one image);
    `strength`: chunk S for the upscaler (`choose_strength`); `metric`: the encoder's,
    which picks the tool's model."""
    choice = coded.choice
    up_entry = UPSCALERS.entry(upscaler)
    check_scale(up_entry.get(), choice.scale)
    header = Header(
        width=src.size[0],
        height=src.size[1],
        colour=ids.COLOUR_GRAY if src.pixels.shape[2] == 1 else ids.COLOUR_RGB,
        scale=choice.scale,
        base=BASE_CODECS.entry(choice.base).wire_id,
        quality=ids.QUALITY_NONE if choice.quality is None else choice.quality,
        upscaler=up_entry.wire_id,
        model_hash=up_entry.get().model_hash(choice.scale, choice.base, metric),
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
        strength=strength,
    )
    return fmt.write(stream)


def choose_strength(
    src: image_io.SourceImage,
    coded: Coded,
    upscaler: str,
    stream_bytes: int,
    outputs: dict[str, np.ndarray] | None = None,
    device: str = "auto",
) -> StrengthChoice:
    """Chunk S for a learned `upscaler` (spec §3.5): the per-channel and per-tile strength
    that pays for its bytes on this image, or a choice without a chunk. `outputs`: the
    reconstructions already made, by upscaler name."""
    from srcodec.upscale import strength

    done = outputs or {}
    tool = done.get(upscaler)
    if tool is None:
        tool = reconstruct(coded, upscaler, src.size, device)
    plain = done.get("bicubic")
    if plain is None:
        plain = reconstruct(coded, "bicubic", src.size)
    return strength.choose(src.pixels, tool, plain, stream_bytes)


def upscaler_candidates(scale: int, upscaler: str | None) -> list[str]:
    """A named upscaler alone; auto: the best learned one for the scale, then bicubic."""
    if upscaler not in (None, "auto"):
        name = UPSCALERS.entry(upscaler).name
        check_scale(UPSCALERS.entry(name).get(), scale)
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
    strength: bool | None = None,
) -> bytes:
    """Code one given configuration (no search). `upscaler=None` or "auto": the encoder,
    which has the original, reconstructs with the best shipped learned tool for the scale
    and with the plain decode/bicubic, and records the one with the higher PSNR, so a
    learned tool is switched off on images where it loses. A named upscaler is recorded
    as given. `strength` (default: on with auto): where the learned tool is kept, also
    fit its strength per channel and tile (chunk S) when that pays for its bytes."""
    base, quality = check_choice(scale, base, quality)
    names = upscaler_candidates(scale, upscaler)
    src = image if isinstance(image, image_io.SourceImage) else image_io.load(image)
    choice = Choice(scale, base, quality, tuple(sorted((options or {}).items())))
    coded = code_base(downsample(src, scale), choice)
    name = names[0]
    outputs: dict[str, np.ndarray] = {}
    scores: dict[str, float] = {}
    if len(names) > 1:
        from srcodec.metrics import psnr

        for n in names:
            try:
                outputs[n] = reconstruct(coded, n, src.size)
                scores[n] = psnr(src.pixels, outputs[n])
            except UnsupportedError:  # a tool not trained for this base (restore: learned)
                scores[n] = float("-inf")
        name = max(names, key=lambda n: scores[n])
    stream = assemble(src, coded, name, keep_metadata)
    if strength is None:
        strength = upscaler in (None, "auto")
    tool = names[0]  # the learned candidate, whether or not it won on its own
    unusable = scores.get(tool) == float("-inf")  # not trained for this base
    if not strength or unusable or not UPSCALERS.entry(tool).get().synthesizes:
        return stream
    plain = stream if name == tool else assemble(src, coded, tool, keep_metadata)
    picked = choose_strength(src, coded, tool, len(plain), outputs)
    if picked.chunk is None:
        return stream
    adapted = assemble(src, coded, tool, keep_metadata, strength=picked.chunk)
    if name != tool:  # bicubic won against the tool alone: S must beat it net of its bytes
        from srcodec.upscale.strength import net_gain

        gain = scores[tool] + picked.gain_db - scores[name]
        if net_gain(gain, len(adapted) - len(stream), len(stream)) <= 0:
            return stream
    return adapted


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
    strength = None
    if stream.strength is not None:  # spec §3.5: chunk S, the encoder-chosen tool strength
        chunk_bytes["S"] = len(stream.strength.to_bytes())
        strength = {
            "tile": stream.strength.tile,
            "gains": [g / 32 for g in stream.strength.gains],
            "map": stream.strength.has_map,
        }
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
        "base_model": _base_model(base, stream.base_payload),
        "upscaler": up_entry.name if up_entry else h.upscaler,
        "model_hash": h.model_hash.hex() if h.model_hash else None,
        "strength": strength,
        "detail": detail,
        "icc_profile": stream.icc is not None,
        "exif": stream.exif is not None,
        "file_bytes": len(raw),
        "payload_bytes": len(stream.base_payload),
        "overhead_bytes": len(raw) - len(stream.base_payload),
        "chunk_bytes": chunk_bytes,
        "bpp": len(raw) * 8 / (h.width * h.height),
    }


def _base_model(base: str | int, payload: bytes) -> str | None:
    """A learned base's model hash and payload version (spec §6.1.1), None for the others;
    read off the payload header (no torch)."""
    if base != "learned":
        return None
    from srcodec.base import learned

    try:
        version, model_hash, *_ = learned.unpack(payload)
    except SrcodecError:  # info reports headers; decoding says what is wrong with the payload
        return None
    return f"{model_hash.hex()} (payload version {version})"


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


__all__ = [
    "PROVENANCE_KEY",
    "Choice",
    "Coded",
    "DecodeReport",
    "assemble",
    "check_choice",
    "code_base",
    "decode",
    "decode_lr",
    "decode_with_report",
    "default_upscaler",
    "encode",
    "info",
    "reconstruct",
    "upscaler_candidates",
]
