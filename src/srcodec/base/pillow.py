"""PNG, JPEG, WebP and AVIF base layers through Pillow (spec §6.1 fixes what each payload is:
a complete file of that format)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, features

from srcodec.errors import BackendUnavailableError, CorruptError, UsageError

_FEATURE = {"webp": "webp", "avif": "avif", "jpeg": "jpg"}


@dataclass(frozen=True)
class PillowCodec:
    name: str
    pil_format: str
    default_quality: int | None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def lossless(self) -> bool:
        return self.default_quality is None

    def _check_backend(self) -> None:
        feature = _FEATURE.get(self.name)
        if feature and not features.check(feature):
            msg = f"this Pillow ({Image.__version__}) was built without {self.name} support"
            raise BackendUnavailableError(msg)

    def encode(self, lr: np.ndarray, quality: int | None) -> bytes:
        self._check_backend()
        kwargs = dict(self.options)
        if not self.lossless:
            if quality is None:
                quality = self.default_quality
            if not 0 <= quality <= 100:
                msg = f"{self.name} quality must be 0-100, got {quality}"
                raise UsageError(msg)
            kwargs["quality"] = quality
        img = Image.fromarray(lr[..., 0] if lr.shape[2] == 1 else lr)
        buf = io.BytesIO()
        img.save(buf, format=self.pil_format, **kwargs)
        return buf.getvalue()

    def decode(self, payload: bytes, size: tuple[int, int], channels: int) -> np.ndarray:
        self._check_backend()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(payload), formats=[self.pil_format])
                if img.size != size:  # checked before pixels are decoded
                    got, want = "x".join(map(str, img.size)), "x".join(map(str, size))
                    msg = f"base layer is {got}, header says {want}"
                    raise CorruptError(msg)
                img.load()
        except CorruptError:
            raise
        except Exception as exc:
            # Untrusted payload into a third-party decoder: whatever it raises (OSError,
            # SyntaxError, struct.error, DecompressionBomb*, ...) means "does not decode".
            msg = f"{self.name} base layer does not decode: {type(exc).__name__}: {exc}"
            raise CorruptError(msg) from None
        img = img.convert("L" if channels == 1 else "RGB")
        arr = np.asarray(img)
        return arr[..., None] if channels == 1 else arr


PILLOW_CODECS = {
    "png": PillowCodec("png", "PNG", None, {"optimize": True}),
    "jpeg": PillowCodec("jpeg", "JPEG", 75),
    "webp": PillowCodec("webp", "WEBP", 75, {"method": 6}),
    "avif": PillowCodec("avif", "AVIF", 50, {"speed": 6}),
}
