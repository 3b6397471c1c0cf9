"""pytest plugin: profiles, the ``mpbench`` fixture, the machine block, the result additions.

Loaded through the ``pytest11`` entry point, so ``pytest --benchmark-only`` and
``mpbench run`` (which drives pytest) share one engine. It loads in every pytest session, so
it touches only mpbench's own benchmarks (:mod:`bench_lib.plugin.host`): the user's keep their
stats, entries and files exactly as pytest-benchmark makes them.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bench_lib.engine import progress, turnstile
from bench_lib.engine.bench import Bench
from bench_lib.machine import environment
from bench_lib.measure.fixture import mpbench_measure as mpbench_measure
from bench_lib.plugin import host, passes, reasons, selection, watchdog_hooks
from bench_lib.plugin.grid import grid_context

# pytest looks for hooks in the registered plugin, this module: the grid's hooks are named here
from bench_lib.plugin.grid import pytest_addoption as pytest_addoption
from bench_lib.plugin.grid import (
    pytest_collection_modifyitems as pytest_collection_modifyitems,
)
from bench_lib.plugin.grid import pytest_generate_tests as pytest_generate_tests
from bench_lib.plugin.session_log import SessionLog, display_name
from bench_lib.results import files as results
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.results.finish import flag_impossible_speedups, resolve_floors
from bench_lib.supervision import leaks, watchdog


def _keep_spawn_children_lean() -> str:
    """Stop spawn/forkserver children from re-running the ``pytest`` console script.

    They re-import the parent's ``__main__`` by path; for the ``pytest`` script that imports
    pytest into every child (docs/design.md, principle 1). ``python -m pytest`` is already exempt.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or getattr(main, "__spec__", None) is not None or not path:
        return "main module not re-imported by children"
    if Path(path).name.startswith(("pytest", "py.test")):
        del main.__file__
        return f"hid {path} from spawn/forkserver children"
    return f"children re-import main module {path}"


def pytest_configure(config: pytest.Config) -> None:
    log = SessionLog()
    config._mpbench_log = log  # type: ignore[attr-defined]
    config.addinivalue_line("markers", "mpbench_from(profile): only in this profile and bigger")
    config.addinivalue_line("markers", "mpbench_interleave(axis): run the grid with axis fastest")
    config.pluginmanager.register(log, "mpbench-session-log")
    config.pluginmanager.register(watchdog_hooks, "mpbench-watchdog")
    config.pluginmanager.register(passes, "mpbench-passes")  # blocks as passes over the suite
    config.pluginmanager.register(selection, "mpbench-selection")  # `mpbench ab`'s open ones


def pytest_unconfigure(config: pytest.Config) -> None:
    log: SessionLog | None = getattr(config, "_mpbench_log", None)
    if log is not None and log.run_lock is not None:
        log.run_lock.release()


def _log(config: pytest.Config) -> SessionLog:
    log: SessionLog = config._mpbench_log  # type: ignore[attr-defined]
    return log


def _take_part(log: SessionLog) -> None:
    """What the process needs before the first mpbench benchmark, done only when one is
    selected: lean spawn children, names of our semaphores and segments, the load sample."""
    if log.taking_part:
        return
    log.main_module_note = _keep_spawn_children_lean()
    leaks.claim_semaphore_prefix()
    leaks.claim_segment_prefix()
    log.take_part()


