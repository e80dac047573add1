"""The shared training package: exact resume, data hygiene, export."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
import torch
from conftest import synthetic
from PIL import Image

import srcodec
from srcodec.train import compact, data
from srcodec.train.loop import Settings, Trainer
from srcodec.train.restore import RestoreFamily

if TYPE_CHECKING:
    from pathlib import Path


def _tiny() -> RestoreFamily:
    return RestoreFamily(
        channels=4,
        layers=3,
        patch=24,
        margin=4,
        batch=2,
        plan=[("avif", (30, 60), 1, {"subsampling": "4:4:4", "tune": "psnr"})],
        val_variants=[data.Variant("avif", 40)],
    )


def _records(tmp_path: Path, family: RestoreFamily) -> list[data.Record]:
    folder = tmp_path / "train"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(3):
        Image.fromarray(synthetic(64, 48, seed=i)).save(folder / f"img{i}.png")
    return data.build(
        folder,
        tmp_path / "cache",
        family.scale,
        family.plan,
        family.val_variants,
        1,
        0,
        lambda _: None,
    )


def test_resume_is_exact(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    family = _tiny()
    records = _records(tmp_path, family)
    settings = Settings(lr=1e-3, warmup=2, val_minutes=1e9)
    straight = Trainer(family, tmp_path / "a", settings)
    straight.train(records, hours=1, max_steps=3)  # checkpoints (and rounds) here ...
    straight.train(records, hours=1, max_steps=3)  # ... and goes on in the same process
    first = Trainer(family, tmp_path / "b", settings)
    first.train(records, hours=1, max_steps=3)
    resumed = Trainer(family, tmp_path / "b", settings)  # a fresh process would do this
    assert resumed.state["step"] == 3
    resumed.train(records, hours=1, max_steps=3)
    assert resumed.state["step"] == straight.state["step"] == 6
    for key, value in straight.ema.state_dict().items():
        assert torch.equal(value, resumed.ema.state_dict()[key]), key
    for key, value in straight.net.state_dict().items():
        assert torch.equal(value, resumed.net.state_dict()[key]), key
    log = (tmp_path / "b" / "log.jsonl").read_text().splitlines()
    assert len(log) == 3  # untrained, end of run, end of run
    assert resumed.state["cpu_hours"] > 0
    ckpt = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)  # no pickle
    assert set(ckpt) == {"model", "ema", "opt", "state"}
    assert all(v.dtype == torch.float16 for v in ckpt["ema"].values())


def test_cpu_hour_goal_stops_the_run(tmp_path: Path) -> None:
    """--until-cpu-hours: a run whose cumulative CPU time already meets the goal adds no step."""
    torch.set_num_threads(1)
    family = _tiny()
    records = _records(tmp_path, family)
    trainer = Trainer(family, tmp_path / "run", Settings(val_minutes=1e9))
    trainer.train(records, hours=1, max_steps=2)
    reached = trainer.state["cpu_hours"]
    assert reached > 0
    trainer.train(records, hours=1, max_steps=5, until_cpu_hours=reached)
    assert trainer.state["step"] == 2
    trainer.train(records, hours=1, max_steps=1, until_cpu_hours=reached + 1)
    assert trainer.state["step"] == 3


def test_threads_flag_beats_a_stale_threads_file(tmp_path: Path) -> None:
    """A `threads` file left by an earlier run must not override this run's --threads."""
    torch.set_num_threads(1)
    family = _tiny()
    records = _records(tmp_path, family)
    run = tmp_path / "run"
    run.mkdir()
    (run / "threads").write_text("2\n")
    trainer = Trainer(family, run, Settings(threads=1, val_minutes=1e9))
    trainer.train(records, hours=1, max_steps=1)
    assert torch.get_num_threads() == 1
    assert (run / "threads").read_text().strip() == "1"


def test_gradient_clipping_bounds_the_update(tmp_path: Path) -> None:
    """--clip scales the gradient down before Adam: at a norm far below Adam's eps the
    first step barely moves the weights, where an unclipped step moves them by ~lr."""
    torch.set_num_threads(1)
    family = _tiny()
    records = _records(tmp_path, family)
    moved = {}
    for clip in (None, 1e-12):
        trainer = Trainer(family, tmp_path / f"run{clip}", Settings(warmup=1, clip=clip))
        # the end-of-run checkpoint rounds weights to float16: compare like with like
        before = [p.detach().half().float() for p in trainer.net.parameters()]
        trainer.train(records, hours=1, max_steps=1)
        after = trainer.net.parameters()
        moved[clip] = max((a - b).abs().max().item() for a, b in zip(after, before, strict=True))
    assert moved[None] > 1e-4
    assert moved[1e-12] < 1e-6


