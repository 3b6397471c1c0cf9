"""`mpbench show`: a result file's summary table in the terminal (or as Markdown)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench_lib.cli.common import parse_choices
from bench_lib.results import files as results
from bench_lib.results import summary


def add_parser(sub: Any) -> None:
    show = sub.add_parser("show", help="print the summary table of a result file")
    show.add_argument("result", type=Path)
    show.add_argument("--only", help="comma-separated subjects")
    show.add_argument("--markdown", action="store_true", help="a Markdown table")
    show.add_argument("--headline", action="store_true", help="each benchmark's first figure only")
    show.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    data = results.load(args.result)
    rows = summary.rows(data)
    if args.only is not None:  # `--only ''` is refused, as `run` refuses it
        subjects = parse_choices(args.only, sorted({r.subject for r in rows}), "subject")
        rows = [r for r in rows if r.subject in subjects]
    if args.headline:
        rows = [r for r in rows if r.headline]
    print(summary.markdown_table(rows) if args.markdown else summary.text_table(rows))
    for line in summary.problems(data):
        print(f"! {line}")
    return 0
