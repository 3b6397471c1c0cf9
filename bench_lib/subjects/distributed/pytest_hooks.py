"""The distributed subject's pytest option, ``--mpbench-scheduler``, checked when pytest starts.

:mod:`bench_lib.plugin.hooks` registers this module through the registry
(:func:`bench_lib.registry.pytest_hooks`), so the core plugin names no subject. A wrong or
unreachable address stops the run at once: one line, exit code 2, never a hang.
"""

from __future__ import annotations

import pytest

from bench_lib.subjects.distributed.declaration import SUBJECT


def pytest_addoption(parser: pytest.Parser) -> None:
    for option in SUBJECT.run_options:  # as `mpbench run` offers them
        parser.getgroup("mpbench").addoption(
            option.pytest_flag, default=None, metavar=option.metavar, help=option.help
        )


def pytest_configure(config: pytest.Config) -> None:
    """A wrong or unreachable ``--mpbench-scheduler`` stops the run at once: one line, exit 2."""
    address = config.getoption("mpbench_scheduler", default=None)
    if address:
        from bench_lib.subjects.distributed import address as distributed_address
        from bench_lib.subjects.distributed import cluster as distributed_cluster

        try:  # a TCP connect (3 s), then a dask greeting (5 s): is it a scheduler at all?
            distributed_cluster.verify(distributed_address.probe(address).url)
        except (distributed_address.SchedulerAddressError, distributed_cluster.ClusterError) as exc:
            pytest.exit(str(exc), returncode=2)
