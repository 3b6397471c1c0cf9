"""What a measurement found: each way's figures, the pickling cost, the recommendation.

Frozen records with the unit in each field's name; ``as_dict`` is the ``--json`` summary
(``SCHEMA`` names its version) and the ``extra_info`` of the pytest fixture's entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bench_lib.measure.ways import Way

SCHEMA = "mpbench-measure/1"
FAILED = ("failed", "wrong results")  # statuses that make the command exit 1


@dataclass(frozen=True)
class Pickling:
    """What sending a call to another process costs: pickle.dumps + loads, as workers do."""

    args_bytes_per_call: float  # mean pickled size of one argument tuple
    args_us_per_call: float  # mean microseconds to pickle and unpickle one argument tuple
    results_bytes_per_call: float | None  # the same for one result; None: not picklable
    results_us_per_call: float | None
    function_bytes: int  # the function, pickled by reference (module and name)


@dataclass(frozen=True)
class WayResult:
    """One way's figures from its blocks; a way that was not measured says why (``status``)."""

    way: Way
    status: str  # "ok", "failed" (raised), "wrong results", "cut" (no block fitted the budget)
    detail: str = ""  # what went wrong, or what was short (one block: no interval)
    per_call_s: float | None = None  # median over blocks of (round time / calls)
    speedup: float | None = None  # serial / this way, rounds taken side by side, block by block
    ci_low: float | None = None  # 95% interval over the blocks; None with one block
    ci_high: float | None = None
    effective_cores: float | None = None  # CPU seconds of the process tree / wall seconds
    startup_s: float | None = None  # median over blocks: pool created until all workers answer
    foreign_cores: float | None = None  # cores other processes kept busy during its rounds
    rounds_per_block: int = 0
    way_rounds_s: tuple[tuple[float, ...], ...] = ()  # each block's round times
    serial_rounds_s: tuple[tuple[float, ...], ...] = ()  # the serial rounds beside them

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(id=self.way.id, label=self.way.label, blocks=len(self.way_rounds_s))
        out.update({k: [list(b) for b in out[k]] for k in ("way_rounds_s", "serial_rounds_s")})
        return out


@dataclass(frozen=True)
class Summary:
    """The whole measurement of one function over its argument tuples."""

    target: str  # "work.py:crunch"
    args: str  # "work.py:jobs"
    calls: int  # argument tuples in one round
    python: str
    gil_enabled: bool
    usable_cores: int  # affinity mask and cgroup quota
    start_methods: tuple[str, ...]
    budget_s: float
    elapsed_s: float
    serial_per_call_s: float  # from the first, unmeasured serial round (the probe)
    pickling: Pickling | None  # None: the arguments cannot be pickled
    ways: tuple[WayResult, ...]
    skipped: tuple[str, ...]  # one line each: what cannot run here, and why
    cut: tuple[str, ...]  # ids of ways the budget left out
    budget_for_all_s: float | None  # about what --budget would measure every way; None: all were
    recommendation: str  # serial, threads, interpreters or processes
    recommended: str | None  # the chosen way's id; None for serial
    evidence: str  # the sentence that says why
    heavy_modules: tuple[str, ...]  # numpy, pandas, matplotlib: loaded while measuring
    tracebacks: tuple[str, ...]  # the user's, each once
    leftover: str | None  # workers found alive at the end (and killed)

    @property
    def failed(self) -> bool:
        return bool(self.tracebacks) or any(w.status in FAILED for w in self.ways)

    @property
    def foreign_cores(self) -> float | None:
        """The most cores other processes kept busy during any way's rounds."""
        seen = [w.foreign_cores for w in self.ways if w.foreign_cores is not None]
        return max(seen) if seen else None

    def way(self, way_id: str) -> WayResult | None:
        return next((w for w in self.ways if w.way.id == way_id), None)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("ways", "pickling")}
        out.update(
            schema=SCHEMA,
            pickling=asdict(self.pickling) if self.pickling else None,
            ways=[w.as_dict() for w in self.ways],
            failed=self.failed,
            foreign_cores=self.foreign_cores,
        )
        return out
