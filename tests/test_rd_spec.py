from __future__ import annotations

import pytest

from srcodec.errors import UsageError
from srcodec.rd.spec import parse, parse_qualities


def test_srcodec_spec_with_defaults_and_range() -> None:
    spec = parse("srcodec:base=avif,scale=2,upscaler=bicubic,quality=10:90:10")
    assert spec.kind == "srcodec"
    assert spec.qualities == (10, 20, 30, 40, 50, 60, 70, 80, 90)
    assert spec.params == {"base": "avif", "scale": "2", "upscaler": "bicubic"}
    assert spec.name == "srcodec avif x2 bicubic"


def test_srcodec_spec_with_base_knobs_and_strength() -> None:
    from srcodec.rd.spec import base_options

    spec = parse("srcodec:base=avif,scale=1,upscaler=auto,subsampling=4:4:4,tune=psnr,quality=30")
    assert spec.name == "srcodec avif x1 auto subsampling=4:4:4 tune=psnr"
    assert base_options(spec.params) == {"subsampling": "4:4:4", "tune": "psnr"}
    assert base_options(parse("srcodec:base=avif,speed=3,quality=30").params) == {"speed": 3}
    assert parse("srcodec:base=avif,strength=0,quality=30").params["strength"] == "0"
    with pytest.raises(UsageError, match="has no option 'tune'"):
        parse("srcodec:base=webp,tune=psnr,quality=30")
    with pytest.raises(UsageError, match="strength"):
        parse("srcodec:base=avif,strength=2,quality=30")


def test_peer_specs_names_and_lists() -> None:
    assert parse("jpeg:quality=5:95:5").qualities[-1] == 95
    assert parse("webp:quality=40/20/60").qualities == (20, 40, 60)
    assert parse("avif:quality=50,speed=6").name == "avif"
    assert parse("avif:quality=50,speed=8").name == "avif speed=8"
    assert parse("jpeg:quality=50,subsampling=4:4:4").name == "jpeg subsampling=4:4:4"
    assert parse("jpeg2000:quality=30:40:5").params == {"mode": "dB"}
    assert parse("webp:quality=50,name=My WebP").name == "My WebP"


def test_quality_list_and_range() -> None:
    assert parse_qualities("1:3:1") == (1, 2, 3)
    assert parse_qualities("10:15:10") == (10,)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("heif:quality=50", "unknown codec 'heif'"),
        ("jpeg:quality=50,speed=6", "unknown key 'speed' for jpeg"),
        ("srcodec:base=gif,quality=50", "base='gif' is not one of"),
        ("srcodec:upscaler=magic,quality=50", "upscaler='magic'"),
        ("srcodec:scale=5,quality=50", "scale='5'"),
        ("jpeg", "needs quality="),
        ("jpeg:quality=90:10:10", "STOP >= START"),
        ("jpeg:quality=1:2", "not START:STOP:STEP"),
        ("jpeg:quality=a/b", "not START:STOP:STEP"),
        ("jpeg:quality=50:150:50", "out of range 0-100"),
        ("jpeg:quality", "not key=value"),
        ("avif:quality=50,speed=11", "speed='11'"),
        ("jpeg2000:quality=30,mode=lossless", "mode='lossless'"),
    ],
)
def test_bad_specs_raise_usage_error(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        parse(text)