@pytest.fixture
def mpbench(benchmark: Any, request: pytest.FixtureRequest) -> Iterator[Bench]:
    """The measurement engine for one benchmark; fails it if it leaves anything behind."""
    _take_part(_log(request.config))  # (already done when collection selected it)
    _log(request.config).start_measuring()
    ctx = grid_context(request.config)
    shm_before = leaks.shm_names()
    twins = _log(request.config).twins
    twins.pending.discard(request.node.nodeid)
    yield passes.bench_for(  # one engine per benchmark, kept across the passes
        request, benchmark, lambda: Bench(benchmark, ctx.profile, ctx.cores, twins)
    )
    interrupted = _log(request.config).interrupted
    with watchdog.shielded():  # a hung benchmark's children must still be killed
        found = leaks.collect(
            shm_before,
            grace_s=0.0 if interrupted else leaks.CHILD_GRACE_S,
            spare_kept=not interrupted,
        )
    if found:
        pytest.fail(found.message())


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an mpbench benchmark's body for this pass's block; after the last, record all
    blocks' rounds (:mod:`bench_lib.plugin.passes`).

    Each run of the body starts its own processes, placement, pool or crew, so the blocks are
    the independent replicates that intervals and comparisons need (docs/design.md, principle 15).
    A failed check or a dead worker: the rounds measured so far are still kept.
    """
    bench = pyfuncitem.funcargs.get("mpbench")
    if not isinstance(bench, Bench):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    passes.run_blocks(pyfuncitem, bench, lambda: pyfuncitem.obj(**args))
    return True


def pytest_benchmark_update_machine_info(
    config: pytest.Config, machine_info: dict[str, Any]
) -> None:
    """The machine's fingerprint, in a file of a session that ran mpbench benchmarks (only)."""
    timed = getattr(config, "_benchmarksession", None)
    ran = timed is not None and host.any_ours(timed.benchmarks)
    if not (ran or _log(config).taking_part):
        return
    machine_info[SCHEMA_KEY] = _fingerprint()


@pytest.hookimpl(tryfirst=True)
def pytest_benchmark_compare_machine_info(
    config: pytest.Config,
    benchmarksession: Any,
    machine_info: dict[str, Any],
    compared_benchmark: dict[str, Any],
) -> None:
    """``--benchmark-compare`` with a saved mpbench run (made when pytest starts, before any
    benchmark ran): this machine's fingerprint joins the comparison, so one machine matches."""
    if SCHEMA_KEY in (compared_benchmark.get("machine_info") or {}):
        machine_info.setdefault(SCHEMA_KEY, _fingerprint())


