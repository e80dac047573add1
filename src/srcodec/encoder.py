"""The public encode API, `srcodec.encode` and `srcodec.encode_explained`: the auto
encoder by default, one fixed configuration when asked.

Modes (README "Encoding"):
- **auto** (default): the search finds, for this image, the smallest stream that reaches
  the target: `quality` Q ("what plain AVIF at Q reaches" in `metric`, default 60 and
  SSIMULACRA 2), `target_ssimulacra2`, `target_psnr`, `target_ms_ssim`, `target_size` or
  `target_bpp`. `scale`, `upscaler` and the base codec's `options` (AVIF: speed,
  subsampling, tune) pin those dimensions of the search; `base` with a target pins the
  base codec.
- **manual**: `base` given and no target_*: code exactly that base at `quality` (its
  default if None), at `scale` (default 1), with the learned tool switched per image: the
  search with every dimension pinned (srcodec.search.encode_manual).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from srcodec import arguments, image_io, search
from srcodec.format.container import DEFAULT_MAX_PIXELS
from srcodec.metrics.scoring import DEFAULT_METRIC
from srcodec.search.effort import DEFAULT_EFFORT

if TYPE_CHECKING:
    from collections.abc import Callable

    from srcodec.search import Explanation


def encode(
    image: image_io.ImageLike,
    *,
    quality: int | None = None,
    scale: int | None = None,
    base: str | None = None,
    upscaler: str | None = None,
    metric: str = DEFAULT_METRIC,
    target_ssimulacra2: float | None = None,
    target_psnr: float | None = None,
    target_ms_ssim: float | None = None,
    target_size: int | None = None,
    target_bpp: float | None = None,
    effort: int = DEFAULT_EFFORT,
    options: dict[str, Any] | None = None,
    keep_metadata: bool = True,
    device: str = "auto",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Encode an image (path, PIL image or uint8 array) to .srz bytes; the keywords are
    those of `encode_explained`."""
    stream, _ = encode_explained(
        image,
        quality=quality,
        scale=scale,
        base=base,
        upscaler=upscaler,
        metric=metric,
        target_ssimulacra2=target_ssimulacra2,
        target_psnr=target_psnr,
        target_ms_ssim=target_ms_ssim,
        target_size=target_size,
        target_bpp=target_bpp,
        effort=effort,
        options=options,
        keep_metadata=keep_metadata,
        device=device,
        max_pixels=max_pixels,
        progress=progress,
    )
    return stream


def encode_explained(
    image: image_io.ImageLike,
    *,
    quality: int | None = None,
    scale: int | None = None,
    base: str | None = None,
    upscaler: str | None = None,
    metric: str = DEFAULT_METRIC,
    target_ssimulacra2: float | None = None,
    target_psnr: float | None = None,
    target_ms_ssim: float | None = None,
    target_size: int | None = None,
    target_bpp: float | None = None,
    effort: int = DEFAULT_EFFORT,
    options: dict[str, Any] | None = None,
    keep_metadata: bool = True,
    device: str = "auto",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: Callable[[int], None] | None = None,
) -> tuple[bytes, Explanation | None]:
    """(stream, explanation); the explanation is None in manual mode. An input file over
    `max_pixels` is refused before its pixels are read; `progress(n)` follows the search."""
    _check_arguments(
        quality=quality,
        scale=scale,
        base=base,
        upscaler=upscaler,
        metric=metric,
        effort=effort,
        options=options,
        keep_metadata=keep_metadata,
        device=device,
        max_pixels=max_pixels,
        progress=progress,
    )
    scores = {"ssimulacra2": target_ssimulacra2, "psnr": target_psnr, "ms-ssim": target_ms_ssim}
    targets = (*scores.values(), target_size, target_bpp)
    src = image_io.load(image, max_pixels=max_pixels)
    if base is not None and all(t is None for t in targets):
        data = search.encode_manual(
            src,
            scale=1 if scale is None else scale,
            base=base,
            quality=quality,
            upscaler=upscaler,
            options=options,
            keep_metadata=keep_metadata,
            device=device,
        )
        return data, None
    target = search.parse_target(
        quality=quality,
        metric=metric,
        scores=scores,
        target_size=target_size,
        target_bpp=target_bpp,
        pixels=src.size[0] * src.size[1],
    )
    return search.encode(
        src,
        target,
        effort=effort,
        scale=scale,
        base=base,
        upscaler=upscaler,
        options=options,
        keep_metadata=keep_metadata,
        device=device,
        progress=progress,
    )


def _check_arguments(**given: Any) -> None:
    """The keywords of `encode_explained` other than the targets (search.parse_target
    checks those against each other): UsageError naming the first bad one. Unknown base
    and upscaler names get the registries' messages, which list the known ones."""
    from srcodec.base import BASE_CODECS
    from srcodec.format.header import SCALES
    from srcodec.metrics.scoring import SCORINGS
    from srcodec.search.effort import EFFORTS
    from srcodec.upscale import UPSCALERS

    arguments.check_int("quality", given["quality"], low=0, high=100, optional=True)
    arguments.check_choice("scale", given["scale"], SCALES, optional=True)
    for name, registry, extra in (("base", BASE_CODECS, ()), ("upscaler", UPSCALERS, ("auto",))):
        value = given[name]
        if value is not None and not isinstance(value, str):
            arguments.check_choice(name, value, (*registry.names(), *extra))
        if isinstance(value, str) and value not in extra:
            registry.entry(value)
    arguments.check_choice("metric", given["metric"], tuple(SCORINGS))
    arguments.check_choice("effort", given["effort"], tuple(EFFORTS))
    arguments.check_dict("options", given["options"])
    arguments.check_bool("keep_metadata", given["keep_metadata"])
    arguments.check_device(given["device"])
    arguments.check_int("max_pixels", given["max_pixels"], low=1)
    arguments.check_callable("progress", given["progress"])
