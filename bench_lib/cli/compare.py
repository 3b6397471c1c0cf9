"""`mpbench compare`: result files against a baseline, figure by figure, with verdicts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench_lib.cli.common import UsageError, report_target
from bench_lib.printable import printable
from bench_lib.results import files as results


def add_parser(sub: Any) -> None:
    comp = sub.add_parser(
        "compare",
        help="compare result files: the first is the baseline, each other is tested against it",
    )
    comp.add_argument("results", type=Path, nargs="+", help="result files, baseline first")
    comp.add_argument("-o", "--output", help="write summary.md and charts into this folder")
    comp.add_argument("--all", action="store_true", help="print every figure's row too")
    comp.add_argument(
        "--fail-if-slower",
        metavar="PCT",
        help="exit 1 when a figure is 'slower' by more than PCT percent (a CI regression gate)",
    )
    comp.set_defaults(func=cmd_compare)


def parse_percent(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value < 1000:
        raise UsageError(f"--fail-if-slower wants a percentage such as 10, not {text!r}")
    return value


def load_comparable(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Load result files for a comparison: two or more, one schema version."""
    if len(paths) < 2:
        raise UsageError("compare needs at least two result files (a baseline and a candidate)")
    named = [(str(p), results.load(p)) for p in paths]
    schemas = {path: data["mpbench"]["schema"] for path, data in named}
    if len(set(schemas.values())) > 1:
        listed = ", ".join(f"{p} is schema {v}" for p, v in schemas.items())
        raise UsageError(f"result files of different schema versions cannot be compared: {listed}")
    return named


def cmd_compare(args: argparse.Namespace) -> int:
    from bench_lib.compare import pairs as compare  # numpy and friends only when comparing
    from bench_lib.compare import text as compare_text
    from bench_lib.stats.verdict import regressions

    threshold = parse_percent(args.fail_if_slower)
    named = load_comparable(args.results)
    out_dir = report_target(Path(args.output)) if args.output else None
    try:
        comparison = compare.build(named)
    except compare.NothingInCommonError as exc:
        raise UsageError(str(exc)) from None
    print(compare_text.terminal_report(comparison, all_figures=args.all))
    if out_dir is not None:
        from bench_lib.compare.output import write_compare_outputs  # matplotlib only here

        written = write_compare_outputs(comparison, out_dir)
        print(f"\nreport: {written.folder / 'index.html'} ({len(written.charts)} charts)")
    if threshold is None:
        return 0
    candidates = [(comparison.runs[p.candidate].label, p.figures) for p in comparison.pairs]
    failed = regressions(candidates, threshold)
    for line in failed:
        print(printable(line))
    return 1 if failed else 0
