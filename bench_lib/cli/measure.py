"""`mpbench measure PATH.py:FUNCTION --args PATH.py:ARGS`: threads, processes or a pool?

Reads as its steps: load and check the target (bad input: one line, exit 2), measure it every
way in the budget (:mod:`bench_lib.measure.session`), print the table and the recommendation,
write the ``--json`` summary. The user's code raising prints its own traceback once and exits
1; what was measured before is still printed and written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench_lib.cli.common import UsageError, positive_int
from bench_lib.measure import session, text
from bench_lib.measure.target import TargetError, UserCodeError, load
from bench_lib.measure.ways import START_METHODS

EXIT_USER_CODE = 1  # the user's function raised, or a way returned other results


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "measure",
        help="measure your function serially, on threads, processes and interpreters, "
        "and recommend one",
    )
    p.add_argument("target", metavar="PATH.py:FUNCTION", help="or module:function")
    p.add_argument(
        "--args",
        required=True,
        metavar="PATH.py:ARGS_FUNCTION",
        help="a function returning the list of argument tuples, one per call",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=session.DEFAULT_BUDGET_S,
        metavar="SECONDS",
        help=f"bound on the whole measurement (default {session.DEFAULT_BUDGET_S:g})",
    )
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON here")
    p.add_argument("--start-methods", help=f"comma-separated, from {', '.join(START_METHODS)}")
    p.add_argument("--workers", help="comma-separated worker counts (default: 1 .. 2x cores)")
    p.add_argument("--chunksize", type=positive_int, help="the chunksize to try (default: chosen)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_measure)


def _ints(text_: str | None) -> list[int] | None:
    if text_ is None:
        return None
    try:
        values = [int(v) for v in text_.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise UsageError(f"--workers wants positive counts such as 1,2,4, not {text_!r}")
    return values


def _methods(text_: str | None) -> list[str] | None:
    if text_ is None:
        return None
    chosen = [m.strip() for m in text_.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in START_METHODS]
    if unknown or not chosen:
        raise UsageError(f"unknown start method {unknown or text_!r}; choose from {START_METHODS}")
    return chosen


def cmd_measure(args: argparse.Namespace) -> int:
    if not args.budget > 0:
        raise UsageError(f"--budget wants seconds above 0, not {args.budget:g}")
    out = Path(args.json) if args.json else None
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"--json {out}: no folder {out.parent}")
    say = None if args.quiet else (lambda line: print(f"  {line}", file=sys.stderr, flush=True))
    try:
        target = load(args.target, args.args)
        summary = session.measure(
            target,
            args.budget,
            _methods(args.start_methods),
            _ints(args.workers),
            args.chunksize,
            say,
        )
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    except UserCodeError as exc:
        print(exc.text, file=sys.stderr, end="")
        return EXIT_USER_CODE
    for line in text.report(summary):
        print(line)
    for shown in summary.tracebacks:
        print(shown, file=sys.stderr, end="")
    if out is not None:
        out.write_text(json.dumps(summary.as_dict(), indent=1) + "\n")
    return EXIT_USER_CODE if summary.failed else 0
