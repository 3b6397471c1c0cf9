"""Blocks as passes over the suite: block 1 of every benchmark, then block 2 of every one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import run_benchmark_source

from bench_lib.plugin.selection import NODES_ENV

SUITE = textwrap.dedent("""
    import os
    import pytest

    def _log(what):
        with open("order", "a") as f:
            f.write(what + "\\n")

    @pytest.mark.parametrize("name", ["a", "b"])
    def test_point(mpbench, name):
        _log(f"{name}{mpbench.block}")
        mpbench.measure(lambda: None)

    def test_breaks_in_its_second_block(mpbench):
        _log(f"c{mpbench.block}")
        mpbench.measure(lambda: None)
        assert mpbench.block == 0, "told to fail"

    def test_skipped(mpbench):
        _log("skip")
        pytest.skip("not here")

    def test_plain():
        _log("plain")
""")


def test_each_pass_makes_one_block_of_every_benchmark_and_one_result_each(tmp_path: Path) -> None:
    code, data = run_benchmark_source(
        tmp_path, SUITE, "--mpbench-profile=quick", "--mpbench-blocks=3"
    )
    assert code == 1  # the one that broke in its second block
    order = (tmp_path / "order").read_text().split()
    # pass 1 runs everything once (--benchmark-only skips the plain test); later passes only
    # the benchmarks still going
    assert order == ["a0", "b0", "c0", "skip", "a1", "b1", "c1", "a2", "b2"]
    names = [b["name"] for b in data["benchmarks"]]
    assert names == ["test_point[a]", "test_point[b]", "test_breaks_in_its_second_block"]
    a, b, c = (x["extra_info"]["mpbench"] for x in data["benchmarks"])
    assert len(a["info"]["block_rounds"]) == len(b["info"]["block_rounds"]) == 3
    assert a["info"]["block_order"] == "passes"
    assert a["figures"][0]["blocks"] == 3 and a["figures"][0]["interval"] == "blocks-t"
    assert len(c["info"]["block_rounds"]) == 2  # what it measured before it failed is kept
    run = data["mpbench"]
    assert run["passed"] == 2  # each benchmark counted once, at its last pass
    assert [f["test"].split("::")[1] for f in run["failures"]] == [
        "test_breaks_in_its_second_block"
    ]
    skipped = [s["test"].split("::")[1] for s in run["skipped"]]
    # once, in the first pass; the plain test is the user's, not in mpbench's record
    assert skipped == ["test_skipped"]


def test_k_selects_the_benchmarks_every_pass_runs(tmp_path: Path) -> None:
    code, data = run_benchmark_source(
        tmp_path, SUITE, "--mpbench-profile=quick", "--mpbench-blocks=2", "-k", "point and b"
    )
    assert code == 0
    assert (tmp_path / "order").read_text().split() == ["b0", "b1"]
    assert [b["name"] for b in data["benchmarks"]] == ["test_point[b]"]


def test_one_block_is_one_pass_without_a_pass_order(tmp_path: Path) -> None:
    code, data = run_benchmark_source(tmp_path, SUITE, "--mpbench-profile=smoke", "-k", "point")
    assert code == 0
    assert (tmp_path / "order").read_text().split() == ["a0", "b0"]
    m = data["benchmarks"][0]["extra_info"]["mpbench"]
    assert "block_order" not in m["info"] and m["figures"][0]["interval"] == "none"


def test_mpbench_ab_runs_only_the_benchmarks_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mpbench ab` names the benchmarks still open in MPBENCH_NODES; the others are
    deselected, as -k would (node ids hold [ and =, which -k cannot)."""
    listed = tmp_path / "nodes.txt"
    listed.write_text("test_case.py::test_point[b]\ntest_case.py::test_gone\n")
    monkeypatch.setenv(NODES_ENV, str(listed))
    code, data = run_benchmark_source(tmp_path, SUITE, "--mpbench-profile=smoke")
    assert code == 0
    assert (tmp_path / "order").read_text().split() == ["b0"]
    assert [b["name"] for b in data["benchmarks"]] == ["test_point[b]"]