def test_accelerator_time_is_not_cpu_time(tmp_path: Path) -> None:
    """A run on a GPU logs its wall time as gpu_hours and leaves cpu_hours alone."""
    trainer = Trainer(_tiny(), tmp_path / "run", Settings())
    trainer._add_time(cpu_seconds=360, wall_seconds=720)
    assert trainer.state["cpu_hours"] == 0.1
    assert "gpu_hours" not in trainer.state
    trainer.settings.device = "cuda"  # only the bookkeeping is exercised: no GPU here
    trainer._add_time(cpu_seconds=360, wall_seconds=720)
    assert trainer.state["cpu_hours"] == 0.1
    assert trainer.state["gpu_hours"] == 0.2
    assert abs(trainer.state["wall_hours"] - 0.4) < 1e-12


def test_float32_checkpoints_still_load(tmp_path: Path) -> None:
    family = _tiny()
    old = Trainer(family, tmp_path / "run", Settings())
    old.opt.zero_grad()
    for p in old.net.parameters():
        p.grad = torch.randn_like(p)
    old.opt.step()
    torch.save(
        {
            "model": old.net.state_dict(),
            "ema": old.ema.state_dict(),
            "opt": old.opt.state_dict(),
            "state": json.dumps(old.state),
        },
        tmp_path / "run" / "checkpoint.pt",
    )
    new = Trainer(family, tmp_path / "run", Settings())
    for key, value in old.net.state_dict().items():
        assert torch.equal(value, new.net.state_dict()[key])


def test_moments_pack_within_their_step() -> None:
    g = torch.Generator().manual_seed(0)
    first = torch.randn(1000, generator=g) * torch.exp2(torch.randint(-20, 0, (1000,), generator=g))
    first[::97] = 0
    back = compact.unpack_first(compact.pack_first(first))
    assert torch.equal(back == 0, first == 0)
    assert torch.equal(back.sign(), first.sign())
    rel = (back - first).abs() / first.abs().clamp_min(1e-30)
    assert float(rel[first != 0].max()) <= 2 ** (1 / 8) - 1 + 1e-6  # half a 1/4-octave step
    second = first.square() + 1e-40  # 60 octaves: the tiny end is raised to the floor
    packed = compact.pack_second(second)
    assert packed["code"].dtype == torch.uint8
    assert int(packed["code"].min()) >= 1
    back = compact.unpack_second(packed)
    assert bool((back > 0).all())
    top = second > second.max() * 2**-30
    rel = (back - second).abs() / second
    assert float(rel[top].max()) <= 2 ** (1 / 16) - 1 + 1e-6
    floor = back.min()
    assert bool((back[second < floor] == floor).all())  # raised to the floor, never to 0


def test_resume_refuses_another_arch(tmp_path: Path) -> None:
    family = _tiny()
    Trainer(family, tmp_path / "run", Settings()).checkpoint()
    other = _tiny()
    other.channels = 8
    with pytest.raises(SystemExit, match="arch"):
        Trainer(other, tmp_path / "run", Settings())


def test_evaluation_sets_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "kodak"
    folder.mkdir()
    with pytest.raises(SystemExit, match="evaluation set"):
        data.training_files(folder)


def test_crops_stay_on_the_block_grid(tmp_path: Path) -> None:
    family = _tiny()
    records = [r for r in _records(tmp_path, family) if r.role == "train"]
    rng = np.random.default_rng(0)
    for lr, hr, coded in data.crops(records, rng, 8, 16, 1, align=8):
        assert lr.shape == hr.shape == (16, 16, 3)
        assert coded.variant.base == "avif"
        assert not coded.subsampled  # 4:4:4 read back from the payload


def _two_step_run(tmp_path: Path, name: str) -> RestoreFamily:
    """A tiny restore family trained for 2 steps into tmp_path/<name>-run."""
    torch.set_num_threads(1)
    family = _tiny()
    records = _records(tmp_path / name, family)
    trainer = Trainer(family, tmp_path / f"{name}-run", Settings(val_minutes=1e9))
    trainer.train(records, 1, max_steps=2)
    return family


def test_restore_x2_warm_starts_from_x1(tmp_path: Path) -> None:
    x1 = _two_step_run(tmp_path, "x1")
    x2 = _tiny()
    x2.scale, x2.name = 2, "restore-x2"
    x2.plan = [("avif", (10, 40), 1, {})]
    records2 = _records(tmp_path / "x2", x2)
    assert records2[0].coded[0].pixels.shape[0] == 24  # LR of the 48 px high image
    trainer = Trainer(x2, tmp_path / "x2-run", Settings(val_minutes=1e9))
    trainer.warm_start(tmp_path / "x1-run")
    start = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    x1_ema = Trainer(x1, tmp_path / "x1-run", Settings()).ema.state_dict()
    for key, value in start.items():
        assert torch.equal(value, x1_ema[key]), key
    trainer.train(records2, 1, max_steps=2)
    assert trainer.state["warm_start"]["step"] == 2
    log = (tmp_path / "x2-run" / "log.jsonl").read_text().splitlines()
    assert "avif40" in log[0]  # validated against bicubic on the held-out LR


