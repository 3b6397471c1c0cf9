"""`mpbench run`: check every output first, drive pytest (one engine), save what finished,
end with what the run says (:mod:`bench_lib.cli.run_summary`) and the report.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_lib import registry
from bench_lib.cli import common as cli_common
from bench_lib.cli import run_summary, workdir
from bench_lib.cli.common import (
    EXIT_INTERRUPTED,
    WORK_ROOT,
    UsageError,
    available_subjects,
    parse_choices,
    positive_int,
    writable_folder,
    write_report_for,
)
from bench_lib.engine.profiles import DEFAULT_PROFILE, PROFILE_NAMES, START_METHODS, get_profile
from bench_lib.engine.progress import clock
from bench_lib.machine import environment
from bench_lib.results import files as results
from bench_lib.results import records, summary
from bench_lib.supervision import runner


def add_parser(sub: Any) -> None:
    run = sub.add_parser("run", help="run the benchmarks, save a result file, print a summary")
    run.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"one of {', '.join(PROFILE_NAMES)} (default {DEFAULT_PROFILE})",
    )
    run.add_argument("--only", help="comma-separated subjects (default: all)")
    run.add_argument("--start-methods", help=f"comma-separated, from {', '.join(START_METHODS)}")
    run.add_argument("--label", default="run", help="name stored in the file name and result")
    run.add_argument("--output", default=str(WORK_ROOT / "results"), help="results folder")
    run.add_argument(
        "--reports",
        help="reports folder (default: 'reports' beside the results folder); the run's "
        "report goes to REPORTS/<machine-id>/<run>/",
    )
    run.add_argument("--no-report", action="store_true", help="save the result only")
    run.add_argument("-k", metavar="EXPR", help="only benchmarks matching EXPR (pytest's -k)")
    run.add_argument(
        "--list", action="store_true", help="list what would run and the time estimate"
    )
    talk = run.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="no progress, failures only")
    talk.add_argument(
        "-v", "--verbose", action="store_true", help="a line per benchmark and the full table"
    )
    run.add_argument(
        "--blocks", type=positive_int, help="independent blocks per benchmark (default: profile's)"
    )
    for option in registry.run_options():  # a subject's own (distributed: --scheduler)
        run.add_argument(option.flag, metavar=option.metavar, help=option.help)
    run.set_defaults(func=cmd_run)


def pytest_command(
    files: list[Path],
    profile: str,
    methods: list[str],
    label: str,
    json_path: Path,
    blocks: int | None = None,
    progress: str = "auto",
    select: str | None = None,
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *map(str, files),
        "--benchmark-only",
        "--benchmark-quiet",
        f"--benchmark-json={json_path}",
        storage_option(json_path.parent),
        f"--mpbench-profile={profile}",
        f"--mpbench-start-methods={','.join(methods)}",
        f"--mpbench-label={label}",
        f"--mpbench-progress={progress}",
        *([f"--mpbench-blocks={blocks}"] if blocks else []),
        *(["-k", select] if select else []),
        "-p",
        "no:terminal",
        "-p",
        "no:cacheprovider",
        *cli_common.SUITE.pytest_config_args(),
    ]


def storage_option(folder: Path) -> str:
    """pytest-benchmark makes its storage folder (``./.benchmarks``) as it starts, even when
    it saves nothing there: a run puts it in its own work folder, not in the user's."""
    return f"--benchmark-storage=file://{folder / 'benchmark-storage'}"


def checked_subject_options(args: argparse.Namespace) -> list[str]:
    """Each subject option given (distributed: --scheduler), checked before anything runs, as
    the pytest option it becomes (``--mpbench-scheduler``); one that cannot be used is a
    one-line error."""
    out = []
    for option in registry.run_options():
        value = getattr(args, option.dest, None)
        if value:
            try:
                out.append(f"{option.pytest_flag}={option.checked(value)}")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    return out


