"""The compare report folder, laid out like ``mpbench report``'s::

index.html                  the page: everything below, with the charts (opens offline)
summary.md                  machine differences, warnings, one table per pair, chart links
charts/ratio_<i>_<label>.png     one per baseline/candidate pair
charts/scaling_<...>.png         a figure against a numeric parameter, run by run
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from bench_lib.charts.guard import guarded
from bench_lib.charts.style import Chart
from bench_lib.compare import charts as compare_charts
from bench_lib.compare.html import render_compare_html
from bench_lib.compare.pairs import Comparison
from bench_lib.compare.text import markdown_report
from bench_lib.pages.folder import replacing


@dataclass(frozen=True)
class CompareOutputs:
    folder: Path
    ratio_charts: tuple[Chart, ...]  # Chart.png is relative to folder
    scaling_charts: tuple[Chart, ...]

    @property
    def charts(self) -> tuple[Chart, ...]:
        return self.ratio_charts + self.scaling_charts


def write_compare_outputs(comparison: Comparison, out_dir: Path) -> CompareOutputs:
    """Write charts, ``summary.md`` and ``index.html`` as the folder ``out_dir``, which appears
    whole or not at all (written into a temporary sibling, renamed into place at the end)."""
    with replacing(out_dir) as work:
        not_drawn: list[str] = []  # charts the values cannot draw: listed with the warnings
        ratios = []
        for i, pair in enumerate(comparison.pairs, 1):
            chart, problem = guarded(
                f"ratio chart {i}", partial(compare_charts.ratio_chart, comparison, pair, work)
            )
            ratios.append(chart)
            not_drawn += [problem] if problem else []
        ratio_charts = tuple(c for c in ratios if c is not None)
        drawn, problem = guarded(
            "scaling charts", partial(compare_charts.scaling_charts, comparison, work)
        )
        scaling, left_out = drawn or ([], 0)
        not_drawn += [problem] if problem else []
        comparison = replace(comparison, warnings=(*comparison.warnings, *not_drawn))
        text = markdown_report(comparison, [c.png for c in (*ratio_charts, *scaling)])
        if left_out:
            text += (
                f"\n{left_out} more scaling charts were left out (more than "
                f"{compare_charts.MAX_SCALING_CHARTS}); compare results of fewer subjects\n"
            )
        (work / "summary.md").write_text(text, encoding="utf-8")
        page = render_compare_html(comparison, ratio_charts, tuple(scaling))
        (work / "index.html").write_text(page, encoding="utf-8")
    return CompareOutputs(out_dir, ratio_charts, tuple(scaling))
