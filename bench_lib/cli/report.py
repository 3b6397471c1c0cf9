"""`mpbench report`: the report folder of one result, or of several lined up build by build."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench_lib.cli.common import WORK_ROOT, report_target, write_report_for
from bench_lib.results import files as results


def add_parser(sub: Any) -> None:
    rep = sub.add_parser(
        "report",
        help="write the HTML + Markdown + charts report of a result; of several results "
        "(e.g. a GIL and a free-threaded build), one folder with each run's report and a page "
        "that lines up their threads and processes",
    )
    rep.add_argument("result", type=Path, nargs="+")
    rep.add_argument(
        "-o",
        "--output",
        help="report folder (default REPORTS/<machine-id>/<run>/, or <run1>+<run2>... for several)",
    )
    rep.add_argument("--reports", default=str(WORK_ROOT / "reports"), help="reports root folder")
    rep.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    named = [(path, results.load(path)) for path in args.result]
    out = Path(args.output) if args.output else None
    if len(named) == 1:
        print(write_report_for(named[0][1], args.result[0], Path(args.reports), out))
        return 0
    from bench_lib.report import builds as report_builds  # matplotlib only here

    target = report_target(out or report_builds.default_dir(args.result, Path(args.reports)))
    print(report_builds.write_builds_report(named, target))
    return 0