def cmd_run(args: argparse.Namespace) -> int:
    with runner.stop_signals_interrupt():  # SIGTERM and SIGHUP clean up like Ctrl-C
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Check every output before running; save whatever finished, under a name of its own."""
    if args.list:
        return list_benchmarks(args)
    plan = plan_run(args)
    clean_up_leftovers(plan)
    announce(plan)
    work: workdir.WorkDir | None = None
    try:
        with runner.stop_signals_deferred():  # never a work folder without its cleanup
            work = workdir.WorkDir(plan.path)
        outcome = supervise(plan, args, work)
        if not work.raw.exists():
            print(
                f"mpbench run: pytest exited with {outcome.exit_code} and saved no result",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED if outcome.interrupted else (outcome.exit_code or 1)
        saved = save(work, plan.path)
        if saved is None:
            return EXIT_INTERRUPTED
        data, path = saved
    finally:
        if work is not None:
            work.close()
    return summarise(args, plan, outcome, data, path)


@dataclass(frozen=True)
class RunPlan:
    """What a run will do and where its outputs go, every one checked before pytest starts."""

    profile: str  # the profile's name
    subjects: list[str]  # in run order
    methods: list[str]  # start methods
    subject_options: list[str]  # the subjects' own options, checked, as pytest gets them
    path: Path  # where the result file will be saved (a free name is taken at save time)
    reports: Path | None  # the reports root; None with --no-report


def plan_run(args: argparse.Namespace) -> RunPlan:
    """Parse the choices and check every output folder: bad input stops here, nothing runs."""
    profile = get_profile(args.profile).name
    subjects = parse_choices(args.only, available_subjects(), "subject")
    methods = parse_choices(
        args.start_methods, multiprocessing.get_all_start_methods(), "start method"
    )
    subject_options = checked_subject_options(args)
    out_root = writable_folder(Path(args.output))
    path = results.result_path(out_root, environment.machine_id(), args.label)
    writable_folder(path.parent)
    reports = Path(args.reports) if args.reports else out_root.parent / "reports"
    if not args.no_report:
        writable_folder(reports)
    reports_root = None if args.no_report else reports
    return RunPlan(profile, subjects, methods, subject_options, path, reports_root)


def clean_up_leftovers(plan: RunPlan) -> None:
    """What killed runs left: their work folders, and temporaries of a save cut short."""
    for leftover in workdir.clean_up_killed_runs():
        print(f"mpbench run: {leftover.message()}", file=sys.stderr)
    for stale in results.remove_stale_temporaries(plan.path.parent):
        print(f"mpbench run: removed {stale}, left by a run killed while saving", file=sys.stderr)


def announce(plan: RunPlan) -> None:
    print(
        f"mpbench run: profile {plan.profile}, subjects {', '.join(plan.subjects)}, "
        f"{environment.usable_cores()} usable cores",
        flush=True,
    )


def supervise(plan: RunPlan, args: argparse.Namespace, work: workdir.WorkDir) -> runner.Outcome:
    """Run pytest on the plan's benchmark files, streaming it, stopping it cleanly on a signal."""
    files = [cli_common.BENCHMARKS / f"test_{s}.py" for s in plan.subjects]
    return runner.run_supervised(
        pytest_command(
            files,
            plan.profile,
            plan.methods,
            args.label,
            work.raw,
            args.blocks,
            _progress(args),
            args.k,
        )
        + plan.subject_options,
        cli_common.WORK_ROOT,
        pass_fds=(work.lock_fd,),
    )


def save(work: workdir.WorkDir, path: Path) -> tuple[dict[str, Any], Path] | None:
    """pytest's result, checked and saved under a free name; None if a signal came meanwhile."""
    try:
        with runner.stop_signals_deferred():  # a signal now waits until the result is saved
            data = results.load(work.raw)
            path = results.write_new(path, data)
            work.raw.unlink()
    except KeyboardInterrupt:  # the deferred signal, delivered once the result was saved
        print(f"mpbench run: interrupted after saving the result: {path}", file=sys.stderr)
        return None
    except OSError as exc:  # the results folder vanished or filled up during the run
        work.keep = True
        raise UsageError(
            f"could not save the result as {path}: {exc.strerror or exc}; pytest's result "
            f"is kept in {work.path} and the next `mpbench run` saves it"
        ) from None
    return data, path


def summarise(
    args: argparse.Namespace,
    plan: RunPlan,
    outcome: runner.Outcome,
    data: dict[str, Any],
    path: Path,
) -> int:
    """The end of the run: what it says, and its report unless it was interrupted."""
    if args.verbose:
        print()
        print(summary.text_table(summary.rows(data)))
    if outcome.interrupted:
        print()
        print("\n".join(run_summary.end_of_run(data, path, None)))
        finished = len(records.Run.of(data).benchmarks)
        kind = (
            "a partial result" if records.RunLog.of(data).partial else "the result (all finished)"
        )
        print(
            f"mpbench run: interrupted; saved the {finished} finished benchmarks as {kind}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    folder = None if plan.reports is None else write_report_for(data, path, plan.reports)
    print()
    print("\n".join(run_summary.end_of_run(data, path, folder)))
    return 0 if outcome.exit_code == 0 else 1


def _progress(args: argparse.Namespace) -> str:
    return "quiet" if args.quiet else "plain" if args.verbose else "auto"


def list_benchmarks(args: argparse.Namespace) -> int:
    """`mpbench run --list`: what the profile would run, per subject, and roughly how long."""
    profile = get_profile(args.profile)
    subjects = parse_choices(args.only, available_subjects(), "subject")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *(str(cli_common.BENCHMARKS / f"test_{s}.py") for s in subjects),
    ]
    cmd += ["--collect-only", "-q", "-p", "no:cacheprovider", f"--mpbench-profile={profile.name}"]
    cmd += cli_common.SUITE.pytest_config_args()
    cmd += ["-k", args.k] if args.k else []
    with tempfile.TemporaryDirectory(prefix="mpbench-list-") as scratch:
        cmd.append(storage_option(Path(scratch)))
        out = subprocess.run(cmd, cwd=cli_common.WORK_ROOT, capture_output=True, text=True)
    names = [line for line in out.stdout.splitlines() if "::" in line]
    for name in names:
        print(name.rsplit("/", 1)[-1])
    estimate = len(names) * profile.expected_s
    print(f"{len(names)} benchmarks, profile {profile.name}: about {clock(estimate)} (estimate)")
    return 0 if names else 1
