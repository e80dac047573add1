"""Base-layer codecs: what codes the LR image. BASE_CODECS maps name/wire id -> codec.

A codec implements the BaseCodec protocol; adding one (e.g. a learned base layer) is one
Entry here plus its module: the container and CLI do not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from srcodec.format import ids
from srcodec.registry import Entry, Registry

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np

# The base the auto encoder codes with unless one is pinned, and the one a quality target
# ("as good as this base at quality Q") is measured against.
DEFAULT_BASE = "avif"


class BaseCodec(Protocol):
    name: str
    lossless: bool
    default_quality: int | None  # None: the codec has no quality knob
    # the option that trades encode time for bytes (lower: slower and smaller), which the
    # search may slow down; None: no such knob
    speed_knob: str | None

    def encode(
        self, lr: np.ndarray, quality: int | None, options: Mapping[str, Any] | None = None
    ) -> bytes:
        """uint8 HxWxC (C = 1 or 3) -> payload bytes; `options`: the codec's own knobs,
        which change how the payload is made, never how it decodes."""
        ...

    def decode(self, payload: bytes, size: tuple[int, int], channels: int) -> np.ndarray:
        """payload -> uint8 HxWxC; raises CorruptError unless it is exactly `size` (W, H)."""
        ...

    def subsampled(self, payload: bytes) -> bool:
        """Whether the payload's chroma is coded at reduced resolution (read off the payload;
        learned tools condition on it)."""
        ...

    def describe(self, payload: bytes) -> dict[str, str | None]:
        """What `srcodec.info` reports about a payload: "chroma" (its layout, None when
        not applicable) and "base_model" (the model a learned base names, else None)."""
        ...

    def decode_memory(self, lr_size: tuple[int, int]) -> int:
        """Peak bytes decoding a payload of `lr_size` (W, H) needs beyond the LR image
        (SPEC §8)."""
        ...

    def model_id(self) -> str | None:
        """The SHA-256 of the model an encode here uses (None: no learned model); a changed
        model makes a different codec for rd's result cache."""
        ...

    def levels(self) -> list[int]:
        """The qualities worth probing, ascending: each codes differently from the others."""
        ...

    def search_knobs(self, metric: str, breadth: int, scale: int) -> list[dict[str, Any]]:
        """The option sets a search scoring `metric` tries at `scale`, best first; `breadth`
        0 (the best one) to 2 (every one that serves the metric). [{}]: the defaults."""
        ...

    def reference_options(self) -> dict[str, Any]:
        """The options of the plain file a quality target is measured against."""
        ...


def _pillow(fmt: str) -> Callable[[], BaseCodec]:
    def load() -> BaseCodec:
        from srcodec.base.pillow import PILLOW_CODECS

        return PILLOW_CODECS[fmt]

    return load


def _learned() -> BaseCodec:
    from srcodec.base.learned import CODEC

    return CODEC


BASE_CODECS: Registry[BaseCodec] = Registry(
    "base codec",
    [
        Entry("png", ids.BASE_PNG, _pillow("png"), summary="lossless PNG (Pillow)"),
        Entry("jpeg", ids.BASE_JPEG, _pillow("jpeg"), summary="baseline JPEG 4:2:0 (Pillow)"),
        Entry("webp", ids.BASE_WEBP, _pillow("webp"), summary="lossy WebP (Pillow/libwebp)"),
        Entry("avif", ids.BASE_AVIF, _pillow("avif"), summary="AVIF speed 6 (Pillow/libavif)"),
        Entry(
            "learned",
            ids.BASE_LEARNED,
            _learned,
            requires=("onnxruntime", "constriction"),
            summary="srcodec's factorized-prior transform codec (ONNX Runtime + constriction)",
        ),
    ],
)
