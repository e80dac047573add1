"""Decoding .srz streams: to a PIL image, or straight to a PNG file in bounded memory.

The LR image is decoded whole (the base codecs decode whole images), then upscaled in
full-width row bands (upscale/bands.py). `decode_with_report` pastes the bands into one PIL
image; `decode_to_file` streams them to a PNG writer when the image is large, so the output
image is never held at all. `memory_estimate` is the bound documented in SPEC §8.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from srcodec import arguments, image_io
from srcodec import format as fmt
from srcodec.base import BASE_CODECS
from srcodec.errors import CorruptError, LimitError, UnsupportedError
from srcodec.format import ids
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.memory import NETWORK_RUNTIME_BYTES, RUNTIME_BYTES, STRENGTH_BYTES_PER_PIXEL
from srcodec.upscale import UPSCALERS, SideInfo, check_tool, plain_upscaler
from srcodec.upscale.bands import band_rows, upscale_bands

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator
    from typing import IO

    from srcodec.format.header import Header
    from srcodec.format.strength import StrengthChunk
    from srcodec.upscale import Upscaler

PROVENANCE_KEY = "srcodec"
STREAM_ABOVE = 1 << 24  # output pixels above which decode_to_file streams PNG rows
Progress = Callable[[int, int], None]  # (output rows done, output rows in all)


@dataclass
class DecodeReport:
    """What decode did, for the CLI and for provenance."""

    header: Header
    lr_size: tuple[int, int]
    upscaler: str | None  # None when lr_only
    device: str
    synthesized: bool
    provenance: str


@dataclass
class _Plan:
    """A stream read and checked, with what will upscale it; no pixels decoded yet."""

    stream: fmt.Stream
    impl: Upscaler | None  # None: lr_only
    side: SideInfo | None
    report: DecodeReport
    strength: StrengthChunk | None = None  # chunk S, kept only with the recorded tool

    @property
    def size(self) -> tuple[int, int]:
        if self.impl is None:
            return self.report.lr_size
        return self.stream.header.width, self.stream.header.height

    @property
    def channels(self) -> int:
        alpha = self.impl is not None and self.stream.alpha is not None
        return self.stream.header.channels + int(alpha)

    def bands(self, progress: Progress | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(first output row, uint8 rows x W x channels) from top to bottom."""
        lr = decode_lr(self.stream)
        if self.impl is None or self.side is None:
            yield 0, lr
            return
        if self.impl.runs_network:
            from srcodec.device import pick

            self.report.device = pick(self.report.device)
        width, height = self.size
        alpha = _decode_alpha(self.stream)
        for y, rows in self._upscaled(lr, self.impl, self.side):
            rows = rows[: max(0, height - y), :width]
            if rows.shape[0] == 0:
                continue
            if alpha is not None:
                rows = np.concatenate([rows, alpha[y : y + rows.shape[0], :, None]], axis=2)
            yield y, rows
            if progress is not None:
                progress(y + rows.shape[0], height)

    def _upscaled(
        self, lr: np.ndarray, impl: Upscaler, side: SideInfo
    ) -> Iterator[tuple[int, np.ndarray]]:
        """The tool's bands; with a strength chunk, blended with the plain reconstruction
        (bicubic, the LR image itself at scale 1) of the same rows (spec §3.5)."""
        device = self.report.device
        if self.strength is None:
            yield from upscale_bands(impl, lr, side, device)
            return
        from srcodec.upscale import strength

        rows = band_rows(lr.shape[1], side.scale, impl.halo)
        chosen = strength.read(self.strength, *self.size)
        plain = plain_upscaler()
        tool_bands = upscale_bands(impl, lr, side, device, rows)
        plain_bands = upscale_bands(plain, lr, side, "cpu", rows)
        for (y, tool), (_, base) in zip(tool_bands, plain_bands, strict=True):
            yield y, strength.apply(tool, base, chosen, y)


