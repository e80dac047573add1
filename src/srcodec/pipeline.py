"""Code exactly one fully specified choice: the base layer (`code_base`), what the decoder
makes of it with a tool (`reconstruct`), chunk S for that tool (`choose_strength`) and the
.srz stream (`assemble`). What to choose is the search's job (srcodec.search); the decode
half is srcodec.decoder."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from srcodec import format as fmt
from srcodec import image_io, resample
from srcodec.base import BASE_CODECS, DEFAULT_BASE
from srcodec.errors import UsageError
from srcodec.format import ids
from srcodec.format.header import SCALES, Header
from srcodec.upscale import PLAIN, UPSCALERS, SideInfo, check_tool, default_upscaler

if TYPE_CHECKING:
    import numpy as np

    from srcodec.format.strength import StrengthChunk
    from srcodec.upscale.strength import Choice as StrengthChoice


Options = tuple[tuple[str, Any], ...]  # base codec knobs, e.g. (("speed", 6),)


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
    codec = BASE_CODECS.entry(choice.base).get()
    payload = codec.encode(lr, choice.quality, dict(choice.options))
    decoded = codec.decode(payload, (lr.shape[1], lr.shape[0]), lr.shape[2])
    return Coded(choice, payload, decoded, codec.subsampled(payload))


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
    if impl.runs_network:
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
    check_tool(up_entry.get(), choice.base, choice.scale)  # never a stream the decoder refuses
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
    plain = done.get(PLAIN)
    if plain is None:
        plain = reconstruct(coded, PLAIN, src.size)
    return strength.choose(src.pixels, tool, plain, stream_bytes)


def upscaler_candidates(scale: int, upscaler: str | None, base: str | None = None) -> list[str]:
    """A named upscaler alone (UsageError where it has no model for `base`, default the
    search's, at `scale`); auto: the best learned one for the scale and base, then bicubic."""
    base = BASE_CODECS.entry(base or DEFAULT_BASE).name
    if upscaler not in (None, "auto"):
        name = UPSCALERS.entry(upscaler).name
        check_tool(UPSCALERS.entry(name).get(), base, scale)
        return [name]
    best = default_upscaler(scale, base)
    return [best] if best == PLAIN else [best, PLAIN]


__all__ = [
    "Choice",
    "Coded",
    "assemble",
    "check_choice",
    "choose_strength",
    "code_base",
    "downsample",
    "reconstruct",
    "upscaler_candidates",
]
