"""Every recommendation rule, driven by synthetic result files; the sentences are read.

Each test builds the figures a rule needs with chosen numbers (several sizes, worker counts,
subjects), then checks the sentence's direction and numbers, and that the rule stays silent
when a figure it needs is missing.
"""

from __future__ import annotations

from typing import Any

import pytest
from synthetic_results import bench, run

from bench_lib.report import recommend


def advice(*benchmarks: dict[str, Any], cores: int = 2) -> list[str]:
    return recommend.recommendations(run(*benchmarks, cores=cores))


def one(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, (start, lines)
    return found[0]


SPAWN = (
    bench("spawn", "process_start", 1e-3, start="fork"),
    bench("spawn", "process_start", 4e-3, start="forkserver"),
    bench("spawn", "process_start", 30e-3, start="spawn"),
    bench("spawn", "thread_start", 50e-6),
    bench("spawn", "forkserver_boot", 40e-3),
    bench("spawn", "interpreter", 20e-3, python="site"),
)


def test_spawn_sentences_read_ratios_the_right_way_round() -> None:
    lines = advice(*SPAWN)
    assert one(lines, "fork starts") == (
        "fork starts a process 30x faster than spawn here (1.00 ms vs 30.0 ms)."
    )
    assert one(lines, "A thread starts") == (
        "A thread starts 20x faster than the fastest process (fork, 1.00 ms): "
        "use threads for I/O-bound work."
    )
    assert one(lines, "forkserver pays") == (
        "forkserver pays 40.0 ms once to boot its server, then 4.00 ms per start."
    )
    assert one(lines, "spawn costs") == (
        "spawn costs 1.5x a plain `python -c pass` (20.0 ms): most of it is starting Python itself."
    )


def test_the_fastest_process_is_named_whichever_method_it_is() -> None:
    lines = advice(
        bench("spawn", "process_start", 9e-3, start="fork"),
        bench("spawn", "process_start", 3e-3, start="forkserver"),
        bench("spawn", "thread_start", 1e-4),
    )
    assert one(lines, "A thread starts").startswith(
        "A thread starts 30x faster than the fastest process (forkserver, 3.00 ms)"
    )
    assert not any(line.startswith("fork starts") for line in lines)  # no spawn figure


def test_spawn_rules_stay_silent_without_their_figures() -> None:
    assert advice(bench("spawn", "forkserver_boot", 40e-3)) == []
    assert advice(bench("spawn", "process_start", 1e-3, start="fork")) == []


def test_fork_memory_rule_gives_the_slope_per_gib() -> None:
    memory = [
        bench("spawn", "fork_memory", 1e-3 + 10e-3 * mib / 1024, mib=mib, how="process")
        for mib in (0, 256, 1024)
    ] + [bench("spawn", "fork_memory", 0.5e-3, mib=mib, how="raw") for mib in (0, 1024)]
    line = one(advice(*memory), "Each GiB")
    slope_ms = float(line.split(" adds ")[1].split(" ms ")[0])  # a fitted slope: 10 ms per GiB
    assert slope_ms == pytest.approx(10.0, rel=1e-5)
    assert line.endswith(
        " ms to a fork start (page tables); start workers before loading big data."
    )


def test_fork_memory_rule_needs_two_sizes() -> None:
    single = bench("spawn", "fork_memory", 1e-3, mib=0, how="process")
    assert not any(line.startswith("Each GiB") for line in advice(single))


def test_locks_sentences() -> None:
    lines = advice(
        bench("locks", "contention", 2e5, "acq/s", primitive="lock", workers=4),
        bench("locks", "contention", 8e5, "acq/s", primitive="lock", workers=1),
        bench("locks", "contention", 2e4, "acq/s", primitive="manager_lock", workers=1),
        bench("locks", "lost_updates", 1.0, metrics={"lost_fraction": 0.37}, locked=False),
        bench("locks", "torn_lines", 1.0, metrics={"torn_lines": 12.0}, locked=False),
        cores=4,
    )
    assert one(lines, "4 processes") == (
        "4 processes fighting over a multiprocessing.Lock get 200 k acq/s together, "
        "0.25x one process alone (800 k acq/s)."
    )
    assert one(lines, "A Manager().Lock()").startswith("A Manager().Lock() is 40x slower than")
    assert one(lines, "Without a lock").startswith(
        "Without a lock, concurrent `value += 1` on a shared Value lost 37% of the increments"
    )
    assert one(lines, "Ten processes").startswith("Ten processes printing without a lock tore 12")


def test_the_contention_sentence_needs_more_than_one_core() -> None:
    lines = advice(
        bench("locks", "contention", 8e5, "acq/s", primitive="lock", workers=1),
        cores=1,
    )
    assert lines == []


def test_pool_sentences() -> None:
    lines = advice(
        bench("pool", "task_overhead", 50e-6, api="map_chunk1", pool="process"),
        bench("pool", "task_overhead", 2e-6, api="map", pool="process"),
        bench("pool", "task_overhead", 80e-6, api="apply", pool="process"),
        bench("pool", "task_overhead", 10e-6, api="apply_async", pool="process"),
        bench("pool", "pool_start", 5e-3, start="fork", pool="pool"),
        bench("pool", "pool_start", 90e-3, start="spawn", pool="pool"),
        cores=8,
    )
    assert one(lines, "Pool.map") == (
        "Pool.map with chunksize 1 costs 50.0 us per task; the default chunking 2.00 us: "
        "keep the chunks."
    )
    assert one(lines, "apply waits") == (
        "apply waits for each result (80.0 us per task); apply_async keeps the pool busy "
        "(10.0 us per task)."
    )
    assert one(lines, "A Pool of 8") == (
        "A Pool of 8 workers is ready (every worker answered) in 5.00 ms with fork, "
        "90.0 ms with spawn: build it once and reuse it."
    )


def _split(mode: str, n: int, speedup: float, cores_used: float | None = None) -> dict[str, Any]:
    derived: dict[str, Any] = {"speedup": speedup, "parallelism": n}
    if cores_used is not None:
        derived["effective_cores"] = cores_used
    return bench("gil", "cpu_split", 1.0 / speedup, derived=derived, mode=mode, n=n)


def test_gil_sentence_gives_both_speedups_and_the_side_step() -> None:
    lines = advice(
        _split("thread", 4, 0.95, 1.0),
        _split("process", 4, 3.6, 3.9),
        _split("thread", 2, 0.98),  # not N = cores: not the headline
        cores=4,
    )
    assert one(lines, "CPU-bound") == (
        "CPU-bound Python on 4 cores: threads 0.95x, processes 3.60x "
        "(they kept 1.00 and 3.90 cores busy): the side-step factor is 3.79x."
    )


def test_gil_sentence_without_cpu_use_and_without_a_mode() -> None:
    line = one(advice(_split("thread", 2, 1.0), _split("process", 2, 1.8)), "CPU-bound")
    assert line == (
        "CPU-bound Python on 2 cores: threads 1.00x, processes 1.80x: "
        "the side-step factor is 1.80x."
    )
    assert advice(_split("thread", 2, 1.0)) == []


def test_an_impossible_speedup_silences_the_gil_sentence() -> None:
    flagged = bench(
        "gil", "cpu_split", 0.3, derived={"speedup": 2.9}, flags=("impossible",),
        mode="process", n=2,
    )  # fmt: skip
    assert advice(_split("thread", 2, 1.0), flagged) == []


def _stream(channel: str, size: int, rate: float, **extra: Any) -> dict[str, Any]:
    return bench("ipc", "stream", rate, "msg/s", channel=channel, size=size, **extra)


def test_ipc_sentences_at_the_smallest_and_largest_sizes() -> None:
    mib = 2**20
    lines = advice(
        _stream("pipe_simplex", 64, 300_000.0),
        _stream("queue", 64, 100_000.0),
        _stream("pipe_simplex", mib, 1_000.0),
        _stream("queue", mib, 900.0, floor={"case": "os_pipe", "median": 1200.0, "ratio": 0.75}),
        _stream("shared_memory", mib, 5_000.0),
        _stream("pipe", mib, 1_000.0),
    )
    assert one(lines, "Pipe(duplex=False)") == (
        "Pipe(duplex=False).send_bytes moves 64-byte messages 3.0x faster than a Queue "
        "(300 k msg/s vs 100 k msg/s)."
    )
    assert one(lines, "At 1 MiB a Queue") == "At 1 MiB a Queue reaches 75% of a raw os.pipe."
    assert one(lines, "For 1 MiB payloads") == (
        "For 1 MiB payloads shared memory is 5.0x a Pipe: it skips pushing the bytes "
        "through the kernel."
    )


def test_the_shared_memory_sentence_needs_a_mebibyte() -> None:
    lines = advice(
        _stream("shared_memory", 65536, 5_000.0),
        _stream("pipe", 65536, 1_000.0),
        _stream("queue", 64, 1_000.0),
    )
    assert not any("shared memory" in line for line in lines)


def test_ipc_compares_at_one_placement_cross_core_first() -> None:
    lines = advice(
        _stream("pipe_simplex", 64, 400_000.0, placement="same_core"),
        _stream("queue", 64, 100_000.0, placement="same_core"),
        _stream("pipe_simplex", 64, 200_000.0, placement="cross_core"),
        _stream("queue", 64, 100_000.0, placement="cross_core"),
    )
    assert "2.0x faster than a Queue" in one(lines, "Pipe(duplex=False)")


def test_the_placement_sentence_names_the_faster_placement() -> None:
    def raw(size: int, where: str, rate: float) -> dict[str, Any]:
        return bench("ipc", "os_pipe", rate, "msg/s", size=size, placement=where)

    lines = advice(
        _stream("queue", 64, 1.0),
        raw(64, "same_core", 3e5), raw(64, "cross_core", 1e5),
        raw(65536, "same_core", 1e4), raw(65536, "cross_core", 4e4),
        raw(2**20, "cross_core", 1e3),  # measured one way only: not compared
    )  # fmt: skip
    assert one(lines, "Placement matters") == (
        "Placement matters: 64 KiB messages over a raw os.pipe move 4.0x faster with both "
        "processes on two cores than on one core (pinned); compare IPC figures at one "
        "placement only."
    )


def test_the_manager_round_trip_is_compared_with_the_fastest_channel() -> None:
    def ping(channel: str, rtt: float) -> dict[str, Any]:
        return bench("ipc", "ping_pong", rtt, channel=channel, size=64)

    lines = advice(
        _stream("queue", 64, 1.0), ping("pipe", 20e-6), ping("queue", 60e-6),
        ping("manager_queue", 200e-6),
    )  # fmt: skip
    assert one(lines, "A Manager queue") == (
        "A Manager queue round trip takes 200 us, 10x the fastest channel (pipe)."
    )


def test_io_selector_and_task_sentences() -> None:
    lines = advice(
        bench("io", "selector_check", 1e-6, selector="epoll", fds=1000),
        bench("io", "selector_check", 80e-6, selector="poll", fds=1000),
        bench("io", "selector_check", 1e-6, selector="poll", fds=10),
        bench("io", "task_spawn", 1e-6, kind="greenlet"),
        bench("io", "task_spawn", 5e-6, kind="asyncio_task"),
        bench("io", "task_spawn", 60e-6, kind="thread"),
    )
    assert one(lines, "With 1000 idle") == (
        "With 1000 idle descriptors one poll() check costs 80.0 us, epoll 1.00 us: "
        "use selectors.DefaultSelector."
    )
    assert one(lines, "Starting a greenlet") == (
        "Starting a greenlet costs 1.00 us, an asyncio task 5.00 us, a thread 60.0 us."
    )


def _echo(model: str, rate: float, cpu_s: float, bound: bool, connections: int = 100) -> Any:
    return bench(
        "io", "echo", rate, "req/s", metrics={"server_cpu_per_request_s": cpu_s},
        flags=("client-bound",) if bound else (), model=model, connections=connections,
    )  # fmt: skip


def test_echo_rate_and_rank_when_the_client_was_not_the_limit() -> None:
    lines = advice(
        _echo("epoll", 50_000.0, 10e-6, False),
        _echo("threads", 20_000.0, 40e-6, False),
        _echo("epoll", 90_000.0, 5e-6, False, connections=1),  # fewer connections: ignored
    )
    assert one(lines, "At 100 connections, ranked") == (
        "At 100 connections, ranked by server CPU per request (which the client cannot cap): "
        "epoll 10.0 us, threads 40.0 us; the threads server burns 4.0x the epoll server's "
        "CPU per request."
    )
    assert one(lines, "At 100 connections the") == (
        "At 100 connections the epoll server answered 50.0 k req/s, 2.5x the threads server "
        "(20.0 k req/s)."
    )


def test_a_client_bound_best_rate_is_a_lower_bound_not_a_ranking() -> None:
    lines = advice(
        _echo("poll", 60_000.0, 6e-6, True),
        _echo("epoll", 55_000.0, 4e-6, True),
        _echo("threads", 20_000.0, 25e-6, False),
    )
    assert one(lines, "At 100 connections the") == (
        "At 100 connections the poll server answered at least 60.0 k req/s: the one-thread "
        "client was the limit (so were epoll), so these rates are lower bounds and do not "
        "rank the servers."
    )


def test_a_client_bound_slowest_rate_says_at_least() -> None:
    lines = advice(_echo("epoll", 60_000.0, 6e-6, False), _echo("poll", 30_000.0, 4e-6, True))
    assert "(at least 30.0 k req/s)" in one(lines, "At 100 connections the")


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_an_empty_run_gives_no_advice(cores: int) -> None:
    assert recommend.recommendations(run(cores=cores)) == []


@pytest.mark.parametrize(
    ("present", "start"),
    [
        (bench("spawn", "interpreter", 20e-3, python="site"), "spawn costs"),
        (bench("spawn", "process_start", 3e-2, start="spawn"), "spawn costs"),
        (bench("pool", "task_overhead", 50e-6, api="map_chunk1", pool="process"), "Pool.map"),
        (bench("pool", "task_overhead", 2e-6, api="map", pool="process"), "Pool.map"),
        (bench("pool", "task_overhead", 80e-6, api="apply", pool="process"), "apply waits"),
        (bench("pool", "task_overhead", 9e-6, api="apply_async", pool="process"), "apply waits"),
        (bench("pool", "pool_start", 5e-3, start="fork", pool="pool"), "A Pool of"),
        (bench("pool", "pool_start", 90e-3, start="spawn", pool="pool"), "A Pool of"),
        (bench("io", "selector_check", 1e-6, selector="epoll", fds=1000), "With 1000"),
        (bench("io", "selector_check", 8e-5, selector="poll", fds=1000), "With 1000"),
    ],
)
def test_a_two_figure_sentence_needs_both_figures(present: dict[str, Any], start: str) -> None:
    assert not any(line.startswith(start) for line in advice(present))


def test_echo_rules_need_connections_and_two_servers() -> None:
    assert advice(bench("io", "echo", 5e4, "req/s", model="epoll")) == []  # no connections axis
    lone = advice(_echo("epoll", 50_000.0, 10e-6, False))
    assert not any("ranked by server CPU" in line for line in lone)  # one server: no ranking
    assert one(lone, "At 100 connections the").startswith("At 100 connections the epoll server")
    free = advice(_echo("epoll", 5e4, 0.0, False), _echo("threads", 2e4, 0.0, False))
    assert not any("ranked by server CPU" in line for line in free)  # no CPU measured


def test_gil_sentence_needs_both_cpu_readings_for_the_cores_clause() -> None:
    line = one(advice(_split("thread", 2, 1.0, 1.0), _split("process", 2, 1.8)), "CPU-bound")
    assert "they kept" not in line


def test_fork_memory_rule_with_exactly_two_sizes() -> None:
    two = [
        bench("spawn", "fork_memory", 1e-3 + 2e-3 * mib / 1024, mib=mib, how="process")
        for mib in (0, 512)
    ]
    line = one(advice(*two), "Each GiB")
    assert float(line.split(" adds ")[1].split(" ms ")[0]) == pytest.approx(2.0, rel=1e-5)


def test_the_contention_sentence_on_two_cores() -> None:
    lines = advice(
        bench("locks", "contention", 3e5, "acq/s", primitive="lock", workers=2),
        bench("locks", "contention", 6e5, "acq/s", primitive="lock", workers=1),
        cores=2,
    )
    assert one(lines, "2 processes").startswith("2 processes fighting over a multiprocessing.Lock")
    assert "0.50x one process alone" in one(lines, "2 processes")


def test_rules_stay_silent_without_their_axes() -> None:
    no_n = bench("gil", "cpu_split", 1.0, derived={"speedup": 1.0}, mode="thread")
    assert advice(no_n) == []
    no_size = bench("ipc", "stream", 1e5, "msg/s", channel="queue")
    assert advice(no_size) == []


def test_the_manager_sentence_needs_a_manager_queue() -> None:
    lines = advice(
        _stream("queue", 64, 1.0),
        bench("ipc", "ping_pong", 20e-6, channel="pipe", size=64),
    )
    assert not any(line.startswith("A Manager queue") for line in lines)


def test_the_placement_sentence_needs_both_medians() -> None:
    lines = advice(
        _stream("queue", 64, 1.0),
        bench("ipc", "os_pipe", 0.0, "msg/s", size=64, placement="same_core"),
        bench("ipc", "os_pipe", 1e5, "msg/s", size=64, placement="cross_core"),
    )
    assert not any(line.startswith("Placement matters") for line in lines)


def test_io_rules_without_their_axes_stay_silent() -> None:
    no_connections = bench(
        "io", "echo", 5e4, "req/s", metrics={"server_cpu_per_request_s": 1e-5}, model="epoll"
    )
    assert advice(no_connections) == []
    no_fds = bench("io", "selector_check", 1e-6, selector="epoll")
    assert advice(no_fds) == []
