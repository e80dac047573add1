"""PNG, JPEG, WebP and AVIF base layers through Pillow (spec §6.1 fixes what each payload is:
a complete file of that format)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, features

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

from srcodec.arguments import natural_list
from srcodec.errors import BackendUnavailableError, CorruptError, LimitError, UsageError
from srcodec.image_io import open_limited

_FEATURE = {"webp": "webp", "avif": "avif", "jpeg": "jpg"}


@dataclass(frozen=True)
class PillowCodec:
    name: str
    pil_format: str
    default_quality: int | None
    options: dict[str, Any] = field(default_factory=dict)
    # reads whether a payload's chroma is coded at reduced resolution; None: never (PNG)
    chroma_reader: Callable[[bytes], bool] | None = None
    # what the encoder's search may vary (BaseCodec.levels, search_knobs, speed_knob):
    quantizers: int = 0  # distinct quantizers 0-100 maps onto (libavif's rounding); 0: all
    speed_knob: str | None = None
    tunes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # metric -> best first
    layouts: tuple[str, ...] = ()  # chroma layouts worth searching, best first

    @property
    def lossless(self) -> bool:
        return self.default_quality is None

    def subsampled(self, payload: bytes) -> bool:
        """Whether the payload's chroma is coded at reduced resolution, read off the payload
        itself, so learned tools can condition on it without a header field."""
        return self.chroma_reader is not None and self.chroma_reader(payload)

    def describe(self, payload: bytes) -> dict[str, str | None]:
        """What `srcodec.info` reports about a payload: its chroma layout."""
        if self.chroma_reader is None:
            return {"chroma": None, "base_model": None}
        return {"chroma": "4:2:0" if self.subsampled(payload) else "4:4:4", "base_model": None}

    def decode_memory(self, lr_size: tuple[int, int]) -> int:
        """Peak bytes decoding needs beyond the LR image and Pillow's copy of it."""
        return 0

    def model_id(self) -> str | None:
        """The model a payload is made with (None: no learned model)."""
        return None

    def levels(self) -> list[int]:
        """One quality per quantizer: libavif maps quality onto `quantizers` steps as
        q = ((100 - quality) * (quantizers - 1) + 50) / 100; without one, every quality."""
        if not self.quantizers:
            return list(range(101))
        seen: dict[int, int] = {}
        for q in range(100, -1, -1):
            seen[((100 - q) * (self.quantizers - 1) + 50) // 100] = q
        return sorted(seen.values())

    def search_knobs(self, metric: str, breadth: int, scale: int) -> list[dict[str, Any]]:
        """Breadth 0: the metric's best tune at the best layout; 1: at every layout; 2: every
        tune that serves the metric too. Scale > 1: the defaults, which the learned x2-x4
        tools were trained on."""
        if scale > 1:
            return [{}]
        tunes = self.tunes.get(metric, ())
        dims = {
            "tune": tunes if breadth >= 2 else tunes[:1],
            "subsampling": self.layouts if breadth >= 1 else self.layouts[:1],
        }
        dims = {knob: values for knob, values in dims.items() if values}
        return [dict(zip(dims, values, strict=True)) for values in product(*dims.values())]

    def reference_options(self) -> dict[str, Any]:
        """Pillow's defaults, the codec's own speed made explicit."""
        if self.speed_knob is None:
            return {}
        return {self.speed_knob: self.options[self.speed_knob]}

    def _check_backend(self) -> None:
        feature = _FEATURE.get(self.name)
        if feature and not features.check(feature):
            msg = f"this Pillow ({Image.__version__}) was built without {self.name} support"
            raise BackendUnavailableError(msg)

    def encode(
        self, lr: np.ndarray, quality: int | None, options: Mapping[str, Any] | None = None
    ) -> bytes:
        """`options`: the codec's own knobs (KNOBS[name]), e.g. avif speed/subsampling/tune;
        they change only how the payload is made, never how it decodes."""
        self._check_backend()
        kwargs = dict(self.options)
        kwargs.update(_pillow_kwargs(self.name, options or {}))
        if not self.lossless:
            if quality is None:
                quality = self.default_quality
            if not 0 <= quality <= 100:
                msg = f"{self.name} quality must be 0-100, got {quality}"
                raise UsageError(msg)
            kwargs["quality"] = quality
        if quality == 100 and kwargs.get("advanced", {}).get("tune") == "ssimulacra2":
            # libavif codes q100 losslessly, where libaom refuses this tune (no other)
            del kwargs["advanced"]
        img = Image.fromarray(lr[..., 0] if lr.shape[2] == 1 else lr)
        buf = io.BytesIO()
        img.save(buf, format=self.pil_format, **kwargs)
        return buf.getvalue()

    def decode(self, payload: bytes, size: tuple[int, int], channels: int) -> np.ndarray:
        self._check_backend()
        try:
            # the header's size, already checked against the decoder's pixel limit, bounds
            # the payload: Pillow's own bomb guard would only refuse what the caller allowed
            with open_limited(
                io.BytesIO(payload), size[0] * size[1], formats=[self.pil_format]
            ) as img:
                if img.size != size:  # checked before pixels are decoded
                    got, want = "x".join(map(str, img.size)), "x".join(map(str, size))
                    msg = f"base layer is {got}, header says {want}"
                    raise CorruptError(msg)
                img.load()
                mode = "L" if channels == 1 else "RGB"
                arr = _to_array(img if img.mode == mode else img.convert(mode))
        except CorruptError:
            raise
        except LimitError as exc:  # a payload bigger than its header says
            raise CorruptError(str(exc)) from None
        except Exception as exc:
            # Untrusted payload into a third-party decoder: whatever it raises (OSError,
            # SyntaxError, struct.error, DecompressionBomb*, ...) means "does not decode".
            msg = f"{self.name} base layer does not decode: {type(exc).__name__}: {exc}"
            raise CorruptError(msg) from None
        return arr[..., None] if channels == 1 else arr


ROWS_PER_COPY = 256


def _to_array(img: Image.Image) -> np.ndarray:
    """Pillow image -> numpy, a band of rows at a time: np.asarray(img) goes through
    tobytes(), which briefly holds the pixels twice more (a 13000 x 13000 decode: +1 GB)."""
    width, height = img.size
    arr = np.empty((height, width, len(img.getbands())), dtype=np.uint8)
    for y in range(0, height, ROWS_PER_COPY):
        band = np.asarray(img.crop((0, y, width, min(y + ROWS_PER_COPY, height))))
        arr[y : y + band.shape[0]] = band.reshape(band.shape[0], width, -1)
    return arr[..., 0] if arr.shape[2] == 1 else arr


# The encoder knobs each codec exposes, with their allowed values (first = the default).
KNOBS: dict[str, dict[str, tuple[Any, ...]]] = {
    "avif": {
        "speed": (6, 0, 1, 2, 3, 4, 5, 7, 8, 9, 10),
        "subsampling": ("4:2:0", "4:4:4"),
        "tune": ("iq", "psnr", "ssim", "ssimulacra2"),
    },
    "webp": {"method": (6, 0, 1, 2, 3, 4, 5)},
    "jpeg": {"subsampling": ("4:2:0", "4:4:4")},
}


def _pillow_kwargs(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Checked knob values -> Pillow save() keywords; unknown knobs or values: UsageError."""
    knobs = KNOBS.get(name, {})
    kwargs: dict[str, Any] = {}
    for key, value in options.items():
        if key not in knobs:
            have = ", ".join(knobs) or "none"
            msg = f"{name} has no option {key!r} (options: {have})"
            raise UsageError(msg)
        if value not in knobs[key]:
            allowed = natural_list(knobs[key])
            msg = f"{name} {key} must be one of {allowed}, got {value!r}"
            raise UsageError(msg)
        if key == "tune":
            kwargs["advanced"] = {"tune": value}
        else:
            kwargs[key] = value
    return kwargs


def _avif_subsampled(payload: bytes) -> bool:
    """The subsampling bits of the av1C box (a payload without one: say "subsampled")."""
    at = payload.find(b"av1C")
    if at < 0 or at + 7 > len(payload):
        return True
    return bool(payload[at + 6] & 0x0C)


def _webp_subsampled(payload: bytes) -> bool:
    """Lossy WebP (VP8) is always 4:2:0; lossless (VP8L) keeps full-resolution chroma."""
    return payload[12:16] != b"VP8L"


def _jpeg_subsampled(payload: bytes) -> bool:
    """Whether the SOF's components have different sampling factors."""
    i = 2
    while i + 4 <= len(payload):
        if payload[i] != 0xFF:
            return True
        marker, length = payload[i + 1], int.from_bytes(payload[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2) and i + 10 <= len(payload):
            ncomp = payload[i + 9]
            if i + 11 + 3 * ncomp > len(payload):  # a damaged SOF: say "subsampled"
                return True
            factors = {payload[i + 11 + 3 * c] for c in range(ncomp)}
            return len(factors) > 1
        i += 2 + length
    return True


# libaom tunes that serve each metric (srcodec.metrics.scoring), best first; a metric
# without a row is searched with Pillow's default tune.
AVIF_TUNES: dict[str, tuple[str, ...]] = {
    "ssimulacra2": ("ssimulacra2", "iq"),
    "psnr": ("psnr",),
    "ms-ssim": ("iq",),
}

PILLOW_CODECS = {
    "png": PillowCodec("png", "PNG", None, {"optimize": True}),
    "jpeg": PillowCodec("jpeg", "JPEG", 75, chroma_reader=_jpeg_subsampled),
    "webp": PillowCodec("webp", "WEBP", 75, {"method": 6}, _webp_subsampled),
    "avif": PillowCodec(
        "avif",
        "AVIF",
        50,
        {"speed": 6},
        _avif_subsampled,
        quantizers=64,
        speed_knob="speed",
        tunes=AVIF_TUNES,
        layouts=("4:4:4", "4:2:0"),
    ),
}
