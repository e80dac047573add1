"""Codec specs: one text names one RD sweep (a codec, its settings and a quality grid).

    srcodec:base=avif,scale=2,upscaler=bicubic,quality=10:90:10   (one fixed configuration)
    srcodec:base=avif,scale=1,upscaler=auto,subsampling=4:4:4,tune=psnr,strength=0,quality=...
                                         ... with the base's own knobs; strength=0: no chunk S
    auto:quality=20/40/60/80                 the auto encoder, target "as good as AVIF at Q"
    auto:target=psnr,quality=28/32/36        ... target PSNR in dB
    auto:target=bpp,quality=50/100/250       ... target size in thousandths of a bpp
    auto:target=ms-ssim,quality=950/980      ... target MS-SSIM x 1000
    auto:target=ssimulacra2,quality=60/70    ... target SSIMULACRA 2 score
    auto:quality=20/40/60,metric=psnr        ... "as good as AVIF at Q" in PSNR (default:
                                                 the encoder's default metric, SSIMULACRA 2)
    avif:quality=10:90:10,speed=3,subsampling=4:4:4,tune=psnr
    jpeg:quality=5:95:5          webp:quality=20/40/60          avif:quality=10:90:10,speed=6
    jpeg2000:quality=26:40:2     (quality = target PSNR in dB, OpenJPEG's "dB" quality mode)

`quality=START:STOP:STEP` is inclusive of STOP; `quality=A/B/C` is a list. `name=` overrides
the curve name. Anything unknown raises UsageError, so a typo never silently runs defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from srcodec.arguments import natural_list
from srcodec.base.pillow import KNOBS
from srcodec.errors import UsageError
from srcodec.metrics.scoring import DEFAULT_METRIC, SCORINGS
from srcodec.rd.peers import PEERS
from srcodec.search.effort import DEFAULT_EFFORT

# peer kind -> {key: default}; a key missing here is refused. quality and name are common.
PEER_KEYS: dict[str, dict[str, str]] = {name: peer.defaults for name, peer in PEERS.items()}
SRCODEC_KEYS: dict[str, str] = {"base": "avif", "scale": "2", "upscaler": "bicubic"}
# optional srcodec keys, recorded only when given (old specs keep their cache keys): the base
# codec's own knobs (srcodec.base.pillow.KNOBS) and strength=0/1 (chunk S, default: on with
# upscaler=auto)
SRCODEC_OPTIONAL = ("speed", "subsampling", "tune", "method", "strength")
# the auto encoder: quality= lists the target values (Q, dB, MS-SSIM x 1000 or bpp x 1000)
AUTO_KEYS: dict[str, str] = {
    "target": "quality",
    "metric": DEFAULT_METRIC,
    "effort": str(DEFAULT_EFFORT),
    "scale": "any",
    "upscaler": "auto",
}
AUTO_TARGETS = ("quality", *SCORINGS, "bpp")
KINDS = ("srcodec", "auto", *PEER_KEYS)
_MAX_POINTS = 200


@dataclass(frozen=True)
class CodecSpec:
    """One parsed spec. `params` holds every setting but quality and name, with defaults
    filled in, as strings (they go into cache keys and JSON descriptions verbatim)."""

    kind: str
    params: dict[str, str] = field(default_factory=dict)
    qualities: tuple[int, ...] = ()
    name: str = ""
    text: str = ""

    def settings(self) -> str:
        """`key=value` list of the settings, for descriptions."""
        return ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))


def parse(text: str) -> CodecSpec:
    """Parse one spec text (see the module docstring)."""
    kind, _, rest = text.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        msg = f"codec spec {text!r}: unknown codec {kind!r}; known: {', '.join(KINDS)}"
        raise UsageError(msg)
    defaults = {"srcodec": SRCODEC_KEYS, "auto": AUTO_KEYS}.get(kind) or PEER_KEYS[kind]
    params = dict(defaults)
    qualities: tuple[int, ...] | None = None
    name = ""
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not eq or not value:
            msg = f"codec spec {text!r}: {item!r} is not key=value"
            raise UsageError(msg)
        if key == "quality":
            qualities = parse_qualities(value, text)
        elif key == "name":
            name = value
        elif key in defaults or (kind == "srcodec" and key in SRCODEC_OPTIONAL):
            params[key] = value
        else:
            extra = SRCODEC_OPTIONAL if kind == "srcodec" else ()
            known = ", ".join(sorted([*defaults, *extra, "quality", "name"]))
            msg = f"codec spec {text!r}: unknown key {key!r} for {kind}; known: {known}"
            raise UsageError(msg)
    if qualities is None:
        msg = f"codec spec {text!r}: needs quality=START:STOP:STEP or quality=A/B/C"
        raise UsageError(msg)
    _check(kind, params, qualities, text)
    return CodecSpec(kind, params, qualities, name or default_name(kind, params), text)


def parse_qualities(value: str, text: str = "") -> tuple[int, ...]:
    """`10:90:10` (inclusive) or `20/40/60` -> sorted unique ints."""
    where = f"codec spec {text!r}: " if text else ""
    try:
        parts = [int(p) for p in value.split(":" if ":" in value else "/")]
    except ValueError:
        parts = []
    if not parts or (":" in value and len(parts) != 3):
        msg = f"{where}quality {value!r} is not START:STOP:STEP or A/B/C (integers)"
        raise UsageError(msg)
    if ":" in value:
        start, stop, step = parts
        if step <= 0 or stop < start:
            msg = f"{where}quality range {value!r} needs STOP >= START and STEP > 0"
            raise UsageError(msg)
        values = list(range(start, stop + 1, step))
    else:
        values = parts
    if len(values) > _MAX_POINTS:
        msg = f"{where}quality {value!r} gives {len(values)} points; at most {_MAX_POINTS}"
        raise UsageError(msg)
    return tuple(sorted(set(values)))


def _check(kind: str, params: dict[str, str], qualities: tuple[int, ...], text: str) -> None:
    where = f"codec spec {text!r}"
    low, high = 0, 100
    if kind == "srcodec":
        from srcodec.base import BASE_CODECS
        from srcodec.upscale import UPSCALERS

        _choice(where, "base", params["base"], BASE_CODECS.names())
        _choice(where, "upscaler", params["upscaler"], [*UPSCALERS.names(), "auto"])
        _choice(where, "scale", params["scale"], ["1", "2", "3", "4"])
        _check_knobs(where, params)
    elif kind == "auto":
        from srcodec.upscale import UPSCALERS

        _choice(where, "target", params["target"], AUTO_TARGETS)
        _choice(where, "metric", params["metric"], tuple(SCORINGS))
        _choice(where, "effort", params["effort"], [str(i) for i in range(1, 10)])
        _choice(where, "scale", params["scale"], ["any", "1", "2", "3", "4"])
        _choice(where, "upscaler", params["upscaler"], [*UPSCALERS.names(), "auto"])
        low, high = (1, 1000) if params["target"] != "quality" else (0, 100)
    else:
        peer = PEERS[kind]
        for key, allowed in peer.allowed.items():
            _choice(where, key, params[key], allowed)
        low, high = peer.quality_range(params)
    bad = [q for q in qualities if not low <= q <= high]
    if bad:
        msg = f"{where}: quality {bad[0]} out of range {low}-{high} for {kind}"
        raise UsageError(msg)


def _check_knobs(where: str, params: dict[str, str]) -> None:
    """srcodec's optional keys: knobs the chosen base has, with allowed values."""

    knobs = KNOBS.get(params["base"], {})
    for key in SRCODEC_OPTIONAL:
        if key not in params:
            continue
        if key == "strength":
            _choice(where, key, params[key], ("0", "1"))
        elif key not in knobs:
            msg = f"{where}: base {params['base']} has no option {key!r}"
            raise UsageError(msg)
        else:
            _choice(where, key, params[key], [str(v) for v in knobs[key]])


