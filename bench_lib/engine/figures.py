"""What a benchmark reports: its figures (a unit and a direction over round times), the floor
that bounds one, and a measurement paired beside it; and a figure's summary of its rounds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bench_lib.engine.lean_runner import LeanJob
from bench_lib.stats import intervals

Setup = Callable[[], Any]


@dataclass(frozen=True)
class Figure:
    """A figure derived from round times.

    ``time``: round_s / per_round (s per operation); ``rate``: per_round / round_s.
    """

    name: str  # what it is, in words: "start+join", "messages", "bytes"
    unit: str  # "s", "msg/s", "B/s", "acq/s"
    kind: Literal["time", "rate"]
    per_round: float = 1.0  # operations (or bytes) done in one measured round

    def of(self, round_s: float) -> float:
        if self.kind == "time":
            return round_s / self.per_round
        return self.per_round / round_s if round_s > 0 else float("inf")

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "rate"


@dataclass(frozen=True)
class FloorRef:
    """The benchmark that bounds this figure from below, measured in the same run."""

    case: str  # e.g. "raw_fork"
    params: dict[str, Any] = field(default_factory=dict)
    subject: str | None = None  # None = same subject


@dataclass(frozen=True)
class Paired:
    """A second measurement taken round by round beside the figure's, in every block.

    ``role`` "floor": the raw mechanism under the figure; "baseline": the serial run a speedup
    divides. Measured in the same seconds as the figure (principle 13), the machine's speed
    states hit both alike: a floor measured minutes apart is beaten whenever the VM got faster
    in between. ``ref`` names the standalone benchmark that measures the same thing.
    """

    role: Literal["floor", "baseline"]
    ref: FloorRef
    target: Callable[..., Any]
    figure: Figure  # its rounds as a figure in the main figure's unit
    setup: Setup | None = None
    teardown: Callable[..., Any] | None = None


@dataclass(frozen=True)
class PairedJob:
    """:class:`Paired` for a lean block: the lean process alternates ``job`` with the figure's."""

    role: Literal["floor", "baseline"]
    ref: FloorRef
    job: LeanJob
    figure: Figure


def describe_figure(
    figure: Figure, round_times_s: list[float], block_rounds: object = None
) -> dict[str, Any]:
    """The figure's median over every round, with its interval from the blocks
    (``block_rounds``: rounds per block; none given is one block, so no interval)."""
    values = [figure.of(t) for t in round_times_s]
    s = intervals.block_interval(values, block_rounds)
    return {
        **asdict(figure),
        "higher_is_better": figure.higher_is_better,
        "median": s.median,
        "ci_low": s.ci_low,
        "ci_high": s.ci_high,
        "n": len(values),
        "blocks": s.blocks,
        "interval": s.method,
    }
