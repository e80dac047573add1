"""What a search tried and why it kept what it kept (`encode --explain`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from srcodec.pipeline import Choice
    from srcodec.search.targets import Target


@dataclass
class Trial:
    """One candidate coded and scored."""

    choice: Choice
    upscaler: str
    stream_bytes: int
    score: float  # metric value, nan when not decoded
    passed: bool
    note: str = ""

    def row(self, metric: str) -> str:
        score = "-" if math.isnan(self.score) else f"{self.score:.4f}"
        mark = "ok" if self.passed else "--"
        return (
            f"{mark} {self.choice.describe():<40} {self.upscaler:<8} "
            f"{self.stream_bytes:>9} B  {metric} {score} {self.note}"
        )


@dataclass
class Explanation:
    """The search's record: the target, the reference, every trial and the choice."""

    target: Target
    effort: int
    goal: float = math.nan  # the score to reach (quality/psnr/ms-ssim targets)
    budget: int = 0  # the byte budget (size and quality targets)
    reference: Trial | None = None
    trials: list[Trial] = field(default_factory=list)
    chosen: Trial | None = None
    seconds: float = 0.0
    strength: str = ""  # what chunk S did (the efforts that fit it)

    def lines(self) -> list[str]:
        m = self.target.metric
        out = [f"target: {self.target.describe()} (effort {self.effort})"]
        if self.reference is not None:
            r = self.reference
            out.append(
                f"reference: plain {r.choice.describe()}: {r.stream_bytes} B, {m} {r.score:.4f}"
            )
        if not math.isnan(self.goal):
            out.append(
                f"goal: {m} >= {self.goal:.4f}" + (f", <= {self.budget} B" if self.budget else "")
            )
        elif self.budget:
            out.append(f"goal: <= {self.budget} B")
        out.append(f"tried {len(self.trials)} candidates in {self.seconds:.2f} s:")
        out += ["  " + t.row(m) for t in self.trials]
        if self.chosen is not None:
            out.append("chosen: " + self.chosen.row(m)[3:].strip())
        if self.strength:
            out.append("strength (chunk S): " + self.strength)
        return out
