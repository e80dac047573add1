"""The peer codecs `srcodec rd` measures srcodec against, coded through Pillow at full
resolution. One row per peer: its spec keys with defaults, the values each key accepts, the
quality range, and how its settings become `Image.save` keywords. Adding a peer is one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from srcodec.base.pillow import KNOBS

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Peer:
    name: str
    pil_format: str
    defaults: dict[str, str]  # spec key -> default; a key missing here is refused
    allowed: dict[str, tuple[str, ...]]  # spec key -> accepted values
    save_options: Callable[[dict[str, str], int], dict[str, Any]]  # params, quality -> kwargs
    quality_range: Callable[[dict[str, str]], tuple[int, int]] = lambda params: (0, 100)


def _jpeg(p: dict[str, str], quality: int) -> dict[str, Any]:
    return {"quality": quality, "subsampling": p["subsampling"]}


def _webp(p: dict[str, str], quality: int) -> dict[str, Any]:
    return {"quality": quality, "method": int(p["method"])}


def _avif(p: dict[str, str], quality: int) -> dict[str, Any]:
    opts: dict[str, Any] = {"quality": quality, "speed": int(p["speed"])}
    if p.get("subsampling", "4:2:0") != "4:2:0":
        opts["subsampling"] = p["subsampling"]
    if p.get("tune", "iq") != "iq":  # iq is Pillow's (libavif's) default: same bytes
        opts["advanced"] = {"tune": p["tune"]}
    return opts


def _jpeg2000(p: dict[str, str], quality: int) -> dict[str, Any]:
    """9/7 irreversible wavelet, RGB->YCbCr (mct=1), raw codestream, one quality layer:
    Pillow's defaults (reversible 5/3, no colour transform) are a lossless setup."""
    return {
        "quality_mode": p["mode"],
        "quality_layers": [quality],
        "irreversible": True,
        "mct": 1,
        "no_jp2": True,
    }


PEERS: dict[str, Peer] = {
    peer.name: peer
    for peer in (
        Peer(
            "jpeg",
            "JPEG",
            {"subsampling": "4:2:0"},
            {"subsampling": ("4:4:4", "4:2:2", "4:2:0")},
            _jpeg,
        ),
        Peer(  # method 6: the same effort as srcodec's webp base layer
            "webp", "WEBP", {"method": "6"}, {"method": tuple(map(str, range(7)))}, _webp
        ),
        Peer(  # speed 6 as srcodec's avif base layer; Pillow's defaults: 4:2:0, tune=iq
            "avif",
            "AVIF",
            {"speed": "6", "subsampling": "4:2:0", "tune": "iq"},
            {
                "speed": tuple(map(str, range(11))),
                "subsampling": ("4:2:0", "4:4:4"),
                "tune": tuple(KNOBS["avif"]["tune"]),
            },
            _avif,
        ),
        Peer(  # mode dB: quality = target PSNR; rates: quality = compression ratio
            "jpeg2000",
            "JPEG2000",
            {"mode": "dB"},
            {"mode": ("dB", "rates")},
            _jpeg2000,
            lambda p: (1, 100) if p["mode"] == "dB" else (1, 10000),
        ),
    )
}
