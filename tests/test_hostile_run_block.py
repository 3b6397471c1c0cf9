"""A run block whose optional parts have the wrong shape is reported, not crashed on.

Found by test_result_fuzz (hypothesis): ``mpbench.gil`` replaced by a string made the summary
call ``.get`` on it. The schema leaves ``gil`` unchecked (older files lack it), so the readers
must take any shape.
"""

from __future__ import annotations

from typing import Any

import pytest
from synthetic_results import bench, run

from bench_lib.results import summary


@pytest.mark.parametrize("gil", ["<b>x</b>", 3, [1, "a"], None, {}])
def test_a_gil_block_of_any_shape_gives_the_other_lines(gil: Any) -> None:
    data = run(bench("spawn", "thread_start", 1e-4))
    data["mpbench"]["gil"] = gil
    data["mpbench"]["partial"] = True
    lines = summary.problems(data)
    assert lines[0].startswith("PARTIAL RUN")
    assert not any(line.startswith("GIL ON") for line in lines)


def test_a_gil_warning_is_the_first_problem_line() -> None:
    data = run(bench("spawn", "thread_start", 1e-4))
    data["mpbench"]["gil"] = {"warning": "a module enabled the GIL"}
    assert summary.problems(data)[0] == "GIL ON: a module enabled the GIL"