def _fingerprint() -> dict[str, Any]:
    return {"schema": results.SCHEMA_VERSION, **environment.fingerprint().as_dict()}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not host.is_ours(item):  # the user's own tests: not in mpbench's record
        return report
    log = _log(item.config)
    log.current = item.nodeid if report.when != "teardown" else ""
    if report.skipped and report.when in ("setup", "call"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        log.skipped.append({"test": report.nodeid, "reason": reason.removeprefix("Skipped: ")})
    elif report.failed and log.interrupted:
        pass  # its workers died of the same stop signal: not a failure of the benchmark
    elif report.failed:
        failure = call.excinfo.value if call.excinfo is not None else None
        reason = (
            reasons.from_exception(failure) if failure else reasons.from_report(report.longrepr)
        )
        log.failures.append({"test": report.nodeid, "when": report.when, "reason": reason})
    elif report.passed and report.when == "call" and passes.last_run(item):
        log.passed += 1
    if report.when == "teardown":
        log.look_for_other_runs()
        log.warn_about_other_runs()
    if log.display is not None and report.when == "teardown":
        failed = [f for f in log.failures if f["test"] == item.nodeid]
        skipped = [s for s in log.skipped if s["test"] == item.nodeid]
        status = (
            "FAIL " + failed[0]["reason"]
            if failed
            else ("skip " + skipped[0]["reason"] if skipped else "ok")
        )
        log.display.finished(display_name(item.nodeid), status, time.monotonic() - log.item_t0)
    return report


def pytest_collection_finish(session: pytest.Session) -> None:
    """With mpbench benchmarks selected: refuse the pytest-benchmark flags they cannot honour
    (one line each, usage-error exit 4, before anything runs), then ready the process."""
    ours = [item for item in session.items if host.is_ours(item)]
    if ours and not session.config.getoption("benchmark_skip", False):
        refused = host.refusals(session.config)
        if refused:
            pytest.exit("\n".join(refused), returncode=pytest.ExitCode.USAGE_ERROR)
        _take_part(_log(session.config))
    turnstile.client().plan([item.nodeid for item in session.items])  # only under `mpbench ab`
    mode = session.config.getoption("mpbench_progress")
    if mode != "none" and ours:
        profile = grid_context(session.config).profile
        prior = profile.expected_s / max(1, profile.blocks)  # one run of an item: one block
        total = progress.Progress(passes.planned_runs(session), prior)
        _log(session.config).display = progress.Display(mode, total)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, None, None]:
    """Under `mpbench ab`, a benchmark starts when this side holds the baton (turnstile)."""
    turnstile.client().item(item.nodeid)
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    # Runs before pytest-benchmark saves (its wrapper is inner), so the file says "partial".
    turnstile.client().end()  # under `mpbench ab`: save once the other side has measured too
    log = _log(session.config)
    log.interrupted = log.interrupted or exitstatus == pytest.ExitCode.INTERRUPTED
    if log.display is not None:
        log.display.close()
    if log.taking_part:  # (on a free-threaded build this may scan the extension modules)
        log.gil_check = log.gil_watch.finish()
    if log.stopper is not None:
        log.stopper.saving = True  # a stop signal now must not cut the save short
    timed = getattr(session.config, "_benchmarksession", None)
    if timed is not None:  # stopped before its first round: no data, and no figure to save
        timed.benchmarks[:] = [  # (empty ones crash the save); the user's are theirs
            b for b in timed.benchmarks if b or not host.entry_is_ours(b)
        ]
    log.look_for_other_runs()
    log.warn_about_other_runs()
    return (yield)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Under plain ``pytest --benchmark-only``: mpbench's figures in their own units too.

    pytest-benchmark's table shows seconds per operation of each benchmark's first figure
    ("OPS" = operations per second; docs/pytest-benchmark.md), without floors, intervals from
    blocks or noise flags. `mpbench run` prints its own end instead.
    """
    session = getattr(config, "_benchmarksession", None)
    if session is None or config.getoption("mpbench_progress") != "none":
        return
    from bench_lib.results import (
        summary,  # here: a test session that measures nothing never needs it
    )

    benches = [
        {"name": b.name, "extra_info": copy.deepcopy(b.extra_info)}
        for b in session.benchmarks
        if b and SCHEMA_KEY in (b.extra_info or {}) and b.extra_info[SCHEMA_KEY].get("figures")
    ]
    if not benches:
        return
    resolve_floors(benches)
    terminalreporter.write_sep("-", "mpbench figures (median, 95% interval, vs floor, flags)")
    terminalreporter.write_line(summary.text_table(summary.rows({"benchmarks": benches})))
    terminalreporter.write_line(
        "charts and sentences: save with --benchmark-json=FILE, then `mpbench report FILE`"
    )


def pytest_benchmark_update_json(
    config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]
) -> None:
    """mpbench's run block, and what its benchmarks derive from each other. The file of a
    session without mpbench benchmarks is left as pytest-benchmark wrote it; the user's
    entries beside ours are never touched."""
    log = _log(config)
    ours = [b for b in output_json["benchmarks"] if host.entry_is_ours(b)]
    if not (ours or log.taking_part):
        return
    output_json[SCHEMA_KEY] = {
        "schema": results.SCHEMA_VERSION,
        "profile": config.getoption("mpbench_profile"),
        "label": config.getoption("mpbench_label"),
        "started_utc": log.started.isoformat(),
        **(log.conditions.as_dict() if log.conditions else {}),
        "finished_utc": datetime.now(UTC).isoformat(),
        "passed": log.passed,
        "failures": log.failures,
        "skipped": log.skipped,
        "partial": log.interrupted or bool(log.failures),
        "main_module": log.main_module_note,
        "gil": _gil_block(log),
        "concurrent_runs": [other.as_dict() for other in log.concurrent.values()],
        "stopped_by": log.stop_signal or None,
        "stopped_during": log.stopped_during or None,
    }
    resolve_floors(ours)
    from bench_lib.results import scaling  # numpy: loaded once the measuring is over

    scaling.derive(ours)
    cores = int(output_json.get("machine_info", {}).get(SCHEMA_KEY, {}).get("usable_cores") or 0)
    flag_impossible_speedups(ours, cores)


def _gil_block(log: SessionLog) -> dict[str, Any]:
    check = log.gil_check or log.gil_watch.finish()
    return {**check.as_dict(), "warning": check.warning()}
