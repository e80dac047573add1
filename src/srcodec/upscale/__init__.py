"""Upscalers: what the decoder runs on the decoded LR image. UPSCALERS maps name/wire id.

An upscaler gets the decoded LR image, the integer scale, the stream's side information
(base codec and quality, so learned models can pick a bank or condition on them) and a
device string; it returns the image at LR size x scale (the pipeline crops to W x H).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from srcodec.errors import SrcodecError, UsageError
from srcodec.format import ids
from srcodec.registry import Entry, Registry

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np


@dataclass(frozen=True)
class SideInfo:
    """What the stream tells an upscaler about how its input was made."""

    base: str  # base codec name, e.g. "avif"
    quality: int | None  # base quality 0-100, None for lossless bases
    scale: int
    subsampled: bool = True  # chroma coded at reduced resolution (read off the payload)
    model_hash: bytes | None = None  # the model the stream names; None: the current one


class Upscaler(Protocol):
    name: str
    synthesizes: bool  # True: it invents detail above the LR resolution (learned model)
    runs_network: bool  # runs a network on --device (ONNX Runtime); False: CPU numpy only
    halo: int  # LR rows of context an output row depends on (decoding in bands: bands.py)
    band_bytes_per_pixel: int  # working set per HR pixel of a band (decoder memory estimate)
    # rank as the default tool (lower first; None: never picked unless named)
    preference: int | None

    def scales(self) -> tuple[int, ...]:
        """The scales this upscaler has a model for (checked at encode and decode)."""
        ...

    def supports(self, base: str, scale: int) -> bool:
        """Whether a model this tool ships decodes payloads of `base` at `scale` (checked
        at encode, so no stream names a tool its decoder refuses, and at decode)."""
        ...

    def model_hash(
        self, scale: int, base: str | None = None, metric: str | None = None
    ) -> bytes | None:
        """First 4 bytes of the SHA-256 of the model file used at `scale` for payloads of
        `base` (a tool may ship a model fine-tuned on one base) by an encoder that scores
        with `metric` (a tool may ship a model trained for it; None: its default model),
        recorded in HEAD; None: no model."""
        ...

    def model_hashes(self, scale: int) -> set[bytes]:
        """Model hashes of streams this tool decodes at `scale`: every model it ships for
        that scale (per base, per metric)."""
        ...

    def upscale(self, lr: np.ndarray, side: SideInfo, device: str) -> np.ndarray:
        """uint8 hxwxC -> uint8 (h*scale)x(w*scale)xC."""
        ...


def check_scale(impl: Upscaler, scale: int, error: type[SrcodecError] | None = None) -> None:
    """UsageError at encode (a bad request); decode passes UnsupportedError (a stream this
    install cannot upscale with that tool)."""
    if scale not in impl.scales():
        have = ", ".join(f"x{s}" for s in impl.scales())
        what = f"upscaler {impl.name} has no model for scale {scale} (has {have})"
        if error is None:
            msg = f"{what}: pick another --scale or --upscaler (bicubic has every scale)"
            raise UsageError(msg)
        msg = f"{what}; decode with --upscaler bicubic"
        raise error(msg)


def check_tool(
    impl: Upscaler, base: str, scale: int, error: type[SrcodecError] | None = None
) -> None:
    """The scale check, then whether the tool's model knows payloads of `base`: UsageError
    at encode, naming the flags that asked for it; decode passes UnsupportedError."""
    check_scale(impl, scale, error)
    if not impl.supports(base, scale):
        what = f"upscaler {impl.name} is not trained for base {base} at scale {scale}"
        if error is None:
            flags = f"--upscaler {impl.name} --base {base} --scale {scale}"
            msg = f"{what} ({flags}): pick another --upscaler"
            raise UsageError(msg)
        msg = f"{what}; decode with --upscaler bicubic"
        raise error(msg)


PLAIN = "bicubic"  # the plain reconstruction: no model, always installed (spec §3.5)


def plain_upscaler() -> Upscaler:
    """The upscaler a learned tool's strength blends with and the search compares against."""
    return UPSCALERS.entry(PLAIN).get()


def default_upscaler(scale: int, base: str | None = None) -> str:
    """The most preferred upscaler installed here with a model for `scale` (and for payloads
    of `base`, when given); the plain one when no learned tool has."""
    usable = [entry.get() for entry in UPSCALERS if entry.missing() is None and entry.name != PLAIN]
    ranked = sorted(
        (
            impl
            for impl in usable
            if impl.preference is not None
            and scale in impl.scales()
            and (base is None or impl.supports(base, scale))
        ),
        key=lambda impl: impl.preference,
    )
    return ranked[0].name if ranked else PLAIN


def _lazy(module: str, attr: str) -> Callable[[], Upscaler]:
    def load() -> Upscaler:
        import importlib

        return getattr(importlib.import_module(module), attr)()

    return load


UPSCALERS: Registry[Upscaler] = Registry(
    "upscaler",
    [
        Entry(
            "bicubic",
            ids.UPSCALER_BICUBIC,
            _lazy("srcodec.upscale.classic", "Bicubic"),
            summary="Pillow bicubic interpolation (no learned detail)",
        ),
        Entry(
            "raisr",
            ids.UPSCALER_RAISR,
            _lazy("srcodec.upscale.raisr", "Raisr"),
            summary="RAISR: bicubic + hashed learned filters per base codec/quality band (x2-x4)",
            learned=True,
        ),
        Entry(
            "cnn",
            ids.UPSCALER_CNN,
            _lazy("srcodec.upscale.cnn", "Cnn"),
            requires=("onnxruntime",),
            summary="small CNN over bicubic, conditioned on base codec + quality (x1, x2)",
            learned=True,
        ),
        Entry(
            "restore",
            ids.UPSCALER_RESTORE,
            _lazy("srcodec.upscale.restore", "Restore"),
            requires=("onnxruntime",),
            summary=(
                "luma+chroma restoration CNN at half resolution, conditioned (x1, x2; "
                "own models for the learned base)"
            ),
            learned=True,
        ),
    ],
)
