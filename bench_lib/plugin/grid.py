"""What a run measures: mpbench's pytest options, and the profile's grid they select.

The hooks here are pytest's (imported into :mod:`bench_lib.plugin.hooks`, the registered plugin, so
pytest finds them there): the options, which benchmarks a profile leaves out, and the
parameter values each ``mpbench_grid`` axis takes in this profile on this machine.
"""

from __future__ import annotations

import dataclasses

import pytest

from bench_lib import registry
from bench_lib.engine import progress
from bench_lib.engine.profiles import (
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    START_METHODS,
    GridContext,
    get_profile,
    interleave_order,
    resolve_axis,
)
from bench_lib.machine import environment
from bench_lib.plugin import host


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("mpbench")
    group.addoption(
        "--mpbench-profile",
        default=DEFAULT_PROFILE,
        choices=PROFILE_NAMES,
        help=f"parameter grid and round policy (default {DEFAULT_PROFILE})",
    )
    group.addoption(
        "--mpbench-start-methods",
        default=",".join(START_METHODS),
        help="comma-separated start methods to measure (default: all)",
    )
    group.addoption("--mpbench-label", default="run", help="label stored in the result file")
    group.addoption(
        "--mpbench-blocks",
        type=int,
        default=None,
        help="independent blocks per benchmark (default: the profile's; `mpbench ab` uses 1)",
    )
    group.addoption(
        "--mpbench-benchmark-timeout",
        type=float,
        default=None,
        help="seconds one benchmark may take for setup + measuring (default: from the profile; "
        "0: no limit); teardown gets its own limit",
    )
    group.addoption(
        "--mpbench-progress",
        nargs="?",
        const="auto",
        default="none",
        choices=progress.MODES,
        help="show progress: auto (live on a terminal, plain elsewhere), live, plain, quiet",
    )
    for subject in registry.subjects():  # a subject's own (distributed: --mpbench-scheduler)
        hooks = registry.pytest_hooks(subject)
        if hooks is not None:
            pluginmanager.register(hooks, f"mpbench-{subject.name}")


def grid_context(config: pytest.Config) -> GridContext:
    """The profile as this session's options make it (pytest-benchmark's honoured flags too:
    :func:`bench_lib.plugin.host.honoured`), the usable cores, the start methods asked for."""
    methods = tuple(m.strip() for m in config.getoption("mpbench_start_methods").split(",") if m)
    profile = get_profile(config.getoption("mpbench_profile"))
    blocks = config.getoption("mpbench_blocks")
    if blocks:
        profile = dataclasses.replace(profile, blocks=max(1, blocks))
    return GridContext(host.honoured(config, profile), environment.usable_cores(), methods)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run interleaved grids with their axis fastest (:func:`profiles.interleaved`); leave out
    benchmarks marked for bigger profiles (:func:`profiles.from_profile`): smoke runs every
    benchmark once, whatever its mark (the tests read them all)."""
    items[:] = interleave_order(items)
    rank = grid_context(config).profile.rank
    if rank == 0:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        mark = item.get_closest_marker("mpbench_from")
        too_small = mark is not None and PROFILE_NAMES.index(mark.args[0]) > rank
        (dropped if too_small else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marks = list(metafunc.definition.iter_markers("mpbench_grid"))
    if not marks:  # not an mpbench benchmark: nothing to read
        return
    ctx = grid_context(metafunc.config)
    for mark in marks:
        for name, values in mark.kwargs.items():
            resolved = resolve_axis(values, ctx)
            metafunc.parametrize(name, resolved, ids=[f"{name}={v}" for v in resolved])
