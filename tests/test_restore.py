"""`restore`: the scale-1 luma+chroma restoration CNN (arch, tiling, streams)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import torch
from conftest import synthetic

import srcodec
from srcodec.upscale import UPSCALERS
from srcodec.upscale import restore as rs

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def net() -> torch.nn.Module:
    torch.manual_seed(0)
    model = rs.build(8, 4).eval()
    with torch.no_grad():  # a visible residual, so tiling mistakes would show
        model.tail.weight.mul_(300)
    return model


def test_tiled_equals_whole_image(net: torch.nn.Module) -> None:
    img = synthetic(101, 67)  # odd sizes: padded by one pixel, then cropped
    cond = rs.condition("avif", 40, False)
    whole = rs.run(net, img, cond, tile=512)
    tiled = rs.run(net, img, cond, tile=32, overlap=rs.OVERLAP)
    assert whole.shape == img.shape
    assert np.abs(whole.astype(int) - tiled.astype(int)).max() <= 1
    assert np.abs(whole.astype(int) - img.astype(int)).max() > 0


def test_condition_layout() -> None:
    cond = rs.condition("jpeg", 75, True)
    assert cond.tolist() == pytest.approx([0, 1, 0, 0, 0.75, 1])
    with pytest.raises(srcodec.UnsupportedError):
        rs.condition("learned", 10, False)


def _restore_stream(scale: int, w: int, h: int) -> tuple[np.ndarray, bytes, dict[str, Any]]:
    """A synthetic image, its AVIF q30 stream with the restore tool at `scale`, and the
    stream's info; skips the test where no restore model for `scale` is shipped."""
    if scale not in UPSCALERS.entry("restore").get().scales():
        pytest.skip(f"no restore model shipped for scale {scale}")
    img = synthetic(w, h)
    data = srcodec.encode(img, scale=scale, base="avif", quality=30, upscaler="restore")
    return img, data, srcodec.info(data)


def test_restore_stream_round_trip_and_provenance() -> None:
    img, data, info = _restore_stream(1, 48, 40)
    assert (info["upscaler"], info["scale"]) == ("restore", 1)
    assert info["model_hash"] is not None
    out = srcodec.decode(data)
    assert out.size == (48, 40)
    assert "restored by the learned filter restore" in out.info["srcodec"]
    lr = srcodec.decode(data, lr_only=True)
    assert "no upscaling" in lr.info["srcodec"]
    with pytest.raises(srcodec.UsageError, match="no model for scale 3"):
        srcodec.encode(img, scale=3, base="avif", upscaler="restore")


def test_gray_runs_as_equal_planes() -> None:
    if 1 not in UPSCALERS.entry("restore").get().scales():
        pytest.skip("no restore model shipped")
    gray = synthetic(40, 32, channels=1)[..., 0]
    data = srcodec.encode(gray, scale=1, base="avif", quality=30, upscaler="restore")
    assert srcodec.decode(data).mode == "L"


def test_scale2_is_the_net_on_the_bicubic_upscale(
    net: torch.nn.Module, monkeypatch: pytest.MonkeyPatch
) -> None:
    from srcodec.upscale import SideInfo
    from srcodec.upscale.classic import resize_bicubic

    monkeypatch.setattr(rs.Restore, "scales", lambda self: (1, 2))
    monkeypatch.setattr(rs, "_model", lambda name, device: net)
    lr = synthetic(37, 23)
    side = SideInfo(scale=2, base="avif", quality=30, subsampled=False)
    out = rs.Restore().upscale(lr, side, "cpu")
    cond = rs.condition("avif", 30, False)
    assert np.array_equal(out, rs.run(net, resize_bicubic(lr, 2), cond))
    assert out.shape == (46, 74, 3)
    with torch.no_grad():
        net.tail.weight.zero_()
        net.tail.bias.zero_()
    assert np.array_equal(rs.Restore().upscale(lr, side, "cpu"), resize_bicubic(lr, 2))


