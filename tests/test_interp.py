"""Subinterpreters as a fourth way: ids on every Python, skipped with one reason before 3.14,
measured and checked on 3.14 (through ``MPBENCH_PYTHON314`` where the tests run on 3.11)."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from conftest import REPO, run_smoke
from py314 import by_name, needs_314, python314, smoke_run

from bench_lib.workers import interp

FILES = (
    "benchmarks/test_spawn.py",
    "benchmarks/test_gil.py",
    "benchmarks/test_pool.py",
    "benchmarks/test_ipc.py",
)
SELECT = "interp"  # -k: subinterpreter_*, mode=interpreter, executor=interpreter, interp_queue...
WANTED = (  # one point of every kind the four subjects add (standard profile)
    "test_subinterpreter_start",
    "test_subinterpreter_raw",
    "test_subinterpreter_phases",
    "test_subinterpreter_pool_start",
    "test_cpu_split[mode=interpreter-n=1]",
    "test_executor_overhead[api=executor_submit-executor=interpreter-start=fork]",
    "test_executor_scaling[task_ms=1.0-workers=2-executor=interpreter-start=fork]",
)
WANTED_IPC = ("channel=interp_queue", "channel=interp_memoryview")


def collected(python: str, profile: str) -> list[str]:
    command = [python, "-m", "pytest", *FILES, "--collect-only", "-q", "-p", "no:cacheprovider"]
    out = subprocess.run(
        [*command, f"--mpbench-profile={profile}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return sorted(line.split("::")[-1] for line in out.stdout.splitlines() if "::" in line)


def test_the_reason_names_the_python_and_the_version_that_has_them() -> None:
    reason = interp.missing()
    if sys.version_info >= (3, 14):
        assert reason is None
        return
    assert reason is not None and "\n" not in reason
    assert f"Python {sys.version_info[0]}.{sys.version_info[1]}" in reason
    assert "3.14" in reason and "python3.14" in reason  # what to run instead


def test_the_subinterpreter_ids_exist_on_this_python() -> None:
    ids = collected(sys.executable, "standard")
    assert set(WANTED) <= set(ids)
    for channel in WANTED_IPC:
        assert any(i.startswith("test_stream[") and channel in i for i in ids), channel
    assert any(i.startswith("test_ping_pong[") and "channel=interp_queue" in i for i in ids)


def _no_start(ids: list[str]) -> set[str]:
    """The ids with the start method left out: which default a Python picks for the IPC
    subject is the start-method work's (issue 29 item 1), not this comparison's."""
    return {re.sub(r"-?start=[a-z]+", "", i) for i in ids}


@needs_314
def test_the_ids_are_the_same_on_311_and_314() -> None:
    python = python314()
    assert python is not None
    for profile in ("quick", "standard"):
        here, there = collected(sys.executable, profile), collected(python, profile)
        assert _no_start(here) == _no_start(there), profile


@pytest.mark.skipif(interp.missing() is None, reason="this Python has subinterpreters")
def test_before_314_every_subinterpreter_point_is_skipped_with_the_one_reason(
    tmp_path: Any,
) -> None:
    code, data, output = run_smoke(tmp_path, *FILES, extra=("-k", SELECT))
    assert code == 0, output
    measured = [b["name"] for b in data["benchmarks"] if _interp_point(b["name"])]
    assert measured == []
    skipped = [s for s in data["mpbench"]["skipped"] if _interp_point(s["test"])]
    assert len(skipped) >= len(WANTED)
    assert {s["reason"] for s in skipped} == {interp.missing()}


def _interp_point(name: str) -> bool:
    return (
        "subinterpreter_" in name
        or "interpreter-" in name
        or "interp_" in name
        or ("executor=interpreter" in name)
    )


@pytest.fixture(scope="module")
def on_314() -> dict[str, dict[str, Any]]:
    code, data, output = smoke_run(*FILES, select=SELECT)
    assert code == 0, output
    return by_name(data)


@needs_314
def test_spawn_a_subinterpreter_beside_its_floor_with_phases(
    on_314: dict[str, dict[str, Any]],
) -> None:
    start = on_314["test_subinterpreter_start"]
    assert start["floor"]["case"] == "subinterpreter_raw" and start["floor"]["paired"]
    assert start["paired"]["rounds_s"] and start["info"]["blocks"][0]["heavy_modules"] == []
    phases = on_314["test_subinterpreter_phases"]
    assert phases["checks"] == {"phases in order": True}
    m = phases["metrics"]
    assert 0 < m["start_returned_s"]["value"] <= m["first_run_s"]["value"]
    pool = on_314["test_subinterpreter_pool_start"]
    assert pool["checks"] == {"every worker answered": True}
    assert set(pool["info"]["distinct_workers_answered"]) == {pool["info"]["workers"]}


@needs_314
def test_gil_interpreter_points_are_checked_placed_and_weighed(
    on_314: dict[str, dict[str, Any]],
) -> None:
    points = {k: v for k, v in on_314.items() if k.startswith("test_cpu_split[mode=interpreter")}
    assert "test_cpu_split[mode=interpreter-n=1]" in points
    for m in points.values():
        assert all(m["checks"].values()) and m["info"]["api"] == "executor_map"
        assert len({p["pid"] for p in m["info"]["placement"]["answered"]}) == 1  # one process
        assert m["info"]["placement"]["distinct_workers"] == m["params"]["n"]
        assert m["metrics"]["memory_per_worker_uss_bytes"]["value"] > 0  # an interpreter weighs
        assert m["derived"]["speedup"] > 0 and m["derived"]["effective_cores"] > 0


@needs_314
def test_pool_executors_side_by_side(on_314: dict[str, dict[str, Any]]) -> None:
    over = [m for k, m in on_314.items() if k.startswith("test_executor_overhead[")]
    assert {m["params"]["executor"] for m in over} == {"interpreter"}  # -k selects these
    for m in over:
        assert m["checks"]["every result right"] and m["info"]["executor"].startswith("Interp")
    two = next(m for k, m in on_314.items() if "executor_scaling" in k and "workers=2" in k)
    assert two["paired"]["role"] == "baseline" and two["derived"]["speedup"] > 0


@needs_314
def test_ipc_interpreter_channels_check_every_message(on_314: dict[str, dict[str, Any]]) -> None:
    streams = [m for m in on_314.values() if m["case"] in ("stream", "stream_objects")]
    assert {m["params"]["channel"] for m in streams} == _channels()
    # a stream of the queue has no floor: its spinning reader bounds round trips, not rates
    floors = {"interp_queue": None, "interp_memoryview": "memcpy"}
    for m in streams:
        assert m["checks"]["every message arrived intact"]
        assert m["checks"]["every process ran on its pinned CPU"]  # the peer thread too
        assert m["info"]["ran_on"]["peers_ran_on"]
        floor = floors[m["params"]["channel"]]
        if floor is None:
            assert m["floor"] is None
        else:
            assert m["floor"]["case"] == floor and m["floor"]["median"] > 0 and m["floor"]["paired"]
    pings = [m for m in on_314.values() if m["case"] == "ping_pong"]
    assert pings and all(m["checks"]["every echo equals its message"] for m in pings)
    for m in pings:  # the floor: the same queues, both ends waiting without get()'s sleeps
        assert m["floor"]["params"]["channel"] == "interp_queue_spin" and m["floor"]["paired"]


def _channels() -> set[str]:
    return {c.split("=")[1] for c in WANTED_IPC}


def test_an_interpreter_pool_is_an_executor_on_a_python_that_has_them() -> None:
    from bench_lib.subjects.pool import ops as pools

    want = "no subinterpreters" if interp.missing() else "no multiprocessing.Pool API"
    with pytest.raises(ValueError, match=want):
        pools.open_pool("interpreter", "pool", 1)


here_314 = pytest.mark.skipif(
    interp.missing() is not None, reason=f"runs in this process: {interp.missing()}"
)


@here_314
@pytest.mark.parametrize("channel", ["interp_queue", "interp_memoryview"])
def test_a_round_cut_short_still_stops_the_peer_and_closes_its_interpreter(channel: str) -> None:
    import multiprocessing

    from bench_lib.subjects.ipc import interp_sessions

    ctx = multiprocessing.get_context("spawn")  # unused by the peer: it is a thread here
    session = interp_sessions.InterpStreamSession(ctx, channel, "bytes", 64 * 1024)
    with session:
        session.messages = 6
        session.round()
        session.verify()
        assert session.problems == []
        # the peer blocks on a full queue (1024 deep at 64 KiB) or on an ack: nobody takes the rest
        session.begin(1100 if channel == "interp_queue" else 3)
        peer = session.peer
        thread = peer.thread
    assert not thread.is_alive() and peer.interp is None  # stopped, joined and closed
    assert session.problems == []


@here_314
def test_a_damaged_message_through_the_interpreter_queue_is_caught() -> None:
    import multiprocessing

    from bench_lib.subjects.ipc import interp_sessions

    session = interp_sessions.InterpStreamSession(
        multiprocessing.get_context("spawn"), "interp_queue", "bytes", 64
    )
    with session:
        session.messages = 6
        session.round()
        session.arrived[2] = session.arrived[2][:-1] + b"\x00"  # one byte flipped in transit
        session.verify()
    assert any("corrupted" in p for p in session.problems)
