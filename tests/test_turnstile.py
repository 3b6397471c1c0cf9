"""The baton `mpbench ab` hands between its two sides: turns round by round, nobody stuck."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from bench_lib.engine import turnstile

Log = list[tuple[str, str, object, float, float]]  # side, item, what, start, end


def _session(path: str, name: str, plan: list[str], rounds: int, log: Log) -> None:
    c = turnstile.Client(path, name)
    c.plan(plan)

    def work(item: str, what: object) -> None:
        t0 = time.perf_counter()
        time.sleep(0.002)  # long enough that two sides running at once would overlap
        log.append((name, item, what, t0, time.perf_counter()))

    for item in plan:
        c.item(item)
        work(item, "setup")
        for r in range(rounds):
            c.turn()
            work(item, r)
    c.end()
    work("-", "end")


def _run(tmp_path: Path, plans: dict[str, list[str]], rounds: int = 3, first: str = "a") -> Log:
    baton = turnstile.Baton(str(tmp_path / "baton.sock"))
    baton.start(first)
    log: Log = []
    threads = [
        threading.Thread(target=_session, args=(baton.path, name, plan, rounds, log))
        for name, plan in plans.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads), "a side is stuck"
    baton.close()
    spans = sorted((start, end) for *_, start, end in log)
    assert all(e <= s for (_, e), (s, _) in itertools.pairwise(spans)), "two sides ran at once"
    return log


def test_two_sides_in_the_same_benchmarks_take_turns_round_by_round(tmp_path: Path) -> None:
    log = _run(tmp_path, {"a": ["x", "y"], "b": ["x", "y"]})
    x = [(side, what) for side, item, what, *_ in log if item == "x"]
    assert x[:2] == [("a", "setup"), ("b", "setup")]  # a first, then b sets up while a waits
    assert [side for side, what in x[2:]] == ["a", "b"] * 3  # then rounds alternate
    y = [side for side, item, what, *_ in log if item == "y" and what != "setup"]
    assert y == ["b", "a"] * 3  # the next shared benchmark starts with the other side
    assert [side for side, item, *_ in log if item == "-"] in (["a", "b"], ["b", "a"])


def test_a_benchmark_only_one_side_has_runs_alone_and_the_rest_still_pair(tmp_path: Path) -> None:
    log = _run(tmp_path, {"a": ["x", "z", "y"], "b": ["x", "y"]})
    assert {side for side, item, *_ in log if item == "z"} == {"a"}
    y = [side for side, item, what, *_ in log if item == "y" and what != "setup"]
    assert sorted(y) == ["a"] * 3 + ["b"] * 3 and y[0] != y[1]  # paired again after z


def test_a_side_that_never_comes_leaves_the_other_to_run_alone(tmp_path: Path) -> None:
    baton = turnstile.Baton(str(tmp_path / "baton.sock"))
    baton.start("b")
    log: Log = []
    t = threading.Thread(target=_session, args=(baton.path, "a", ["x"], 2, log))
    t.start()
    time.sleep(0.2)
    assert log == []  # it waits for the other side...
    baton.gone("b")  # ...until mpbench ab sees that side exit
    t.join(timeout=10)
    baton.close()
    assert [(s, i, w) for s, i, w, *_ in log] == [
        ("a", "x", "setup"),
        ("a", "x", 0),
        ("a", "x", 1),
        ("a", "-", "end"),
    ]


def test_without_mpbench_ab_the_client_does_nothing(monkeypatch: object) -> None:
    c = turnstile.Client(None, "a")
    assert not c.active
    c.plan(["x"])
    c.item("x")
    c.turn()
    c.end()  # none of these waits for anything