def test_scale2_stream_round_trip() -> None:
    _, data, info = _restore_stream(2, 64, 48)
    assert (info["upscaler"], info["scale"]) == ("restore", 2)
    out = srcodec.decode(data)
    assert out.size == (64, 48)
    assert "synthesized by the learned upscaler restore" in out.info["srcodec"]
    assert srcodec.decode(data, lr_only=True).size == (32, 24)


@pytest.fixture
def earlier_x1_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A models folder like the shipped one plus an earlier restore-x1, kept as
    restore-x1@<sha8> (after the first release every written model is kept, SPEC §6.5)."""
    import hashlib
    import io
    import json
    import shutil

    from srcodec import weights

    models = weights.manifest()
    for entry in models.values():
        shutil.copy(weights.MODELS_DIR / entry["file"], tmp_path / entry["file"])
    arrays = weights.load("restore-x1")
    earlier = {k: v * np.float32(0.9) if v.dtype == np.float32 else v for k, v in arrays.items()}
    buf = io.BytesIO()
    np.savez(buf, **earlier)
    sha = hashlib.sha256(buf.getvalue()).hexdigest()
    (tmp_path / f"restore-x1-earlier-{sha[:8]}.npz").write_bytes(buf.getvalue())
    models[f"restore-x1@{sha[:8]}"] = {"file": f"restore-x1-earlier-{sha[:8]}.npz", "sha256": sha}
    (tmp_path / "manifest.json").write_text(json.dumps(models))
    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "manifest.json")


@pytest.mark.usefixtures("earlier_x1_model")
def test_streams_of_earlier_models_still_decode() -> None:
    """A stream names its model by hash; models kept as restore-x1@<sha8> still decode it,
    with that model, and an unknown hash is refused."""
    from srcodec import format as fmt
    from srcodec import weights

    kept = {h: n for h, n in weights.variants("restore-x1").items() if "@" in n}
    assert kept  # the repo ships at least one earlier x1 model
    old_hash, old_name = sorted(kept.items())[0]
    img = synthetic(48, 32, seed=9)
    data = srcodec.encode(img, scale=1, base="avif", quality=40, upscaler="restore")
    stream = fmt.read(data)
    h = stream.header
    stream.header = type(h)(**{**h.__dict__, "model_hash": old_hash})
    old_stream = fmt.write(stream)
    out, report = srcodec.decode_with_report(old_stream, device="cpu")
    assert old_hash.hex() in report.provenance
    lr = np.asarray(srcodec.decode(data, lr_only=True))
    net = rs.from_arrays(weights.load(old_name))
    cond = rs.condition("avif", 40, srcodec.info(data)["chroma"] == "4:2:0")
    assert np.array_equal(np.asarray(out), rs.run(net, lr, cond))
    assert not np.array_equal(np.asarray(out), np.asarray(srcodec.decode(data, device="cpu")))
    stream.header = type(h)(**{**h.__dict__, "model_hash": b"\xde\xad\xbe\xef"})
    with pytest.raises(srcodec.UnsupportedError, match="deadbeef"):
        srcodec.decode(fmt.write(stream))


def test_export_can_keep_the_previous_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from srcodec import weights
    from srcodec.train.export import write_model

    monkeypatch.setattr(weights, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(weights, "MANIFEST", tmp_path / "manifest.json")
    first = write_model("m", "m-tag", {"a": np.zeros(3, np.float32)})
    weights.register("m", first, {})
    assert weights.keep_as_variant("m") == f"m@{weights.entry('m')['sha256'][:8]}"
    second = write_model("m", "m-tag", {"a": np.ones(3, np.float32)})
    weights.register("m", second, {})
    assert first.exists()  # still referenced by m@<sha8>
    assert len(weights.variants("m")) == 2
    third = write_model("m", "m-tag", {"a": np.full(3, 2, np.float32)})
    weights.register("m", third, {})
    assert not second.exists()  # replaced without keeping
    assert len(weights.variants("m")) == 2


def test_x2_model_is_chosen_per_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """A base with its own fine-tuned x2 model (learned) gets it; other bases keep the scale's
    model; streams naming either decode; without the special model the scale's one serves."""
    from srcodec import weights

    shipped = {
        "restore-x1": {"sha256": "11" * 32},
        "restore-x2": {"sha256": "22" * 32},
        "restore-x2@33333333": {"sha256": "33" * 32},
        "restore-x2-learned": {"sha256": "44" * 32},
    }
    monkeypatch.setattr(weights, "manifest", lambda: shipped)
    impl = rs.Restore()
    assert rs.model_name(2, "learned") == "restore-x2-learned"
    assert rs.model_name(2, "avif") == rs.model_name(2) == "restore-x2"
    assert rs.model_name(1, "learned") == "restore-x1"
    assert impl.model_hash(2, "learned") == b"\x44" * 4
    assert impl.model_hash(2, "avif") == b"\x22" * 4
    assert impl.model_hashes(2) == {b"\x22" * 4, b"\x33" * 4, b"\x44" * 4}
    assert impl.model_hashes(1) == {b"\x11" * 4}
    del shipped["restore-x2-learned"]
    assert rs.model_name(2, "learned") == "restore-x2"
    assert impl.model_hashes(2) == {b"\x22" * 4, b"\x33" * 4}