def base_options(params: dict[str, str]) -> dict[str, Any]:
    """The base codec knobs of a srcodec spec, typed as the codec takes them."""

    knobs = KNOBS.get(params["base"], {})
    return {
        key: next(v for v in knobs[key] if str(v) == params[key])
        for key in SRCODEC_OPTIONAL
        if key in params and key in knobs
    }


def _choice(where: str, key: str, value: str, allowed: list[str] | tuple[str, ...]) -> None:
    if value not in allowed:
        msg = f"{where}: {key}={value!r} is not one of {natural_list(allowed)}"
        raise UsageError(msg)


def default_name(kind: str, params: dict[str, str]) -> str:
    """Readable curve name: the kind plus every setting that differs from its default,
    e.g. "jpeg", "avif speed=8", "srcodec avif x2 bicubic"."""
    if kind == "srcodec":
        extras = [f"{k}={params[k]}" for k in SRCODEC_OPTIONAL if k in params]
        name = f"srcodec {params['base']} x{params['scale']} {params['upscaler']}"
        return " ".join([name, *extras])
    if kind == "auto":
        extras = [f"{k}={v}" for k, v in sorted(params.items()) if AUTO_KEYS[k] != v]
        return " ".join(["srcodec auto", *extras])
    extras = [f"{k}={v}" for k, v in sorted(params.items()) if PEER_KEYS[kind][k] != v]
    return " ".join([kind, *extras])
