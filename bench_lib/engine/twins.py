"""Twin points: two points of one grid doing the same work, measured in the same seconds.

Some points are compared with each other directly: one thread and one process running the
same serial batch on the same CPU must take the same time. Measured as two benchmarks, one
after the other, they see different seconds of the machine, and on a VM whose vCPUs flip
between two speeds for seconds at a time each lands in whichever state it met (docs/gil.md
has the numbers). So the first of the two to run measures both,
round by round (A B B A), and hands the other's rounds over; the other benchmark adopts them as
its own (``info.measured_beside`` names where they were taken).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Twin:
    """The other point, as the measuring benchmark times it beside its own rounds."""

    name: str  # its benchmark name: "test_cpu_split[mode=process-n=1]"
    target: Callable[[], Any]
    teardown: Callable[..., Any] | None = None


@dataclass
class Handover:
    """What the measuring benchmark took for its twin: its rounds and its records."""

    measured_by: str  # the benchmark that timed these rounds beside its own
    blocks: Any  # engine.blocks.Blocks of the twin's rounds
    info: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, tuple[bool, str]] = field(default_factory=dict)


@dataclass
class TwinBook:
    """One session's twins: the benchmarks still to run, and rounds waiting for their owner."""

    pending: set[str] = field(default_factory=set)  # benchmark names not yet run
    handed: dict[str, Handover] = field(default_factory=dict)

    def wanted(self, name: str) -> bool:
        """Measure a twin only if its own benchmark is still to run in this session."""
        return name in self.pending and name not in self.handed
