"""Base codec `learned` (spec §6.1.1): our own factorized-prior transform codec.

Payload (spec §6.1.1), all integers unsigned:
  version   1 byte   0: per-channel tables; 1: context-adaptive tables (learned_context)
  model     4 bytes  first 4 bytes of the SHA-256 of the model file (HEAD's model slot
                     belongs to the upscaler, so the base layer carries its own)
  quality   1 byte   0-100: the rate position, quality / 100 * (levels - 1)
  esc_len   LEB128 (1-4 bytes)  length of the escape bytes
  escapes   esc_len bytes       zigzag LEB128 values of escaped latents (srcodec.entropy)
  words     the rest            ANS words, little-endian uint32 (srcodec.entropy)

The latents are M x ceil(H/16) x ceil(W/16) for an LR image W x H; the encoder pads the
image by edge replication to a multiple of 16 and the decoder crops. Symbols come from the
model's integer tables only, so they decode identically everywhere; the pixels come from
the float synthesis transform (its ONNX graph on ONNX Runtime, float32 on the CPU; the torch
module stays the reference) and may differ by one grey level between runtimes, float32 and
float64 or machines (tests/test_learned.py and tests/test_onnx.py measure it).

The synthesis runs on full-width strips of latent rows, each with HALO rows of context above
and below, so its working set is one strip's (about STRIP_PIXELS output pixels) whatever the
image size; an image that fits in one strip is synthesized whole, bit-identical to before
strips existed, and a striped one stays within one grey level of that (float summation order
only; float64 and float32 behave as before).

Encoding and decoding never import torch; the torch reference (Model.net, `analyse` and
`synthesize` given the module) imports it inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from srcodec import entropy
from srcodec.base import learned_budget, learned_context
from srcodec.base.learned_context import ContextModel
from srcodec.errors import (
    BackendUnavailableError,
    CorruptError,
    SrcodecError,
    UnsupportedError,
    UsageError,
)
from srcodec.format.chunks import decode_varint, encode_varint
from srcodec.memory import BAND_PIXELS, NETWORK_RUNTIME_BYTES

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    import torch

MODEL = "learned-base"
VERSIONS = (0, 1)  # 1 when the model file has a context model, else 0
STRIDE = 16

# Latent rows of context above and below a synthesis strip. g_s is four transposed convs
# (5x5, stride 2, padding 2), each making output row o from input rows floor(o/2) - 1 ..
# floor(o/2) + 1 (o even) or floor(o/2) .. floor(o/2) + 1 (o odd), with inverse GDN (1x1,
# pointwise) between them. Composed, latent row k's 16 output rows 16k .. 16k + 15 read
# latent rows k - 1 .. k + 2 only (test_synthesis_receptive_field checks it). A halo of 2
# both ways covers that, so a strip's own rows see exactly the latents the whole image gives
# them; only float summation order can differ.
HALO = 2
# Output pixels per strip, context rows included: bounds the synthesis working set (about
# 230 bytes per output pixel in float32, ~250 MB) whatever the image size. A quarter of the
# upscalers' bands (BAND_PIXELS): the halo rows cost little next to that, and a 4096-wide image
# still gets 16-latent-row cores (4 halo rows each).
STRIP_PIXELS = BAND_PIXELS // 4
# Decode memory (measured by tools/bench_memory.py): per LR pixel, the int64 symbols (3 B),
# the context model's float64 array of every channel's a() and neighbour sums while the
# symbols are read (2M float64 per latent position, 6 B per LR pixel at M = 96) with its
# per-channel activity temporaries (1 B), the RGB synthesis output (3 B) and the grey
# conversion (2 B); per output pixel of the largest synthesis strip, context included, the
# g_s working set in float32.
BYTES_PER_LR_PIXEL = 15
STRIP_BYTES_PER_PIXEL = 384


@dataclass(frozen=True)
class Model:
    name: str  # manifest name
    tables: np.ndarray  # int32 (M, 2R + 2): payload version 0
    hash: bytes  # 4 bytes
    context: ContextModel | None = None  # payload version 1, in models exported since
    levels: int = 6  # rate levels (gain vectors)

    def synthesis(self, device: str = "cpu") -> Any:
        """g_s as an ONNX Runtime network (srcodec.runtime; docs/onnx.md)."""
        from srcodec import runtime

        return runtime.network(self.name, device)

    def analysis(self, device: str = "cpu") -> Any:
        """g_a as an ONNX Runtime network (the encoder's half)."""
        from srcodec import runtime

        return runtime.network(self.name, device, "onnx_analysis")

    @cached_property
    def net(self) -> Any:
        """The torch module (learned_arch.FactorizedCodec, eval mode, float32): training and
        the reference the ONNX graphs are tested against; needs torch."""
        try:
            from srcodec.base.learned_torch import torch_net
        except ImportError:
            msg = "the learned base's torch module needs torch (pip install 'srcodec[train]')"
            raise BackendUnavailableError(msg) from None
        return torch_net(self.name)


def _known() -> dict[bytes, str]:
    """4-byte stream hash -> manifest name of every shipped learned-base model. A retrained
    model is exported under MODEL; earlier ones stay decodable while their files are kept
    under another manifest name with the same arch (e.g. "learned-base@1a2b3c4d")."""
    from srcodec import weights

    return {
        bytes.fromhex(e["sha256"])[:4]: name
        for name, e in weights.manifest().items()
        if e.get("arch") == MODEL
    }


@cache
def model(name: str = MODEL) -> Model:
    """A shipped model by manifest name (sha256-checked, no pickle): its integer tables;
    the networks run from its ONNX graphs, loaded on first use."""
    from srcodec import weights

    arrays = weights.load(name)
    tables = arrays["tables"].astype(np.int32)
    entropy.check_tables(tables)
    context = ContextModel.from_arrays(arrays)
    levels = int(weights.entry(name)["arch_params"]["levels"])
    return Model(name, tables, weights.stream_hash(name), context, levels)


def _is_torch(net: Any) -> bool:
    return hasattr(net, "parameters")


def model_for(model_hash: bytes) -> Model:
    """The shipped model a stream names; UnsupportedError if this build has none."""
    name = _known().get(model_hash)
    if name is None:
        msg = (
            f"learned base model {model_hash.hex()} is not shipped with this build "
            f"(it has {', '.join(h.hex() for h in _known()) or 'none'}); decode it with "
            "the srcodec version that wrote it"
        )
        raise UnsupportedError(msg)
    return model(name)


def _padded(lr: np.ndarray) -> np.ndarray:
    h, w = lr.shape[:2]
    pad = ((0, -h % STRIDE), (0, -w % STRIDE), (0, 0))
    rgb = np.repeat(lr, 3, axis=2) if lr.shape[2] == 1 else lr
    return np.pad(rgb, pad, mode="edge")


def position(quality: int, levels: int) -> float:
    return quality / 100 * (levels - 1)


def analyse(net: Any, lr: np.ndarray, quality: int, levels: int | None = None) -> np.ndarray:
    """uint8 H x W x C -> int64 latents (M, ceil(H/16), ceil(W/16)), with `net` the ONNX
    analysis graph (Model.analysis; `levels` needed) or the torch module (Model.net)."""
    if not _is_torch(net):
        x = _padded(lr).transpose(2, 0, 1)[None].astype(np.float32)
        x /= 255.0
        pos = np.array([position(quality, levels or 0)], np.float32)
        return np.round(net(image=x, position=pos))[0].astype(np.int64)
    from srcodec.base.learned_torch import analyse as analyse_torch

    return analyse_torch(net, _padded(lr), quality)


def strip_rows(latent_height: int, latent_width: int) -> int:
    """Latent rows per strip core. A strip's output, HALO rows both sides included, is at
    most STRIP_PIXELS, and its core at least 1 row however wide the image; an image whose
    whole output fits that bound is one strip (no context needed); cores are near-equal."""
    rows = max(1, STRIP_PIXELS // (STRIDE * STRIDE * max(1, latent_width)) - 2 * HALO)
    if latent_height <= rows + 2 * HALO:
        return max(1, latent_height)
    return -(-latent_height // -(-latent_height // rows))


def strips(latent_height: int, latent_width: int) -> Iterator[tuple[int, int, int, int]]:
    """Yields (read_y0, read_y1, core_y0, core_y1) in latent rows, covering latent_height
    once; a single strip (0, h, 0, h), the whole image, when strip_rows allows it."""
    rows = strip_rows(latent_height, latent_width)
    for y0 in range(0, latent_height, rows):
        y1 = min(y0 + rows, latent_height)
        yield max(y0 - HALO, 0), min(y1 + HALO, latent_height), y0, y1


def strip_pixels(size: tuple[int, int]) -> int:
    """Output pixels of the largest strip, context included, for an LR image of size (W, H):
    what the synthesis working set is proportional to (decoder.memory_estimate)."""
    h, w = -(-size[1] // STRIDE), -(-size[0] // STRIDE)
    return min(h, strip_rows(h, w) + 2 * HALO) * w * STRIDE * STRIDE


def synthesize_onnx(
    net: Any, symbols: np.ndarray, quality: int, levels: int, size: tuple[int, int]
) -> np.ndarray:
    """int latents (M, h, w) -> uint8 H x W x 3 cropped to size (W, H), strip by strip, with
    the ONNX synthesis graph (Model.synthesis); the same strips and rounding as the torch
    `synthesize`."""
    width, height = size
    out = np.empty((height, width, 3), np.uint8)
    pos = np.array([position(quality, levels)], np.float32)
    for r0, r1, c0, c1 in strips(symbols.shape[1], symbols.shape[2]):
        y = symbols[None, :, r0:r1].astype(np.float32)
        x = net(symbols=y, position=pos)
        del y
        top, bottom = c0 * STRIDE, min(c1 * STRIDE, height)  # image rows of this core
        core = x[0, :, top - r0 * STRIDE : bottom - r0 * STRIDE, :width]
        core *= 255
        pixels = np.clip(np.round(core), 0, 255).astype(np.uint8)
        del x, core
        out[top:bottom] = pixels.transpose(1, 2, 0)
    return out


def synthesize(
    net: Any, symbols: np.ndarray, quality: int, size: tuple[int, int], dtype: torch.dtype | None
) -> np.ndarray:
    """int latents (M, h, w) -> uint8 H x W x 3 cropped to size (W, H), strip by strip, with
    the torch module (the reference; `dtype` float32 by default or float64)."""
    from srcodec.base.learned_torch import synthesize as synthesize_torch

    return synthesize_torch(net, symbols, quality, size, dtype)


def pack(version: int, model_hash: bytes, quality: int, words: bytes, escapes: bytes) -> bytes:
    return (
        bytes([version])
        + model_hash
        + bytes([quality])
        + encode_varint(len(escapes))
        + (escapes + words)
    )


def unpack(payload: bytes) -> tuple[int, bytes, int, bytes, bytes]:
    """payload -> (version, model hash, quality, words, escapes); spec §6.1.1."""
    if len(payload) < 7:
        msg = f"truncated: learned base payload is {len(payload)} bytes, under its 7-byte header"
        raise CorruptError(msg)
    if payload[0] not in VERSIONS:
        msg = f"learned base payload version {payload[0]}; this decoder knows 0 and 1"
        raise UnsupportedError(msg)
    model_hash, quality = bytes(payload[1:5]), payload[5]
    if quality > 100:
        msg = f"learned base quality {quality} outside 0-100"
        raise CorruptError(msg)
    esc_len, pos = decode_varint(payload, 6, max_bytes=4, what="learned escape length")
    if esc_len > len(payload) - pos:
        msg = f"truncated: learned escapes declare {esc_len} bytes, {len(payload) - pos} remain"
        raise CorruptError(msg)
    words, escapes = bytes(payload[pos + esc_len :]), bytes(payload[pos : pos + esc_len])
    return payload[0], model_hash, quality, words, escapes


def decode_symbols(payload: bytes, size: tuple[int, int]) -> tuple[np.ndarray, int, Model]:
    """payload -> (int64 latents (M, h, w), quality, model) for an LR image of size (W, H).
    No float maths: the symbols are the same on every machine (spec §6.1.1)."""
    version, model_hash, quality, words, escapes = unpack(payload)
    m = model_for(model_hash)
    h, w = -(-size[1] // STRIDE), -(-size[0] // STRIDE)
    if version == 0:
        values = entropy.decode(words, escapes, m.tables, h * w)
        return values.reshape(len(m.tables), h, w), quality, m
    if m.context is None:
        msg = f"learned base payload version 1, but model {model_hash.hex()} has no context model"
        raise CorruptError(msg)
    return learned_context.decode(words, escapes, m.context, (len(m.tables), h, w)), quality, m


def code(m: Model, symbols: np.ndarray, quality: int, version: int) -> bytes:
    """Latents (M, h, w) -> payload of `version`: 0 with the per-channel tables, 1 with the
    model's context model; always within the decoder's information budget (learned_budget)."""
    if version == 1 and m.context is None:
        msg = f"learned base model {m.hash.hex()} has no context model (payload version 1)"
        raise UnsupportedError(msg)
    words, escapes = learned_budget.code(m.tables, m.context if version == 1 else None, symbols)
    return pack(version, m.hash, quality, words, escapes)


def to_version_0(payload: bytes, size: tuple[int, int]) -> bytes:
    """The same latents re-coded as payload version 0 (the model's per-channel tables),
    which decoders keep reading (streams of exports before the context model): for the
    conformance vectors and fuzz seeds."""
    symbols, quality, m = decode_symbols(payload, size)
    return code(m, symbols, quality, 0)


@dataclass(frozen=True)
class LearnedCodec:
    name: str = "learned"
    lossless: bool = False
    default_quality: int | None = 50
    speed_knob: str | None = None  # no knobs: the search varies the quality alone

    def levels(self) -> list[int]:
        return list(range(101))

    def search_knobs(self, metric: str, breadth: int, scale: int) -> list[dict[str, Any]]:
        return [{}]

    def reference_options(self) -> dict[str, Any]:
        return {}

    def encode(
        self, lr: np.ndarray, quality: int | None, options: Mapping[str, Any] | None = None
    ) -> bytes:
        if options:
            msg = f"learned has no options (got {', '.join(options)})"
            raise UsageError(msg)
        quality = self.default_quality if quality is None else quality
        if not 0 <= quality <= 100:
            msg = f"learned quality must be 0-100, got {quality}"
            raise UsageError(msg)
        m = model()
        symbols = analyse(m.analysis(), lr, quality, m.levels)
        return code(m, symbols, quality, 0 if m.context is None else 1)

    def subsampled(self, payload: bytes) -> bool:
        """The synthesis makes every plane at full resolution."""
        return False

    def describe(self, payload: bytes) -> dict[str, str | None]:
        """What `srcodec.info` reports: the model hash and payload version, read off the
        payload header (no torch); None when the header is damaged (decode says why)."""
        try:
            version, model_hash, *_ = unpack(payload)
        except SrcodecError:
            return {"chroma": None, "base_model": None}
        return {"chroma": None, "base_model": f"{model_hash.hex()} (payload version {version})"}

    def decode_memory(self, lr_size: tuple[int, int]) -> int:
        """The network runtime, the symbols and synthesis output per LR pixel, and the
        largest strip's synthesis working set (spec §6.1.1)."""
        width, height = lr_size
        return (
            NETWORK_RUNTIME_BYTES
            + width * height * BYTES_PER_LR_PIXEL
            + strip_pixels(lr_size) * STRIP_BYTES_PER_PIXEL
        )

    def model_id(self) -> str | None:
        """The SHA-256 of the model file an encode here uses."""
        from srcodec import weights

        return str(weights.entry(MODEL)["sha256"])

    def decode(
        self,
        payload: bytes,
        size: tuple[int, int],
        channels: int,
        dtype: torch.dtype | None = None,
    ) -> np.ndarray:
        symbols, quality, m = decode_symbols(payload, size)
        if dtype is None:  # ONNX Runtime; a torch dtype asks for the torch reference
            rgb = synthesize_onnx(m.synthesis(), symbols, quality, m.levels, size)
        else:
            rgb = synthesize(m.net, symbols, quality, size, dtype)
        del symbols
        if channels == 1:  # grey was coded as R = G = B; take the rounded mean, in uint16
            grey = rgb.sum(2, dtype=np.uint16, keepdims=True)
            del rgb
            grey += 1
            grey //= 3
            return grey.astype(np.uint8)
        return rgb


CODEC = LearnedCodec()