def test_widened_restore_learns_the_learned_base(tmp_path: Path) -> None:
    """restore-x2-learned: a warm start from a 4-base run keeps the function on the old
    bases exactly, and the data pipeline codes LR with srcodec's learned base."""
    from srcodec.upscale import restore as rs

    old = _two_step_run(tmp_path, "old")
    wide = _tiny()
    wide.bases, wide.name = 5, "restore-x2-learned"
    assert wide.arch["bases"] == 5
    assert "bases" not in old.arch  # runs made before keep their arch key
    trainer = Trainer(wide, tmp_path / "wide-run", Settings())
    trainer.warm_start(tmp_path / "old-run")
    before = Trainer(old, tmp_path / "old-run", Settings()).ema
    img = torch.rand(1, 3, 16, 16)
    for base in ("avif", "jpeg"):
        c4 = torch.from_numpy(rs.condition(base, 40, True, 4))[None]
        c5 = torch.from_numpy(rs.condition(base, 40, True, 5))[None]
        assert torch.allclose(before(img, c4), trainer.ema(img, c5), atol=1e-6)
    with pytest.raises(srcodec.UnsupportedError, match="learned"):
        rs.condition("learned", 40, False, 4)
    lr = synthetic(32, 16, seed=4)
    decoded, subsampled = data.code(lr, data.Variant("learned", 30))
    assert decoded.shape == lr.shape
    assert not subsampled


def test_cache_of_learned_variants_follows_the_learned_base_export(tmp_path: Path) -> None:
    """Variants coded by the learned base change with its export: they get their own cache."""
    from srcodec import weights
    from srcodec.train.data import default_cache

    plain = [("avif", (5, 75), 4, {})]
    assert default_cache("restore-x2", 2, plain, tmp_path) == tmp_path / "restore-x2-x2"
    sha8 = weights.entry("learned-base")["sha256"][:8]
    mixed = [*plain, ("learned", (10, 90), 2, {})]
    got = default_cache("restore-x2-learned", 2, mixed, tmp_path)
    assert got == tmp_path / f"restore-x2-learned-x2-base{sha8}"


def test_perceptual_family_trains_on_ssimulacra2_and_logs_psnr_beside(tmp_path: Path) -> None:
    from srcodec.train.perceptual import SSIMULACRA2_444, PerceptualRestoreFamily

    torch.set_num_threads(1)
    family = PerceptualRestoreFamily(
        channels=4,
        layers=3,
        patch=40,
        margin=4,
        batch=2,
        plan=[("avif", (30, 60), 1, SSIMULACRA2_444)],
        val_variants=[data.Variant("avif", 40)],
    )
    records = _records(tmp_path, family)
    trainer = Trainer(family, tmp_path / "run", Settings(lr=1e-3, warmup=2, val_minutes=1e9))
    trainer.train(records, hours=1, max_steps=2)
    last = json.loads((tmp_path / "run" / "log.jsonl").read_text().splitlines()[-1])
    assert set(last["per_variant"]) == {"avif40", "avif40-psnr"}
    assert math.isfinite(last["score_db"])


def test_registry_builds_every_family_by_its_name() -> None:
    """tools/train.py <family>: every registered family builds, answers to its registry
    name and has a command line."""
    from srcodec.train.families import FAMILIES, main

    for name, entry in FAMILIES.items():
        family = entry()
        assert family.name == name
        assert callable(family.main)
    with pytest.raises(SystemExit, match="unknown family 'nope'"):
        main(["nope"])


def test_closed_form_exports_share_the_write_path(tmp_path: Path) -> None:
    """write_npz names a file by its content; the same arrays give the same bytes."""
    from srcodec.train.export import compressed_npz_bytes, write_npz

    arrays = {"b": np.arange(6, dtype=np.float32), "a": np.ones((2, 2), np.int32)}
    first = write_npz(tmp_path, "m", arrays)
    assert first == write_npz(tmp_path, "m", dict(reversed(arrays.items())))
    packed = write_npz(tmp_path, "m", arrays, compressed_npz_bytes)
    assert packed.read_bytes() == compressed_npz_bytes(arrays)
    with np.load(packed) as npz:
        assert np.array_equal(npz["b"], arrays["b"])