def test_learned_base_streams_use_their_own_x2_model() -> None:
    from srcodec import weights

    if "restore-x2-learned" not in weights.manifest():
        pytest.skip("no restore-x2-learned model shipped")
    img = synthetic(48, 32, seed=4)
    learned = srcodec.encode(img, scale=2, base="learned", quality=40, upscaler="restore")
    avif = srcodec.encode(img, scale=2, base="avif", quality=40, upscaler="restore")
    assert srcodec.info(learned)["model_hash"] == weights.stream_hash("restore-x2-learned").hex()
    assert srcodec.info(avif)["model_hash"] == weights.stream_hash("restore-x2").hex()
    out = srcodec.decode(learned)
    assert out.size == (48, 32)
    assert weights.stream_hash("restore-x2-learned").hex() in out.info["srcodec"]


def test_learned_base_streams_use_their_own_x1_model() -> None:
    from srcodec import weights

    if "restore-x1-learned" not in weights.manifest():
        pytest.skip("no restore-x1-learned model shipped")
    img = synthetic(40, 32, seed=5)
    learned = srcodec.encode(img, scale=1, base="learned", quality=50, upscaler="restore")
    want = weights.stream_hash("restore-x1-learned").hex()
    assert srcodec.info(learned)["model_hash"] == want
    assert want in srcodec.decode(learned).info["srcodec"]


def test_an_encoder_scoring_a_metric_uses_and_names_that_metrics_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restore model trained for one metric (METRIC_MODEL_NAMES) is what the search runs
    and the stream names when the encoder scores with that metric; other metrics keep the
    scale's model, and the decoder follows the hash either way."""
    import srcodec
    from srcodec import weights
    from srcodec.upscale import restore

    stand_in = "restore-x1-learned"  # any shipped x1 model of another name stands in
    monkeypatch.setitem(restore.METRIC_MODEL_NAMES, (1, "ssimulacra2"), stand_in)
    rgb = synthetic(96, 64)
    perceptual = srcodec.encode(rgb, quality=60, upscaler="restore", effort=2)
    plain = srcodec.encode(rgb, quality=60, upscaler="restore", effort=2, metric="psnr")
    assert srcodec.info(perceptual)["model_hash"] == weights.stream_hash(stand_in).hex()
    assert srcodec.info(plain)["model_hash"] == weights.stream_hash("restore-x1").hex()
    for stream in (perceptual, plain):
        assert srcodec.decode(stream).size == (96, 64)