def _plan(
    data: bytes | str | os.PathLike | IO[bytes],
    *,
    device: str,
    lr_only: bool,
    upscaler: str | None,
    max_pixels: int,
    max_memory: int | None = None,
    streamed: bool = False,
) -> _Plan:
    stream = fmt.read(image_io.read_bytes(data), max_pixels=max_pixels)
    header = stream.header
    lr_w, lr_h = header.lr_size
    if lr_only:
        text = f"transmitted low-resolution image {lr_w}x{lr_h} (no upscaling)"
        report = DecodeReport(header, (lr_w, lr_h), None, "none", False, text)
        plan = _Plan(stream, None, None, report)
    else:
        plan = _upscale_plan(stream, device, upscaler)
    if max_memory is not None:
        need = memory_estimate(plan, streamed=streamed)
        if need > max_memory:
            msg = (
                f"decoding this {header.width}x{header.height} stream needs about "
                f"{need >> 20} MiB, over the memory limit of {max_memory >> 20} MiB "
                "(--max-memory; SPEC §8 gives the formula)"
            )
            raise LimitError(msg)
    return plan


def _upscale_plan(stream: fmt.Stream, device: str, override: str | None) -> _Plan:
    header = stream.header
    entry = UPSCALERS.by_wire_id(header.upscaler) if override is None else UPSCALERS.entry(override)
    impl = entry.get()
    recorded = entry.wire_id == header.upscaler
    base_entry = BASE_CODECS.by_wire_id(header.base)
    base_name = base_entry.name
    check_tool(impl, base_name, header.scale, UnsupportedError)
    if recorded and header.model_hash is not None:
        installed = impl.model_hash(header.scale, base_name)
        if header.model_hash not in impl.model_hashes(header.scale):
            have = installed.hex() if installed else "none"
            msg = (
                f"stream wants {entry.name} model {header.model_hash.hex()}, this install has "
                f"{have}; decode with --upscaler bicubic or install the matching srcodec"
            )
            raise UnsupportedError(msg)
    # the device is picked (the runtime loaded) after the LR image is decoded: the two peaks
    # of a large decode then do not add up
    chosen = device if impl.runs_network else "cpu"
    quality = None if header.quality == ids.QUALITY_NONE else header.quality
    subsampled = base_entry.get().subsampled(stream.base_payload)
    side = SideInfo(
        base=base_name,
        quality=quality,
        scale=header.scale,
        subsampled=subsampled,
        model_hash=header.model_hash if recorded else None,
    )
    lr_w, lr_h = header.lr_size
    digest = side.model_hash or impl.model_hash(header.scale, base_name)
    model = f" (model {digest.hex()})" if digest else ""
    # "synthesized" only where a learned tool made pixels above the transmitted resolution
    synthesized = impl.synthesizes and header.scale > 1
    if synthesized:
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
    if stream.strength is not None and recorded:
        text += "; its strength per channel and tile was chosen by the encoder"
    report = DecodeReport(header, (lr_w, lr_h), entry.name, chosen, synthesized, text)
    return _Plan(stream, impl, side, report, stream.strength if recorded else None)


def decode(
    data: bytes | str | os.PathLike | IO[bytes],
    *,
    device: str = "auto",
    lr_only: bool = False,
    upscaler: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_memory: int | None = None,
    progress: Progress | None = None,
) -> Image.Image:
    """Decode an .srz stream to a PIL image; the keywords are decode_with_report's."""
    return decode_with_report(
        data,
        device=device,
        lr_only=lr_only,
        upscaler=upscaler,
        max_pixels=max_pixels,
        max_memory=max_memory,
        progress=progress,
    )[0]


def decode_with_report(
    data: bytes | str | os.PathLike | IO[bytes],
    *,
    device: str = "auto",
    lr_only: bool = False,
    upscaler: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_memory: int | None = None,
    progress: Progress | None = None,
) -> tuple[Image.Image, DecodeReport]:
    """Returns the image (with ICC/EXIF in .info and the provenance text under
    info["srcodec"]) and a report. `lr_only` returns the transmitted LR image as decoded by
    the base codec, without upscaling or alpha; `upscaler` overrides the stream's choice.
    `max_memory` (bytes): refuse, before decoding, a stream whose decode would need more
    (memory_estimate)."""
    arguments.check_decode(device, lr_only, upscaler, max_pixels, max_memory, progress)
    plan = _plan(
        data,
        device=device,
        lr_only=lr_only,
        upscaler=upscaler,
        max_pixels=max_pixels,
        max_memory=max_memory,
    )
    return _image(plan, progress), plan.report


