"""`mpbench matrix`: runs of several Pythons lined up against a baseline, per subject."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench_lib.cli.common import UsageError, report_target
from bench_lib.results import files as results


def add_parser(sub: Any) -> None:
    mat = sub.add_parser(
        "matrix",
        help="line up runs of several Pythons: per subject against a baseline, headline figures",
    )
    mat.add_argument("results", type=Path, nargs="+", help="result files, one per interpreter")
    mat.add_argument("-o", "--output", help="write index.html, summary.md and charts here")
    mat.add_argument(
        "--baseline",
        metavar="LABEL",
        help="the run the others are measured against: a label as printed (3.11.7), a minor "
        "version (3.11, 3.13t) or a file (default: the oldest Python)",
    )
    mat.set_defaults(func=cmd_matrix)


def cmd_matrix(args: argparse.Namespace) -> int:
    from bench_lib.report import (
        matrix,  # numpy and friends only here
        matrix_text,
    )

    if len(args.results) < 2:
        raise UsageError("matrix needs at least two result files (one per Python)")
    named = [(str(p), results.load(p)) for p in args.results]
    out_dir = report_target(Path(args.output)) if args.output else None
    try:
        lined_up = matrix.build(named, args.baseline)
    except matrix.BaselineError as exc:
        raise UsageError(str(exc)) from None
    print(matrix_text.terminal(lined_up), end="")
    if out_dir is not None:
        from bench_lib.report.matrix_report import write_matrix_report  # matplotlib only here

        print(f"\nreport: {write_matrix_report(lined_up, out_dir)}")
    return 0
