"""The compare report folder: ``summary.md`` and ``charts/`` (the lead's report adds index.html).

Layout, relative to the folder::

    summary.md                  machine differences, warnings, one table per pair, chart links
    charts/ratio_<i>_<label>.png/.svg      one per baseline/candidate pair
    charts/scaling_<...>.png/.svg          a figure against a numeric parameter, run by run
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench_lib import compare_charts
from bench_lib.compare import Comparison
from bench_lib.compare_text import markdown_report

CHARTS_DIR = "charts"


@dataclass(frozen=True)
class CompareOutputs:
    folder: Path
    summary_md: Path
    ratio_charts: tuple[Path, ...]  # PNGs (an SVG lies beside each)
    scaling_charts: tuple[Path, ...]
    scaling_left_out: int  # scaling charts past compare_charts.MAX_SCALING_CHARTS

    @property
    def charts(self) -> tuple[Path, ...]:
        return self.ratio_charts + self.scaling_charts


def write_compare_outputs(comparison: Comparison, out_dir: Path) -> CompareOutputs:
    """Draw the charts into ``out_dir/charts`` and write ``out_dir/summary.md``."""
    charts_dir = out_dir / CHARTS_DIR
    ratios = [compare_charts.ratio_chart(comparison, pair, charts_dir) for pair in comparison.pairs]
    ratio_paths = tuple(p for p in ratios if p is not None)
    scaling, left_out = compare_charts.scaling_charts(comparison, charts_dir)
    relative = [p.relative_to(out_dir).as_posix() for p in (*ratio_paths, *scaling)]
    text = markdown_report(comparison, relative)
    if left_out:
        text += (
            f"\n{left_out} more scaling charts were left out "
            f"(more than {compare_charts.MAX_SCALING_CHARTS}); compare results of fewer subjects\n"
        )
    summary = out_dir / "summary.md"
    summary.write_text(text, encoding="utf-8")
    return CompareOutputs(out_dir, summary, ratio_paths, tuple(scaling), left_out)
