"""Blocks as passes over the suite: block 1 of every benchmark, then block 2 of every one, ...

A benchmark's blocks are its independent replicates (docs/design.md, principle 15), but only if
they see the machine's states as a later run would: this VM's speed drifts over seconds to
minutes, and blocks made back to back share one state, so their spread misses the drift and
intervals built on them are too narrow. So the session runs its items once per pass
(``pytest_runtestloop``): each pass is one block of every selected benchmark, each run of an
item a full pytest protocol (fixtures, watchdog, leak check, report, progress line). The
engine's :class:`~bench_lib.engine.bench.Bench` of each benchmark lives across the passes and
records every block at the end (or when the benchmark fails, or the run is stopped), so
pytest-benchmark saves one entry per benchmark, as before, whether the run came from
`mpbench run` or plain ``pytest --benchmark-only``.

A benchmark that fails or is skipped does not run in later passes; a test that does not use
the ``mpbench`` fixture runs once, in the first pass.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bench_lib.engine.bench import Bench
from bench_lib.plugin.grid import grid_context
from bench_lib.plugin.host import is_ours

BLOCK_ORDER = "passes"  # info.block_order of a benchmark whose blocks were passes


@dataclass
class PassBook:
    """One session's passes: which is running, and each benchmark's engine across them."""

    passes: int = 1  # planned (the profile's blocks)
    current: int = 0  # the pass running now (0-based): the block every benchmark makes in it
    active: bool = False  # this module's loop drives the session (no other plugin replaced it)
    benches: dict[str, Bench] = field(default_factory=dict)  # node id -> its engine
    finished: set[str] = field(default_factory=set)  # recorded: failed, or after its last block
    out: set[str] = field(default_factory=set)  # run no more: failed, skipped, or not mpbench's


def book(config: pytest.Config) -> PassBook:
    found: PassBook | None = getattr(config, "_mpbench_passes", None)
    if found is None:
        found = PassBook()
        config._mpbench_passes = found  # type: ignore[attr-defined]
    return found


def planned_runs(session: pytest.Session) -> int:
    """Runs of mpbench benchmarks the session plans: each once per pass (the user's own tests
    run once and are not in mpbench's progress)."""
    passes = grid_context(session.config).profile.blocks
    return passes * sum(map(is_ours, session.items))


def last_run(item: pytest.Item) -> bool:
    """Whether this run of ``item`` is its last (a report then counts it as passed)."""
    b = book(item.config)
    return not b.active or not is_ours(item) or b.current >= b.passes - 1


def _items_of(session: pytest.Session, b: PassBook) -> list[pytest.Item]:
    if b.current == 0:
        return list(session.items)
    return [i for i in session.items if is_ours(i) and i.nodeid not in b.out]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """pytest's own loop, once per pass; the fixtures of every scope are torn down between
    passes (nextitem None), so a pass starts as fresh as the first."""
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} error(s) during collection")
    if session.config.option.collectonly:
        return True
    if not any(map(is_ours, session.items)):
        return None  # the user's own session: pytest's loop (or another plugin's) runs it
    b = book(session.config)
    b.passes, b.active = grid_context(session.config).profile.blocks, True
    log = getattr(session.config, "_mpbench_log", None)  # the session log: its twin book
    for current in range(b.passes):
        b.current = current
        items = _items_of(session, b)
        if log is not None:  # a twin's own benchmark is to run again in this pass
            log.twins.pending.update(i.nodeid for i in items)
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
        if not items:
            break
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed or report.skipped or not is_ours(item):
        book(item.config).out.add(item.nodeid)
    return report


def bench_for(request: pytest.FixtureRequest, benchmark: Any, make: Callable[[], Bench]) -> Bench:
    """The benchmark's engine: made in its first pass, kept for the later ones (with this
    pass's pytest-benchmark fixture, which records the rounds at the end)."""
    b = book(request.config)
    node = request.node.nodeid
    bench = b.benches.get(node)
    if bench is None:
        bench = b.benches[node] = make()
    bench.benchmark = benchmark
    return bench


def run_blocks(item: pytest.Item, bench: Bench, body: Callable[[], object]) -> None:
    """This pass's block of ``bench`` (every block when no pass loop drives the session);
    records them all after the last, or at once when the body raises."""
    b = book(item.config)
    blocks = [b.current] if b.active else list(range(bench.profile.blocks))
    if b.active and b.passes > 1:
        bench.info["block_order"] = BLOCK_ORDER
    try:
        for block in blocks:
            bench.block = block
            body()
            bench.end_block()
    except BaseException:
        _finish(b, item.nodeid, bench)
        raise
    if last_run(item):
        _finish(b, item.nodeid, bench)
    else:
        bench.benchmark._mode = "mpbench blocks"  # used: its rounds are recorded at the end


def _finish(b: PassBook, node: str, bench: Bench) -> None:
    if node not in b.finished:
        b.finished.add(node)
        bench.finish()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Generator[None, None, None]:
    """A stopped run (Ctrl-C, -x) still records every block each benchmark has made, before
    pytest-benchmark saves (its wrapper runs after this one's first half)."""
    b = book(session.config)
    for node, bench in b.benches.items():
        _finish(b, node, bench)
    timed = getattr(session.config, "_benchmarksession", None)
    if timed is not None:  # in collection order, as without passes (not the order they ended)
        rank = {item.nodeid: i for i, item in enumerate(session.items)}
        timed.benchmarks.sort(key=lambda m: rank.get(getattr(m, "fullname", ""), len(rank)))
    return (yield)