def _image(plan: _Plan, progress: Progress | None) -> Image.Image:
    """The bands pasted into one PIL image, with ICC, EXIF and provenance in .info."""
    img: Image.Image | None = None
    for y, rows in plan.bands(progress):
        band = image_io.to_pil(rows[..., : plan.stream.header.channels], _alpha_of(plan, rows))
        if img is None and band.size == plan.size:
            img = band  # one band: the image itself, no copy
            continue
        if img is None:
            img = Image.new(band.mode, plan.size)
        img.paste(band, (0, y))
    if img is None:
        msg = "decoder produced no rows"
        raise CorruptError(msg)
    stream = plan.stream
    if stream.icc:
        img.info["icc_profile"] = stream.icc
    if stream.exif:
        img.info["exif"] = stream.exif
    img.info[PROVENANCE_KEY] = plan.report.provenance
    return img


def _alpha_of(plan: _Plan, rows: np.ndarray) -> np.ndarray | None:
    return rows[..., -1] if rows.shape[2] > plan.stream.header.channels else None


def decode_to_file(
    data: bytes | str | os.PathLike | IO[bytes],
    output: str | os.PathLike,
    *,
    device: str = "auto",
    lr_only: bool = False,
    upscaler: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_memory: int | None = None,
    progress: Progress | None = None,
) -> tuple[tuple[int, int], DecodeReport]:
    """Decode and save by extension (image_io.save_image's rules, provenance included);
    large PNG outputs are written band by band, so the output image is never held whole.
    Returns (size, report). Atomic: nothing is left behind on any error or Ctrl-C."""
    out = str(output)
    png = out == "-" or image_io.format_for(out) == "PNG"
    arguments.check_decode(device, lr_only, upscaler, max_pixels, max_memory, progress)
    plan = _plan(
        data,
        device=device,
        lr_only=lr_only,
        upscaler=upscaler,
        max_pixels=max_pixels,
        max_memory=max_memory,
        streamed=png,
    )
    width, height = plan.size
    if not png or width * height <= STREAM_ABOVE:
        img = _image(plan, progress)
        image_io.save_image(img, out, text={PROVENANCE_KEY: plan.report.provenance})
        return img.size, plan.report
    from srcodec.png_writer import PngWriter

    stream = plan.stream

    def write(f: IO[bytes]) -> None:
        writer = PngWriter(
            f,
            width,
            height,
            plan.channels,
            text={PROVENANCE_KEY: plan.report.provenance},
            icc=stream.icc,
            exif=stream.exif,
        )
        for _, rows in plan.bands(progress):
            writer.write(rows)
        writer.close()

    image_io.write_output(out, write)
    return (width, height), plan.report


def memory_estimate(plan: _Plan, *, streamed: bool) -> int:
    """Peak bytes a decode of `plan` needs (SPEC §8): the runtime, the LR image while the
    base codec hands it over, alpha, one band's working set and, unless the output is
    streamed to a PNG, the output image in Pillow's layout. Nothing else grows with the
    image."""
    header = plan.stream.header
    lr_w, lr_h = header.lr_size
    lr_bytes = lr_w * lr_h * header.channels
    pil_px = 4 if header.channels == 3 else 1  # Pillow keeps RGB as 4 bytes per pixel
    need = RUNTIME_BYTES + lr_bytes + lr_w * lr_h * pil_px  # numpy + Pillow during decode
    need += BASE_CODECS.by_wire_id(header.base).get().decode_memory(header.lr_size)
    if plan.impl is None:
        return need
    if plan.impl.runs_network:
        need += NETWORK_RUNTIME_BYTES
    width, height = header.width, header.height
    if plan.stream.alpha is not None:
        need += 2 * width * height
    s = header.scale
    rows = min(band_rows(lr_w, s, plan.impl.halo) + 2 * plan.impl.halo, lr_h)
    per_pixel = plan.impl.band_bytes_per_pixel
    if plan.strength is not None:  # the plain band beside it, and the int32 blend planes
        per_pixel += plain_upscaler().band_bytes_per_pixel + STRENGTH_BYTES_PER_PIXEL
    need += rows * s * lr_w * s * per_pixel
    if not streamed:
        need += width * height * (4 if plan.channels >= 3 else plan.channels)
    return need


def decode_lr(stream: fmt.Stream) -> np.ndarray:
    """The transmitted LR image, exactly as the base codec decodes it."""
    header = stream.header
    if header.downsampler != ids.DOWNSAMPLER_AA_CUBIC:
        msg = f"downsampler id {header.downsampler} is unknown to this decoder"
        raise UnsupportedError(msg)
    codec = BASE_CODECS.by_wire_id(header.base).get()
    return codec.decode(stream.base_payload, header.lr_size, header.channels)


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
