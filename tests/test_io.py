"""The io subject: pure helpers, echo checking, server lifecycle, and the smoke run."""

from __future__ import annotations

import math
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import run_smoke
from figure_checks import assert_cpu_use_adds_up

from bench_lib.charts.style import RunContext
from bench_lib.report import recommend
from bench_lib.results import tidy
from bench_lib.stats.descriptive import loglog_slope, percentile
from bench_lib.subjects.io import bounds as io_bounds
from bench_lib.subjects.io import charts as charts_io
from bench_lib.subjects.io import servers as io_servers
from bench_lib.subjects.io import unit_spawn as io_spawn
from bench_lib.subjects.io.client import ClientPool, EchoError, request
from bench_lib.subjects.io.eventloop import selector_class
from bench_lib.subjects.io.selector_scaling import (
    MAX_CHECKS,
    MIN_CHECKS,
    DescriptorSet,
    SelectorCheckError,
    checks_per_round,
)
from bench_lib.subjects.io.serve import SERVER_MODELS
from bench_lib.workers import workloads

# --- pure helpers ----------------------------------------------------------------------------


def test_percentile_interpolates_between_order_statistics() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([5.0, 5.0, 5.0], 99) == 5.0


@pytest.mark.parametrize("values, q", [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_rejects_nothing_and_out_of_range(values: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, q)


@pytest.mark.parametrize("power", [0.0, 1.0, 2.0])
def test_loglog_slope_recovers_the_power(power: float) -> None:
    points = [(n, 3e-6 * n**power) for n in (16, 128, 1024, 8192)]
    assert math.isclose(loglog_slope(points), power, abs_tol=1e-9)


def test_loglog_slope_of_two_points_is_exact() -> None:
    assert math.isclose(loglog_slope([(10, 1.0), (1000, 10.0)]), 0.5)


@pytest.mark.parametrize(
    "points", [[], [(10, 1.0)], [(10, 1.0), (10, 2.0)], [(0, 1.0), (5, 1.0)], [(1, 0.0), (2, 1.0)]]
)
def test_loglog_slope_needs_two_distinct_positive_points(points: list[tuple[float, float]]) -> None:
    with pytest.raises(ValueError):
        loglog_slope(points)


def test_checks_per_round_shrinks_with_descriptors_within_bounds() -> None:
    assert checks_per_round(1) == MAX_CHECKS
    assert checks_per_round(10**6) == MIN_CHECKS
    assert checks_per_round(16) >= checks_per_round(512) >= checks_per_round(4096)
    with pytest.raises(ValueError):
        checks_per_round(0)


def test_requests_carry_their_numbers_and_size() -> None:
    assert len(request(3, 7, 64)) == 64
    assert request(3, 7, 64) != request(3, 8, 64) != request(4, 7, 64)


def test_connection_limits_are_recorded_not_crashed() -> None:
    ok = io_servers.connection_limit("epoll", 1000, nofile=20000)
    if sys.platform.startswith("linux"):
        assert ok.reason is None  # epoll exists here: a refusal would hide its figures
    else:
        assert ok.reason is not None and "Linux" in ok.reason
    select = io_servers.connection_limit("select", 1000, nofile=20000).reason
    assert select is not None and "FD_SETSIZE" in select
    assert io_servers.connection_limit("select", 100, nofile=20000).reason is None
    procs = io_servers.connection_limit("processes", io_servers.MAX_PROCESS_CONNECTIONS + 1, 20000)
    assert procs.reason is not None and "capped" in procs.reason
    files = io_servers.connection_limit("threads", 1000, nofile=256).reason
    assert files is not None and "ulimit" in files


@pytest.mark.parametrize("model, connections", [("fibers", 10), ("threads", 0)])
def test_connection_limit_rejects_bad_parameters(model: str, connections: int) -> None:
    with pytest.raises(ValueError):
        io_servers.connection_limit(model, connections, nofile=20000)


def test_unknown_selector_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown selector"):
        selector_class("kqueue-please")


def test_raising_the_file_limit_never_lowers_it() -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert io_servers.raise_nofile_limit() >= before


# --- selector checks -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["select", "poll", "epoll"])
def test_descriptor_set_reports_exactly_the_ready_one(name: str) -> None:
    if name == "epoll" and not sys.platform.startswith("linux"):
        pytest.skip("epoll is Linux-only")
    descriptors = DescriptorSet(name, 32)  # on Linux every one of them must open
    with descriptors:
        descriptors.register()
        assert descriptors.check(5) == 5
        descriptors.ready.recv(1)  # nothing ready any more: every check is now wrong
        with pytest.raises(SelectorCheckError, match="5 of 5"):
            descriptors.check(5)


def test_descriptor_set_closes_what_it_opened() -> None:
    before = psutil.Process().num_fds()
    with DescriptorSet("poll", 100) as descriptors:
        assert psutil.Process().num_fds() >= before + 100
        assert descriptors.max_fd >= 100
    assert psutil.Process().num_fds() == before


# --- the client checks every echo ------------------------------------------------------------


@pytest.fixture
def fake_server() -> Iterator[Callable[[Callable[[bytes], bytes]], int]]:
    """A one-connection server thread in this process that answers with ``reply(data)``."""
    listeners: list[socket.socket] = []

    def start(reply: Callable[[bytes], bytes]) -> int:
        lsock = socket.create_server(("127.0.0.1", 0))
        listeners.append(lsock)

        def serve() -> None:
            conn, _ = lsock.accept()
            with conn:
                while data := conn.recv(65536):
                    answer = reply(data)
                    if not answer:
                        return
                    conn.sendall(answer)

        threading.Thread(target=serve, daemon=True).start()
        return int(lsock.getsockname()[1])

    yield start
    for lsock in listeners:
        lsock.close()


@pytest.mark.parametrize(
    "reply, message",
    [
        (lambda d: d[:-1] + b"?", "does not echo"),
        (lambda d: d + b"extra", "does not echo"),
        (lambda d: b"", "closed by the server"),
    ],
    ids=["corrupted", "too-long", "hung-up"],
)
def test_client_fails_on_a_wrong_reply(
    fake_server: Callable[[Callable[[bytes], bytes]], int],
    reply: Callable[[bytes], bytes],
    message: str,
) -> None:
    with ClientPool(fake_server(reply), 1, 64) as pool, pytest.raises(EchoError, match=message):
        pool.run_round(3)


def test_client_counts_and_times_every_checked_reply(
    fake_server: Callable[[Callable[[bytes], bytes]], int],
) -> None:
    with ClientPool(fake_server(lambda d: d), 1, 64) as pool:
        assert pool.run_round(4) == 4
        assert pool.completed == 4 and len(pool.latencies_s) == 4
        assert all(t > 0 for t in pool.latencies_s)


@pytest.mark.parametrize("connections, size", [(0, 64), (1, 4)])
def test_client_rejects_bad_parameters(connections: int, size: int) -> None:
    with pytest.raises(ValueError):
        ClientPool(1, connections, size)


# --- server children -------------------------------------------------------------------------


def _our_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.status() != "zombie"]


@pytest.mark.parametrize("model", ["threads", "processes", "asyncio", "poll"])
def test_servers_echo_and_leave_nothing_behind(model: str) -> None:
    before = {p.pid for p in _our_children()}
    with (
        io_servers.EchoServer(model, lifetime_s=60) as server,
        ClientPool(server.port, 3, 64) as pool,
    ):
        assert pool.run_round(5) == 15
        assert server.memory_bytes() > 2**20  # a Python interpreter does not fit in 1 MiB
        used = server.cpu_s()
        assert pool.run_round(5) == 15
        assert server.cpu_s() >= used  # a CPU-time counter only grows
        if model == "processes":
            assert len(server.tree()) == 1 + 3  # one forked process per connection
    assert {p.pid for p in _our_children()} <= before


def test_gevent_is_never_imported_by_the_test_process() -> None:
    if reason := io_servers.gevent_missing():
        pytest.skip(reason)
    with (
        io_servers.EchoServer("gevent", lifetime_s=60) as server,
        ClientPool(server.port, 2, 64) as pool,
    ):
        assert pool.run_round(3) == 6
    assert "gevent" not in sys.modules


def test_a_server_stops_by_itself_after_its_lifetime() -> None:
    server = io_servers.EchoServer("threads", lifetime_s=1)
    try:
        server.proc.wait(timeout=10)
    finally:
        server.stop()
    assert server.proc.returncode is not None


def test_a_child_that_fails_to_start_is_an_error() -> None:
    with pytest.raises(io_servers.ServerError, match="ended"):
        io_servers.Child("no-such-model", lifetime_s=5)
    with pytest.raises(ValueError, match="unknown model"):
        io_servers.EchoServer("no-such-model", lifetime_s=5)


def test_spawners_count_every_unit() -> None:
    assert io_spawn.threads(5) == 5
    with io_spawn.TaskSpawner() as tasks:
        assert tasks.spawn(50) == 50
    if io_servers.gevent_missing() is None:
        with io_spawn.GreenletSpawner(lifetime_s=60) as child:
            assert child.spawn(50) == 50 and child.spawn(0) == 0


# --- the benchmark file in smoke mode --------------------------------------------------------


@pytest.fixture(scope="module")
def io_smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, data, output = run_smoke(tmp_path_factory.mktemp("io"), "benchmarks/test_io.py")
    assert code == 0, output
    return data


def _cases(data: dict[str, Any], case: str) -> list[dict[str, Any]]:
    blocks = [b["extra_info"]["mpbench"] for b in data["benchmarks"]]
    return [m for m in blocks if m["case"] == case]


def test_smoke_echo_reports_rate_latency_cpu_and_memory(io_smoke: dict[str, Any]) -> None:
    echo = _cases(io_smoke, "echo")
    assert {m["params"]["model"] for m in echo} == set(SERVER_MODELS) - (
        {"gevent"} if io_servers.gevent_missing() else set()
    )
    for m in echo:
        assert m["figures"][0]["unit"] == "req/s"
        assert m["checks"] == {"every reply echoed": True}
        for name in ("latency_median_s", "latency_p99_s", "memory_per_connection_bytes"):
            assert name in m["metrics"], name
        assert m["metrics"]["latency_p99_s"]["value"] >= m["metrics"]["latency_median_s"]["value"]
        assert_cpu_use_adds_up(m)
        assert isinstance(m["info"]["client_bound"], bool)
        codes = {f["code"] for f in m["noise"]["flags"]}
        assert ("client-bound" in codes) == m["info"]["client_bound"]  # flagged where tables read


def test_smoke_selector_scaling_records_the_select_limit(io_smoke: dict[str, Any]) -> None:
    checks = _cases(io_smoke, "selector_check")
    assert {m["params"]["selector"] for m in checks} >= {"select", "poll"}
    assert all(m["figures"][0]["unit"] == "s" for m in checks)
    skipped = io_smoke["mpbench"]["skipped"]
    assert any("select-fds=2048" in s["test"] and "FD_SETSIZE" in s["reason"] for s in skipped)


def test_smoke_spawn_covers_greenlets_tasks_and_threads(io_smoke: dict[str, Any]) -> None:
    kinds = {m["params"]["kind"] for m in _cases(io_smoke, "task_spawn")}
    assert kinds >= {"asyncio_task", "thread"}
    assert io_smoke["mpbench"]["failures"] == []


def test_server_module_imports_only_the_standard_library() -> None:
    import subprocess

    code = (
        "import sys, bench_lib.subjects.io.serve, bench_lib.subjects.io.eventloop; "
        "print(sorted(m for m in ('gevent', 'psutil', 'pytest') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- client-bound rates are lower bounds; servers rank by server CPU per request ---------------


def _echo(model: str, rate: float, server_cpu_s: float, client_cores: float) -> dict[str, Any]:
    block: dict[str, Any] = {
        "subject": "io",
        "case": "echo",
        "params": {"model": model, "connections": 1000},
        "figures": [
            {"name": "requests", "unit": "req/s", "kind": "rate", "per_round": 2000}
            | {"median": rate, "ci_low": rate * 0.98, "ci_high": rate * 1.02, "n": 10}
        ],
        "metrics": {"server_cpu_per_request_s": {"value": server_cpu_s, "unit": "s"}},
        "info": {},
        "noise": {"flags": []},
        "rounds": 10,
    }
    io_bounds.mark(block, client_cores)
    name = f"test_echo[model={model}-connections=1000]"
    return {"name": name, "stats": {"median": 2000 / rate}, "extra_info": {"mpbench": block}}


def _run(*benchmarks: dict[str, Any]) -> dict[str, Any]:
    machine = {"usable_cores": 2, "machine_id": "test-machine", "python": "CPython 3.11"}
    return {"machine_info": {"mpbench": machine}, "benchmarks": list(benchmarks)}


README_CASE = (  # issue 12: every event-loop rate client-bound; README ranked poll over epoll
    _echo("poll", 121_000, 6e-6, 0.97),
    _echo("epoll", 101_000, 4e-6, 0.95),
    _echo("threads", 30_000, 25e-6, 0.40),
)


def test_a_busy_client_marks_the_rate_as_a_lower_bound_with_a_flag() -> None:
    block: dict[str, Any] = {"info": {}, "noise": {"flags": []}}
    assert io_bounds.mark(block, 0.95) and block["info"]["client_bound"] is True
    io_bounds.mark(block, 0.95)  # once, not twice
    assert [f["code"] for f in block["noise"]["flags"]] == ["client-bound"]
    assert "lower bound" in block["noise"]["flags"][0]["message"]
    idle: dict[str, Any] = {"info": {}, "noise": {"flags": []}}
    assert not io_bounds.mark(idle, 0.5) and idle["noise"]["flags"] == []
    assert io_bounds.lower_bound_names(_run(*README_CASE)) == {
        "test_echo[model=poll-connections=1000]",
        "test_echo[model=epoll-connections=1000]",
    }


def test_the_result_file_flags_exactly_the_client_bound_echo_rates() -> None:
    bound, free = _echo("epoll", 1.0, 1e-6, 0.5), _echo("threads", 1.0, 1e-6, 0.5)
    bound["extra_info"]["mpbench"]["info"]["client_bound"] = True  # as the benchmark records it
    bound["extra_info"]["mpbench"]["metrics"]["client_cores"] = {"value": 0.97, "unit": "cores"}
    other = {"extra_info": {"mpbench": {"subject": "gil", "case": "cpu_split", "info": {}}}}
    io_bounds.flag_lower_bounds([bound, free, other])
    io_bounds.flag_lower_bounds([bound])  # idempotent
    flags = bound["extra_info"]["mpbench"]["noise"]["flags"]
    assert [f["code"] for f in flags] == ["client-bound"] and "0.97 of a core" in flags[0][
        "message"
    ]
    assert free["extra_info"]["mpbench"]["noise"]["flags"] == []
    assert "noise" not in other["extra_info"]["mpbench"]


def test_sentences_rank_servers_by_server_cpu_and_say_at_least_for_client_bound_rates() -> None:
    lines = recommend.recommendations(_run(*README_CASE))
    ranking = [ln for ln in lines if "server CPU per request" in ln]
    assert len(ranking) == 1
    assert ranking[0].index("epoll") < ranking[0].index("poll 6") < ranking[0].index("threads")
    rates = [ln for ln in lines if "req/s" in ln]
    assert rates and all("at least" in ln for ln in rates)
    assert not any("x the" in ln and "req/s" in ln for ln in lines)  # no ranking by rate


def test_a_rate_the_client_did_not_cap_still_ranks_by_rate() -> None:
    lines = recommend.recommendations(
        _run(_echo("epoll", 50_000, 4e-6, 0.5), _echo("threads", 25_000, 9e-6, 0.5))
    )
    assert any("2.0x the threads server" in ln and "at least" not in ln for ln in lines)


def test_the_rate_chart_draws_lower_bounds_and_a_server_cpu_chart_ranks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: dict[str, list[str]] = {}

    def keep(fig: Any, out_dir: Path, chart: Any, ctx: Any, samples: str) -> Any:
        drawn[chart.stem] = [t for ax in fig.axes for t in ax.get_legend_handles_labels()[1]]
        return chart

    monkeypatch.setattr(charts_io, "finish", keep)
    data = _run(*README_CASE)
    ctx = RunContext("m", "CPython", "quick")
    charts_io.echo_rate(data, tidy.figures(data), tmp_path, ctx)
    charts_io.server_cpu(data, tidy.figures(data), tmp_path, ctx)
    assert charts_io.LOWER_BOUND_LABEL in drawn["io_echo_rate"]
    assert set(drawn["io_server_cpu"]) == {"poll() loop", "epoll loop", "a thread per connection"}


def test_client_cores_count_the_client_inside_its_rounds_not_the_harness_between() -> None:
    clock = io_bounds.RoundClock()
    nap = clock.timed(lambda: time.sleep(0.05))  # an idle client: waits on the server
    for _ in range(2):
        nap()
        workloads.spin(1, 300_000)  # the harness busy between rounds: not the client's
    assert clock.wall_s >= 0.1 and clock.cpu_s < clock.wall_s / 2
    assert not io_bounds.client_bound(clock.cores)
