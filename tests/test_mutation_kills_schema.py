"""The schema's fast path for raw rounds agrees with the item-by-item check at every edge, and
values shown in messages are cut at exactly 40 characters.
"""

from __future__ import annotations

import math

import pytest

from bench_lib.results import schema

ROUNDS = [schema.MEASURE]


@pytest.mark.parametrize(
    ("values", "bad_at"),
    [
        ([0.0, 1.0, 2], None),  # 0 and ints are fine
        ([1.0, math.nan], "data[1]"),
        ([1.0, math.inf], "data[1]"),
        ([-0.5, 1.0], "data[0]"),
        ([1.0, True], "data[1]"),
        (["1.0"], "data[0]"),
        ([], None),
    ],
)
def test_raw_rounds_are_checked_to_the_item(values: list[object], bad_at: str | None) -> None:
    found = schema.problem(values, ROUNDS, "data")
    if bad_at is None:
        assert found is None
    else:
        assert found is not None and found.startswith(bad_at + " is ")


def test_shown_values_are_cut_past_40_characters() -> None:
    assert schema.shown("x" * 38) == "'" + "x" * 38 + "'"  # 40 with its quotes: whole
    cut = schema.shown("x" * 39)
    assert len(cut) == 40 and cut.endswith("...")


def test_a_list_of_numbers_is_not_a_list_of_strings() -> None:
    assert schema.problem([1, 2], [str], "start_methods") == "start_methods[0] is not a string"
