"""One resumable training loop for every model family.

A run directory holds `checkpoint.pt` (model, EMA weights, optimiser, step, cumulative hours
and the numpy generator state that fixes the data order; 6 bytes per parameter, see
srcodec.train.compact) and `log.jsonl` (one line per validation: cumulative CPU-hours vs
validation dB). Resuming from it continues exactly where
the last run stopped, on any machine; both files are small and committed under training/.

Schedule: linear warm-up, then a constant learning rate, with an exponential moving average
(EMA) of the weights as the model that is validated and shipped. An EMA needs no total
budget fixed in advance, so runs of any length add up; a later run may lower --lr.
The number of torch threads can be changed while it runs by writing it to <run>/threads.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch

from srcodec.train import compact

if TYPE_CHECKING:
    from pathlib import Path

    from srcodec.train.data import Record, TrainPlan, Variant

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"


class Family(Protocol):
    """What a family the loop trains contributes: its arch, data plan, batches, loss and
    validation (the registry, srcodec.train.families, also holds closed-form families)."""

    name: str
    arch: dict[str, Any]
    scale: int
    plan: TrainPlan
    val_variants: list[Variant]

    def build(self) -> torch.nn.Module: ...

    def loss(
        self, net: torch.nn.Module, records: list[Record], rng: np.random.Generator
    ) -> torch.Tensor:
        """One batch drawn with `rng`, its loss."""
        ...

    def validate(self, net: torch.nn.Module, records: list[Record]) -> dict[str, Any]:
        """{"score": dB gain to maximise, "per_variant": {...}} on the held-out records."""
        ...


@dataclass
class Settings:
    lr: float = 4e-4
    warmup: int = 300
    ema: float = 0.999
    seed: int = 0
    threads: int = 1
    val_minutes: float = 10.0
    clip: float | None = None  # max global gradient norm; None: no clipping
    # "cpu", or an accelerator ("cuda") when one is lent: its wall time is logged as
    # gpu_hours, never added to cpu_hours
    device: str = "cpu"


def _cpu(obj: Any) -> Any:
    """A (nested) state dict with every tensor on the CPU."""
    if torch.is_tensor(obj):
        return obj.cpu()
    if isinstance(obj, dict):
        return {k: _cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cpu(v) for v in obj]
    return obj


def save_atomically(obj: dict[str, Any], path: Path) -> None:
    """torch.save through a temporary file, so an interrupted save leaves the old file."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


