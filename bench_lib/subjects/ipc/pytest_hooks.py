"""The ipc subject's pytest option, ``--mpbench-payload module:factory``, checked at start.

:mod:`bench_lib.plugin.hooks` registers this module through the registry. Without the option
the payload benchmark (``stream_payload``) is deselected, not skipped: it has nothing to send.
A payload that cannot be built or pickled stops the run at once: one line, exit code 2.
"""

from __future__ import annotations

import pytest

from bench_lib.subjects.ipc.declaration import SUBJECT

PAYLOAD_BENCHMARK = "test_stream_payload"


def pytest_addoption(parser: pytest.Parser) -> None:
    for option in SUBJECT.run_options:  # `mpbench run --payload` becomes --mpbench-payload
        parser.getgroup("mpbench").addoption(
            option.pytest_flag, default=None, metavar=option.metavar, help=option.help
        )


def pytest_configure(config: pytest.Config) -> None:
    spec = config.getoption("mpbench_payload", default=None)
    if spec:
        from bench_lib.subjects.ipc import user_payload

        try:
            user_payload.load(spec)
        except ValueError as exc:
            pytest.exit(str(exc), returncode=2)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("mpbench_payload", default=None):
        return
    dropped = [
        i
        for i in items
        if getattr(i, "originalname", None) == PAYLOAD_BENCHMARK and i.path.name == "test_ipc.py"
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]
