"""Every public function x every bad argument value: a UsageError naming the argument,
never an AttributeError, a TypeError from inside, or a value such as 'no' taken as true.
Also the device rule (srcodec.device) and the shared checks (srcodec.arguments)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
from conftest import synthetic
from PIL import Image

import srcodec
import srcodec.pillow  # registers the SRZ format
from srcodec import arguments, decoder, device
from srcodec.enhance import enhance
from srcodec.errors import BackendUnavailableError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

IMAGE = synthetic(16, 12)
STREAM = srcodec.encode(IMAGE, base="png")


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(IMAGE).save(buf, format="JPEG", quality=50)
    return buf.getvalue()


def _pillow_save(**kw: Any) -> None:
    Image.fromarray(IMAGE).save(io.BytesIO(), format="SRZ", **kw)


def _decode_to_file(tmp_path: Path) -> Callable[..., Any]:
    return lambda **kw: decoder.decode_to_file(STREAM, tmp_path / "o.png", **kw)


ENCODERS: dict[str, Callable[..., Any]] = {
    "encode": lambda **kw: srcodec.encode(IMAGE, **kw),
    "encode_explained": lambda **kw: srcodec.encode_explained(IMAGE, **kw),
    "pillow save": _pillow_save,
}
DECODERS: dict[str, Callable[..., Any]] = {
    "decode": lambda **kw: srcodec.decode(STREAM, **kw),
    "decode_with_report": lambda **kw: srcodec.decode_with_report(STREAM, **kw),
}
BAD_ENCODE = [
    ("quality", "high"),
    ("quality", 101),
    ("quality", 50.5),
    ("scale", "2"),
    ("scale", 5),
    ("base", 3),
    ("upscaler", ["cnn"]),
    ("metric", "ssim"),
    ("effort", 0),
    ("effort", "1"),
    ("options", "speed=6"),
    ("device", 0),
    ("device", "gpu"),
]
BAD_ENCODE_LIBRARY_ONLY = [  # keywords the Pillow plugin does not pass on
    ("keep_metadata", "no"),
    ("keep_metadata", 0),
    ("max_pixels", "big"),
    ("max_pixels", -1),
    ("max_pixels", 0),
    ("progress", 3),
]
BAD_DECODE = [
    ("device", 0),
    ("device", None),
    ("device", "cuda:x"),
    ("lr_only", "yes"),
    ("lr_only", 1),
    ("upscaler", 3),
    ("upscaler", "magic"),
    ("max_pixels", "big"),
    ("max_pixels", -1),
    ("max_pixels", True),
    ("max_memory", 0),
    ("max_memory", "1G"),
    ("progress", "yes"),
]


def _refused(call: Callable[..., Any], name: str, value: object) -> None:
    with pytest.raises(UsageError, match=name):
        call(**{name: value})


@pytest.mark.parametrize("function", ENCODERS)
@pytest.mark.parametrize(("name", "value"), BAD_ENCODE)
def test_encoders_refuse_bad_values(function: str, name: str, value: object) -> None:
    _refused(ENCODERS[function], name, value)


@pytest.mark.parametrize("function", ["encode", "encode_explained"])
@pytest.mark.parametrize(("name", "value"), BAD_ENCODE_LIBRARY_ONLY)
def test_encoders_refuse_bad_library_values(function: str, name: str, value: object) -> None:
    _refused(ENCODERS[function], name, value)


@pytest.mark.parametrize("function", [*DECODERS, "decode_to_file"])
@pytest.mark.parametrize(("name", "value"), BAD_DECODE)
def test_decoders_refuse_bad_values(
    function: str, name: str, value: object, tmp_path: Path
) -> None:
    call = _decode_to_file(tmp_path) if function == "decode_to_file" else DECODERS[function]
    _refused(call, name, value)


@pytest.mark.parametrize("value", ["big", -1, 0, 2.5, None])
def test_info_refuses_bad_max_pixels(value: object) -> None:
    _refused(lambda **kw: srcodec.info(STREAM, **kw), "max_pixels", value)


@pytest.mark.parametrize(("name", "value"), [("tool", "magic"), ("tool", 3), ("device", 0)])
def test_enhance_refuses_bad_values(name: str, value: object) -> None:
    _refused(lambda **kw: enhance(_jpeg(), **kw), name, value)


def test_enhance_refuses_what_is_not_bytes() -> None:
    with pytest.raises(UsageError, match="data"):
        enhance("photo.jpg")  # type: ignore[arg-type]


@pytest.mark.parametrize("function", [srcodec.decode, srcodec.encode])
def test_unknown_keywords_name_the_public_function(function: Callable[..., Any]) -> None:
    source = STREAM if function is srcodec.decode else IMAGE
    with pytest.raises(TypeError, match=rf"^{function.__name__}\(\)"):
        function(source, colour=1)


def test_good_values_still_work() -> None:
    assert srcodec.decode(STREAM, device="cpu", lr_only=True, max_memory=1 << 30).size == (16, 12)
    assert srcodec.encode(IMAGE, base="png", keep_metadata=False, max_pixels=1000)


def _has_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(_has_gpu(), reason="the rule for a missing GPU needs a machine without one")
@pytest.mark.parametrize(
    "call",
    [
        lambda: srcodec.encode(IMAGE, base="png", device="cuda"),  # manual: no learned tool
        lambda: srcodec.encode(IMAGE, device="cuda", effort=1),  # auto
        lambda: srcodec.decode(STREAM, device="cuda"),  # a stream without a learned tool
        lambda: srcodec.decode(STREAM, device="cuda:0", lr_only=True),
        lambda: enhance(_jpeg(), device="cuda"),
    ],
)
def test_a_missing_gpu_is_refused_on_every_path(call: Callable[[], Any]) -> None:
    with pytest.raises(BackendUnavailableError, match="cuda"):
        call()


def test_device_rule() -> None:
    assert device.check("auto") == "auto"
    assert device.check("cpu") == "cpu"
    assert device.pick("cpu") == "cpu"
    assert device.pick("auto") in ("cpu", "cuda")
    for bad in ("gpu", "cuda:", "cuda:-1", 1, None, b"cpu"):
        with pytest.raises(UsageError, match="device"):
            device.check(bad)


def test_natural_list_counts_like_people() -> None:
    assert arguments.natural_list([10, 2, 0, 1]) == "0, 1, 2, 10"
    assert arguments.natural_list(["x10", "x2", "iq"]) == "iq, x2, x10"
    assert arguments.natural_list(["4:4:4", "4:2:0"]) == "4:2:0, 4:4:4"


def test_checks_return_what_they_accept() -> None:
    assert arguments.check_bool("flag", False) is False
    assert arguments.check_int("n", None, low=1, optional=True) is None
    assert arguments.check_int("n", 5, low=1, high=5) == 5
    assert arguments.check_number("x", 0.5) == 0.5
    with pytest.raises(UsageError, match="x must be a finite number"):
        arguments.check_number("x", float("nan"))
    assert arguments.check_choice("c", "b", ("a", "b")) == "b"
