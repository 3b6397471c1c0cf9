"""The end of `mpbench run`, in about one screen: what the run says, how much to trust it,
what failed or was skipped, and where the result and the report are.

The full table stays one command away (`mpbench show`, the report, or `mpbench run -v`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bench_lib.printable import printable
from bench_lib.results.records import Run, RunLog
from bench_lib.results.summary import problems

MAX_SENTENCES = 12  # the headline answers; the report has every one
SKIP_REASONS_SHOWN = 5  # distinct skip reasons listed; the rest are counted


def noise_line(data: dict[str, Any]) -> str:
    """``41 of 420 benchmarks flagged: 30 busy-machine, 11 wide-interval`` (or none)."""
    codes: Counter[str] = Counter()
    flagged = 0
    run = Run.of(data)
    for bench in run.benchmarks:
        flags = {f.get("code", "?") for f in bench.flags}
        flagged += bool(flags)
        codes.update(flags)
    total = len(run.benchmarks)
    if not flagged:
        return f"none of {total} benchmarks flagged as noisy or suspect"
    counted = ", ".join(f"{n} {code}" for code, n in codes.most_common())
    return f"{flagged} of {total} benchmarks flagged: {counted} (details: mpbench show, the report)"


def sentences(data: dict[str, Any]) -> list[str]:
    """The report's "What this run says", computed from this run; [] if it cannot be."""
    from bench_lib.report import recommend  # pandas: only once the run is over

    try:
        return recommend.recommendations(data)
    except Exception as exc:  # odd values: the report says which rule broke, and why
        return [f"(the sentences could not be computed: {exc}; see the report)"]


def _skips(data: dict[str, Any]) -> list[str]:
    reasons = Counter(s["reason"] for s in RunLog.of(data).skipped)
    lines = [f"skipped {n}x: {reason}" for reason, n in reasons.most_common(SKIP_REASONS_SHOWN)]
    hidden = sum(reasons.values()) - sum(n for _, n in reasons.most_common(SKIP_REASONS_SHOWN))
    return lines + ([f"skipped {hidden} more (mpbench show lists them)"] if hidden else [])


def end_of_run(data: dict[str, Any], result: Path, report_index: Path | None) -> list[str]:
    said = sentences(data)
    out = ["What this run says:"]
    out += [f"  - {s}" for s in said[:MAX_SENTENCES]] or ["  (no sentence: too few subjects ran)"]
    if len(said) > MAX_SENTENCES:
        out.append(f"  ... {len(said) - MAX_SENTENCES} more in the report")
    out += ["", f"Noise: {noise_line(data)}"]
    warnings = [p for p in problems(data) if not p.startswith(("noisy ", "skipped "))]
    out += [f"! {p}" for p in warnings] + [f"! {s}" for s in _skips(data)]
    out += ["", f"result: {result}"]
    if report_index is not None:
        out.append(f"report: {report_index.resolve().as_uri()}")
    return [printable(line) for line in out]
