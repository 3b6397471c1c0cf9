"""The key figures of a result file as rows, and as a terminal or Markdown table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench_lib.printable import printable
from bench_lib.results import records
from bench_lib.units import format_interval, format_value


@dataclass(frozen=True)
class Row:
    subject: str
    case: str
    params: str  # "start=fork size=64"
    figure: str  # figure name, e.g. "start+join"
    unit: str
    median: float
    ci_low: float | None
    ci_high: float | None
    rounds: int
    floor: str  # "raw_fork: 1.2x" or ""
    flags: tuple[str, ...]  # noise flag codes
    headline: bool  # the benchmark's first figure

    @property
    def name(self) -> str:
        return f"{self.case} {self.params}".strip()


params_text = records.params_words  # tidy's and the tables' name for it


def floor_text(floor: dict[str, Any] | None) -> str:
    if not floor or floor.get("ratio") is None or floor.get("median") is None:
        return ""
    params = floor.get("params")
    label = floor["case"] + (f" ({params_text(params)})" if params else "")
    return (
        f"{floor['ratio']:.2f}x {label} ({format_value(floor['median'], floor.get('unit') or '')})"
    )


def rows(data: dict[str, Any]) -> list[Row]:
    out = []
    for bench in records.Run.of(data).benchmarks:
        for i, fig in enumerate(bench.figures):
            out.append(
                Row(
                    subject=bench.subject,
                    case=bench.case,
                    params=params_text(bench.params),
                    figure=fig.name,
                    unit=fig.unit,
                    median=fig.median,
                    ci_low=fig.ci_low,
                    ci_high=fig.ci_high,
                    rounds=bench.block.get("rounds", 0),
                    floor=floor_text(bench.block.get("floor")) if i == 0 else "",
                    flags=bench.noise_flags,
                    headline=i == 0,
                )
            )
    return out


HEADERS = ("subject", "benchmark", "figure", "median", "95% interval", "n", "vs floor", "flags")


def cells(row: Row) -> tuple[str, ...]:
    """The table cells of a row, printable on a terminal (control characters escaped)."""
    return tuple(map(printable, _raw_cells(row)))


def _raw_cells(row: Row) -> tuple[str, ...]:
    return (
        row.subject,
        row.name,
        row.figure,
        format_value(row.median, row.unit),
        format_interval(row.ci_low, row.ci_high, row.unit),
        str(row.rounds),
        row.floor,
        ",".join(row.flags),
    )


def text_table(table_rows: list[Row]) -> str:
    grid = [HEADERS, *(cells(r) for r in table_rows)]
    widths = [max(len(c[i]) for c in grid) for i in range(len(HEADERS))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(HEADERS))).rstrip() for c in grid]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def md_escape(text: str) -> str:
    """Markdown table cells and list items show result strings as text, never as HTML."""
    return printable(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_table(table_rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(md_escape(c) for c in cells(r)) + " |" for r in table_rows]
    return "\n".join(lines)


def problems(data: dict[str, Any]) -> list[str]:
    """Failures, skips and noise warnings, one line each, cause and remedy included."""
    log = records.RunLog.of(data)
    lines = [f"FAILED {f['test']}: {f['reason']}" for f in log.failures]
    lines += [f"skipped {s['test']}: {s['reason']}" for s in log.skipped]
    for bench in records.Run.of(data).benchmarks:
        lines += [f"noisy {bench.label}: {f['message']}" for f in bench.flags]
    lines += duplicates(data)
    if log.gil is not None and (gil_warning := log.gil.get("warning")):
        lines.insert(0, f"GIL ON: {gil_warning}")
    lines += [
        f"DISTURBED: another mpbench run (pid {o['pid']}) ran at the same time; rerun alone"
        for o in log.concurrent_runs
    ]
    if log.partial:
        lines.insert(0, "PARTIAL RUN: interrupted or with failures; figures present are valid")
    return [printable(line) for line in lines]


def duplicates(data: dict[str, Any]) -> list[str]:
    """One line per benchmark that appears more than once: only its first appearance counts."""
    counts: dict[records.BenchmarkKey, int] = {}
    names: dict[records.BenchmarkKey, str] = {}
    for bench in records.Run.of(data).benchmarks:
        counts[bench.key] = counts.get(bench.key, 0) + 1
        names[bench.key] = bench.label
    return [
        f"duplicated {names[key]}: {count} benchmarks with the same subject, case and "
        "parameters; charts and comparisons use the first (a hand-merged or edited file?)"
        for key, count in counts.items()
        if count > 1
    ]