class Trainer:
    def __init__(self, family: Family, run: Path, settings: Settings) -> None:
        self.family, self.run, self.settings = family, run, settings
        run.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(settings.seed)
        self.net = family.build()
        self.ema = copy.deepcopy(self.net).eval()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=settings.lr)
        self.state: dict[str, Any] = {
            "step": 0,
            "cpu_hours": 0.0,
            "wall_hours": 0.0,
            "best": None,
            "rng": np.random.default_rng(settings.seed).bit_generator.state,
            "arch": family.arch,
            "family": family.name,
        }
        ckpt = run / CHECKPOINT
        if ckpt.exists():
            saved, state = self._read(run)
            self._load(saved)
            self.state = state
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = self.state["rng"]
        self._to(settings.device)

    def _to(self, device: str) -> None:
        """Model, EMA and Adam's moments to `device` (checkpoints always hold CPU tensors)."""
        self.net.to(device)
        self.ema.to(device)
        for state in self.opt.state.values():
            for key, value in state.items():
                if key != "step" and torch.is_tensor(value):  # Adam keeps step on the CPU
                    state[key] = value.to(device)

    def warm_start(self, other: Path) -> None:
        """Start a new run from another run's EMA weights, e.g. restore-x2 from restore-x1
        (same arch), or through the family's `widen` (restore-x2-learned from restore-x2);
        the optimiser starts fresh. Ignored once this run has steps."""
        if self.state["step"]:
            return
        widen = getattr(self.family, "widen", None)
        saved, state = self._read(other, check_arch=widen is None)
        weights = compact.unpack_weights(saved["ema"])
        if state["arch"] != self.family.arch and widen is not None:
            weights = widen(weights, state["arch"])
        self.net.load_state_dict(weights)
        self.ema.load_state_dict(weights)
        self.state["warm_start"] = {"run": str(other), "step": state["step"]}
        self.log(f"warm start from {other} (step {state['step']})")

    def _read(self, run: Path, check_arch: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
        """A run's checkpoint (no pickle) and its state; SystemExit if its arch differs."""
        ckpt = run / CHECKPOINT
        saved = torch.load(ckpt, weights_only=True)
        state = json.loads(saved["state"])
        if check_arch and state["arch"] != self.family.arch:
            msg = f"{ckpt} is arch {state['arch']}, asked for {self.family.arch}"
            raise SystemExit(msg)
        return saved, state

    def log(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)

    def _load(self, saved: dict[str, Any]) -> None:
        self.net.load_state_dict(compact.unpack_weights(saved["model"]))
        self.ema.load_state_dict(compact.unpack_weights(saved["ema"]))
        self.opt.load_state_dict(compact.unpack_optimizer(saved["opt"]))

    def checkpoint(self) -> None:
        """Write the compact checkpoint and continue from exactly what it holds, so that a
        resumed run matches one that went on (srcodec.train.compact)."""
        self.state["rng"] = self.rng.bit_generator.state
        saved = {
            "model": compact.pack_weights(_cpu(self.net.state_dict())),
            "ema": compact.pack_weights(_cpu(self.ema.state_dict())),
            "opt": compact.pack_optimizer(_cpu(self.opt.state_dict())),
            "state": json.dumps(self.state),
        }
        save_atomically(saved, self.run / CHECKPOINT)
        self._load(saved)

    def _add_time(self, cpu_seconds: float, wall_seconds: float) -> None:
        """CPU training adds CPU time; accelerator training adds its wall time as gpu_hours
        (the host thread that feeds it is not CPU training)."""
        if self.settings.device == "cpu":
            self.state["cpu_hours"] += cpu_seconds / 3600
        else:
            self.state["gpu_hours"] = self.state.get("gpu_hours", 0.0) + wall_seconds / 3600
        self.state["wall_hours"] += wall_seconds / 3600

    def apply_threads(self) -> None:
        """Sets torch's thread count from <run>/threads (editable while a run goes) or
        --threads."""
        f = self.run / "threads"
        want = int(f.read_text()) if f.exists() else self.settings.threads
        if want != torch.get_num_threads():
            torch.set_num_threads(want)
            self.log(f"threads -> {want}")

    def validate(self, records: list[Record], note: str = "") -> dict[str, Any]:
        on_cpu = self.settings.device == "cpu"
        # validation codes whole images with the CPU decoder's own functions
        net = self.ema if on_cpu else copy.deepcopy(self.ema).cpu()
        val = self.family.validate(net, records)
        point = {
            "step": self.state["step"],
            "cpu_hours": round(self.state["cpu_hours"], 4),
            "wall_hours": round(self.state["wall_hours"], 4),
            "lr": self.opt.param_groups[0]["lr"],
            "score_db": round(val["score"], 4),
            "per_variant": val["per_variant"],
        }
        if self.settings.clip is not None:
            point["clip"] = self.settings.clip
        if self.state.get("gpu_hours"):
            point["gpu_hours"] = round(self.state["gpu_hours"], 4)
        if note:
            point["note"] = note
        with (self.run / LOG).open("a") as f:
            f.write(json.dumps(point) + "\n")
        self.log(f"step {point['step']} cpu-h {point['cpu_hours']:.3f} val +{val['score']:.3f} dB")
        return val

    def train(
        self,
        records: list[Record],
        hours: float,
        max_steps: int | None = None,
        until_cpu_hours: float | None = None,
    ) -> None:
        """Train for `hours` of wall time (this run), `max_steps` steps, or until the run's
        cumulative CPU time reaches `until_cpu_hours`, whichever comes first, validating
        every val_minutes and at the end."""
        s = self.settings
        # this run's --threads wins over a file left by an earlier run; edits to the file
        # while it runs still take effect at the next validation
        (self.run / "threads").write_text(f"{s.threads}\n")
        self.apply_threads()
        train = [r for r in records if r.role == "train"]
        if self.state["step"] == 0:
            self.validate(records, note="untrained")
        start_wall, start_cpu = time.time(), time.process_time()
        last_wall, last_cpu = start_wall, start_cpu
        next_val = start_wall + s.val_minutes * 60
        running, count = 0.0, 0
        done = 0
        cpu_goal = float("inf") if until_cpu_hours is None else until_cpu_hours
        while (
            time.time() - start_wall < hours * 3600
            and (max_steps is None or done < max_steps)
            and self.state["cpu_hours"] + (time.process_time() - last_cpu) / 3600 < cpu_goal
        ):
            done += 1
            step = self.state["step"]
            lr = s.lr * min(1.0, (step + 1) / s.warmup)
            for group in self.opt.param_groups:
                group["lr"] = lr
            loss = self.family.loss(self.net, train, self.rng)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            if s.clip is not None:
                torch.nn.utils.clip_grad_norm_(self.net.parameters(), s.clip)
            self.opt.step()
            with torch.no_grad():
                decay = min(s.ema, (1 + step) / (10 + step))
                for e, p in zip(self.ema.parameters(), self.net.parameters(), strict=True):
                    e.mul_(decay).add_(p.detach(), alpha=1 - decay)
            self.state["step"] += 1
            running += loss.item()
            count += 1
            now = time.time()
            if now >= next_val:
                cpu = time.process_time()
                self._add_time(cpu - last_cpu, now - last_wall)
                last_wall, last_cpu = now, cpu
                self.log(f"train loss {running / count:.6f} ({count} steps)")
                running, count = 0.0, 0
                self.validate(records)
                self.checkpoint()
                self.apply_threads()
                next_val = time.time() + s.val_minutes * 60
        cpu, now = time.process_time(), time.time()
        self._add_time(cpu - last_cpu, now - last_wall)
        self.checkpoint()  # first: a failing validation must not lose the run's steps
        self.validate(records, note="end of run")
