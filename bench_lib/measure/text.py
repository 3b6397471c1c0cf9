"""The terminal report of a measurement: the setting, a table of ways, the recommendation."""

from __future__ import annotations

from bench_lib.measure.recommend import speedup_text, way_line
from bench_lib.measure.records import Summary, WayResult
from bench_lib.stats.noise import FOREIGN_CORES
from bench_lib.units import format_value

COLUMNS = ("way", "per call", "speedup (95%)", "cores", "start-up", "blocks x rounds")


def _row(r: WayResult) -> tuple[str, ...]:
    return (
        r.way.id,
        format_value(r.per_call_s, "s"),
        speedup_text(r),
        f"{r.effective_cores:.2f}" if r.effective_cores is not None else "n/a",
        format_value(r.startup_s, "s"),
        f"{len(r.way_rounds_s)} x {r.rounds_per_block}",
    )


def table(results: list[WayResult]) -> list[str]:
    rows = [COLUMNS, *(_row(r) for r in results if r.status == "ok")]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _pickling(s: Summary) -> str:
    p = s.pickling
    if p is None:
        return "pickling: the arguments cannot be pickled"
    results = (
        f"results {format_value(p.results_bytes_per_call, 'B')}, {p.results_us_per_call:.1f} us"
        if p.results_us_per_call is not None
        else "results cannot be pickled"
    )
    return (
        f"pickling per call (dumps + loads): arguments {format_value(p.args_bytes_per_call, 'B')}"
        f", {p.args_us_per_call:.1f} us; {results}"
    )


def report(s: Summary) -> list[str]:
    gil = "GIL on" if s.gil_enabled else "GIL off"
    lines = [
        f"mpbench measure {s.target} over {s.args}: {s.calls} calls a round, Python "
        f"{s.python} ({gil}), {s.usable_cores} usable cores",
        f"serial: {format_value(s.serial_per_call_s, 's')} per call; {_pickling(s)}",
        "",
        *table(list(s.ways)),
        "",
    ]
    lines += [f"failed: {way_line(r)}" for r in s.ways if r.status != "ok"]
    lines += [f"skipped: {line}" for line in s.skipped]
    if s.cut:
        more = (
            f"; --budget {s.budget_for_all_s:.0f} would measure them all"
            if s.budget_for_all_s
            else ""
        )
        lines.append(
            f"cut to fit --budget {s.budget_s:g} s: {len(s.cut)} ways ({', '.join(s.cut[:3])}"
            f"{', ...' if len(s.cut) > 3 else ''}){more}"
        )
    if s.heavy_modules:
        lines.append(
            f"note: {', '.join(s.heavy_modules)} loaded in the measuring process (by the target?)"
            ": a big parent makes fork slower"
        )
    busy = s.foreign_cores
    if busy is not None and busy > FOREIGN_CORES:
        lines.append(
            f"warning: other processes kept up to {busy:.1f} of {s.usable_cores} cores busy "
            "while the ways ran: speedups are low and intervals wide; rerun on a quiet machine"
        )
    if s.leftover:
        lines.append(f"leak: {s.leftover}")
    lines.append(f"recommendation: {s.evidence}")
    return lines
