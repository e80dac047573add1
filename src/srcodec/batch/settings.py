"""What `srcodec batch` does to each file, checked once before any file is touched."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from srcodec.errors import UsageError

Mode = Literal["encode", "decode"]
STREAM_SUFFIX = ".srz"
# keywords that change which files are done or how fast, never an output's bytes
NOT_SHAPING = ("device", "max_pixels", "max_memory")


@dataclass(frozen=True)
class Settings:
    """`encode`: the keywords of `srcodec.encoder.encode_explained`; `decode`: those of
    `pipeline.decode_with_report`; `ext`: the decoded images' extension (decode mode)."""

    mode: Mode
    encode: dict[str, Any] = field(default_factory=dict)
    decode: dict[str, Any] = field(default_factory=dict)
    ext: str = ".png"

    def key(self) -> str:
        """A digest of everything that shapes the outputs: the manifest keeps it per file,
        so a rerun with other settings redoes the files instead of trusting old outputs.
        The device and the limits are left out (NOT_SHAPING: they change speed or which
        files are refused, not bytes)."""
        shaped = asdict(self)
        shaped["encode"] = {k: v for k, v in self.encode.items() if k not in NOT_SHAPING}
        shaped["decode"] = {k: v for k, v in self.decode.items() if k not in NOT_SHAPING}
        text = json.dumps(shaped, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def wants(self, rel: str) -> bool:
        """Is this source file one the mode transcodes? (Others are counted and left.)"""
        suffix = PurePosixPath(rel).suffix.lower()
        if self.mode == "decode":
            return suffix == STREAM_SUFFIX
        from PIL import Image

        return suffix != STREAM_SUFFIX and suffix in Image.registered_extensions()

    def may_run_network(self) -> bool:
        """Could a file need a learned tool? (Streams may name one; so may the encoder.)"""
        if self.mode == "decode":
            return not self.decode.get("lr_only") and _may_run_network(self.decode.get("upscaler"))
        return _may_run_network(self.encode.get("upscaler"))

    def output_name(self, rel: str) -> str:
        suffix = STREAM_SUFFIX if self.mode == "encode" else self.ext
        return str(PurePosixPath(rel).with_suffix(suffix))


def _may_run_network(upscaler: str | None) -> bool:
    """A named upscaler says whether it runs a network; unnamed ("auto"), it may."""
    if upscaler in (None, "auto"):
        return True
    from srcodec.upscale import UPSCALERS

    return UPSCALERS.entry(upscaler).get().runs_network


def image_extension(fmt: str) -> str:
    """`png`, `.webp`, ... -> ".png"; a format Pillow cannot write is a UsageError."""
    from PIL import Image

    ext = "." + fmt.lower().lstrip(".")
    name = Image.registered_extensions().get(ext)
    if ext == STREAM_SUFFIX or name is None or name not in Image.SAVE:
        msg = f"--format {fmt!r}: not an image format Pillow can write (png, webp, jpg, tif, ...)"
        raise UsageError(msg)
    return ext


def check(settings: Settings) -> None:
    """The option errors every file would hit, raised once: manual-mode choices, the
    target, the upscaler for the scale, the device name."""
    from srcodec import device, pipeline, search
    from srcodec.metrics.scoring import DEFAULT_METRIC, SCORINGS

    e = settings.encode
    device.check((e if settings.mode == "encode" else settings.decode).get("device", "auto"))
    if settings.mode == "decode":
        for name in ("max_pixels", "max_memory"):
            limit = settings.decode.get(name)
            if limit is not None and (type(limit) is not int or limit < 1):
                msg = f"{name} must be a positive whole number, got {limit!r}"
                raise UsageError(msg)
        upscaler = settings.decode.get("upscaler")
        if upscaler is not None:
            from srcodec.upscale import UPSCALERS

            UPSCALERS.entry(upscaler)
        return
    scores = {name: e.get(spec.target_keyword) for name, spec in SCORINGS.items()}
    targets = (*(spec.target_keyword for spec in SCORINGS.values()), "target_size", "target_bpp")
    manual = e.get("base") is not None and all(e.get(t) is None for t in targets)
    if manual:
        scale = e.get("scale") or 1
        pipeline.check_choice(scale, e["base"], e.get("quality"))
        pipeline.upscaler_candidates(scale, e.get("upscaler"), e["base"])
        return
    search.parse_target(
        quality=e.get("quality"),
        metric=e.get("metric", DEFAULT_METRIC),
        pixels=1,  # bpp -> bytes needs the image; here only the sign is checked
        scores=scores,
        target_size=e.get("target_size"),
        target_bpp=e.get("target_bpp"),
    )
    if e.get("scale") is not None:
        pipeline.upscaler_candidates(e["scale"], e.get("upscaler"), e.get("base"))
