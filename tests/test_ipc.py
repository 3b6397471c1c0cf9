"""IPC subject: parameter errors, message checks, calibration, loss/corruption detection, memory
bounds, and the benchmark file in smoke mode. No timing thresholds."""

from __future__ import annotations

import multiprocessing
import os
import signal
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import run_smoke

from bench_lib.subjects.ipc import channels as ipc_channels
from bench_lib.subjects.ipc import floors as ipc_floors
from bench_lib.subjects.ipc import peers as ipc_peers
from bench_lib.subjects.ipc import pingpong as ipc_pingpong
from bench_lib.subjects.ipc import proxies as ipc_proxies
from bench_lib.subjects.ipc import stream as ipc_stream
from bench_lib.subjects.ipc import workloads as ipc_workloads
from bench_lib.subjects.ipc.channels import MessageCheck, MiB
from bench_lib.subjects.ipc.interp_sessions import FLOOR_OF as INTERP_FLOOR_OF
from bench_lib.subjects.ipc.interp_sessions import INTERP_CHANNELS
from bench_lib.workers import placement

FLOORS = {**ipc_channels.FLOOR_OF, **INTERP_FLOOR_OF}  # every channel's floor

START = multiprocessing.get_all_start_methods()[0]
CTX = multiprocessing.get_context(START)


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "carrier_pigeon"}, "unknown channel 'carrier_pigeon'; choose one of: pipe"),
        ({"size": 0}, "message size 0 B is out of range"),
        ({"size": 7}, "use 8 B .. 256 MiB"),
        ({"size": 512 * MiB}, "out of range"),
        ({"payload": "json"}, "unknown payload 'json'"),
        ({"payload": "objects", "size": 16 * MiB}, "objects payload of 16777216 B is too big"),
        ({"channel": "pipe", "producers": 2}, "2 producers on 'pipe': it takes 1 .. 1"),
        ({"channel": "shared_memory", "producers": 3}, "use a queue for fan-in"),
        ({"channel": "queue", "producers": 0}, "0 producers on 'queue'"),
        ({"channel": "queue", "producers": 10_000}, "it takes 1 .. 256"),
        ({"channel": "shared_memory", "ping_pong": True}, "no ping-pong over 'shared_memory'"),
    ],
)
def test_bad_parameters_get_a_one_line_error(kwargs: dict[str, Any], message: str) -> None:
    params: dict[str, Any] = {"channel": "queue", "payload": "bytes", "size": 64, **kwargs}
    with pytest.raises(ValueError, match=message) as info:
        ipc_channels.check_params(**params)
    assert "\n" not in str(info.value)


def test_sessions_refuse_bad_parameters_before_starting_a_process() -> None:
    before = len(psutil.Process().children())
    with pytest.raises(ValueError, match="unknown channel"):
        ipc_stream.StreamSession(CTX, "nope", "bytes", 64)
    with pytest.raises(ValueError, match="out of range"):
        ipc_pingpong.PingPongSession(CTX, "os_pipe", 0)
    with pytest.raises(ValueError, match="unknown fault"):
        ipc_stream.StreamSession(CTX, "queue", "bytes", 64, fault="fire")
    with pytest.raises(ValueError, match="unknown proxy operation 'pop'"):
        ipc_proxies.ProxySession(CTX, "pop", 1)
    with pytest.raises(ValueError, match="0 workers"):
        ipc_proxies.ProxySession(CTX, "value", 0)
    assert len(psutil.Process().children()) == before


def test_every_channel_is_described_and_fan_in_only_on_queues() -> None:
    fan_in = {name for name, c in ipc_channels.CHANNELS.items() if c.producers is None}
    assert fan_in == {"queue", "simple_queue", "joinable_queue", "manager_queue"}
    assert all(c.what for c in ipc_channels.CHANNELS.values())


@pytest.mark.parametrize(
    ("size", "depth"), [(64, 1024), (64 * 1024, 1024), (1 * MiB, 64), (16 * MiB, 4), (256 * MiB, 2)]
)
def test_queue_depth_keeps_in_flight_bytes_bounded(size: int, depth: int) -> None:
    assert ipc_channels.queue_depth(size) == depth


def test_ipc_workloads_import_stays_lean() -> None:
    """spawn children import the ipc workloads: they must not load the heavy libraries."""
    import subprocess
    import sys

    code = (
        "import sys, bench_lib.subjects.ipc.workloads; "
        "print(sorted(m for m in ('pytest', 'psutil', 'pandas', 'matplotlib', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- payloads and message checks -----------------------------------------------------------


@pytest.mark.parametrize("size", [8, 64, 64 * 1024])
def test_bytes_messages_have_the_asked_size(size: int) -> None:
    body = ipc_workloads.ipc_body("bytes", size)
    message = ipc_workloads.ipc_message("bytes", body, 12345)
    assert len(message) == size
    assert ipc_channels.seq_of("bytes", message) == 12345


@pytest.mark.parametrize("size", [64, 64 * 1024, 1 * MiB])
def test_object_messages_pickle_to_about_the_asked_size(size: int) -> None:
    import pickle

    message = ipc_workloads.ipc_message("objects", ipc_workloads.ipc_body("objects", size), 2**40)
    pickled = len(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
    assert abs(pickled - size) <= max(32, size // 20)


def _check(payload: str, messages: list[Any], expected: range) -> list[str]:
    check = MessageCheck(payload, ipc_workloads.ipc_body(payload, 256), expected)
    for m in messages:
        check.accept(m)
    return check.finish()


@pytest.mark.parametrize("payload", ["bytes", "objects"])
def test_intact_messages_in_any_order_pass(payload: str) -> None:
    body = ipc_workloads.ipc_body(payload, 256)
    messages = [ipc_workloads.ipc_message(payload, body, s) for s in (3, 1, 2, 0)]
    assert _check(payload, messages, range(4)) == []


@pytest.mark.parametrize("payload", ["bytes", "objects"])
@pytest.mark.parametrize("fault", ipc_workloads.IPC_FAULTS)
def test_damaged_messages_are_reported(payload: str, fault: str) -> None:
    body = ipc_workloads.ipc_body(payload, 256)
    messages = [ipc_workloads.ipc_message(payload, body, s) for s in range(4)]
    messages[0] = ipc_workloads.ipc_damaged(payload, messages[0], fault, stray_seq=4)
    problems = _check(payload, messages, range(4))
    expected = "lost, first seq=[0]" if fault == "lose" else "seq=0 arrived corrupted"
    assert any(expected in p for p in problems), problems


def test_missing_repeated_and_malformed_messages_are_reported() -> None:
    body = ipc_workloads.ipc_body("bytes", 256)
    one = ipc_workloads.ipc_message("bytes", body, 1)
    wrong_body = ipc_workloads.ipc_message("bytes", b"x" * len(body), 2)
    problems = _check("bytes", [one, one, wrong_body, 42], range(3))
    text = " | ".join(problems)
    assert "repeated message seq=1" in text
    assert "seq=2 arrived corrupted" in text
    assert "is not a message" in text
    assert "1 message(s) lost, first seq=[0]" in text


# --- calibration ------------------------------------------------------------------------------


def test_calibrate_scales_to_the_target_and_drops_the_warm_up() -> None:
    seen: list[int] = []

    def timed(n: int) -> float:
        seen.append(n)
        return n * 1e-4 if len(seen) > 1 else 10.0  # the cold first round is very slow

    assert ipc_peers.calibrate(timed, 0.01, start=4) == 100
    assert seen[0] == 4


@pytest.mark.parametrize(
    ("target", "elapsed", "expected"), [(0.0, 1e-3, 3), (0.01, 0.0, 1000), (0.01, 1.0, 3)]
)
def test_calibrate_edges(target: float, elapsed: float, expected: int) -> None:
    assert (
        ipc_peers.calibrate(lambda n: elapsed, target, start=8, minimum=3, limit=1000) == expected
    )


def test_calibrate_rejects_impossible_bounds() -> None:
    with pytest.raises(ValueError, match="bad calibration bounds"):
        ipc_peers.calibrate(lambda n: 1.0, 0.01, start=1, minimum=5, limit=2)


def test_split_spreads_messages_evenly() -> None:
    assert ipc_stream._split(10, 3) == [4, 3, 3]
    assert ipc_stream._split(2, 4) == [1, 1, 0, 0]
    with pytest.raises(ValueError):
        ipc_stream._split(5, 0)


def test_latency_percentiles_skip_warm_up_rounds() -> None:
    session = ipc_pingpong.PingPongSession(CTX, "pipe", 64)
    session.trips_s = [[1.0] * 10, [float(i) * 1e-6 for i in range(1, 101)]]
    median, p99, n = session.latency_us(skip_rounds=1)
    assert n == 100
    assert median == pytest.approx(50.5)
    assert p99 == pytest.approx(99.01)
    with pytest.raises(ValueError, match="no measured round trips"):
        session.latency_us(skip_rounds=2)


# --- real processes ---------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["pipe_simplex", "queue", "joinable_queue", "shared_memory"])
@pytest.mark.parametrize("fault", ipc_workloads.IPC_FAULTS)
def test_a_lost_or_corrupted_message_is_detected_across_processes(channel: str, fault: str) -> None:
    with ipc_stream.StreamSession(CTX, channel, "bytes", 64, fault=fault) as session:
        session.run(8)
    assert session.problems, f"{fault} on {channel} went unnoticed"


@pytest.mark.parametrize("producers", [1, 3])
def test_fan_in_delivers_every_message_once(producers: int) -> None:
    with ipc_stream.StreamSession(CTX, "simple_queue", "objects", 256, producers) as session:
        session.run(20)
        session.run(7)
    assert session.problems == []
    assert len(session.peers.peak_rss_b) == producers
    assert session.next_seq == 27


def test_floors_and_ping_pong_check_their_data() -> None:
    for session in (
        ipc_floors.RawStream(CTX, 4096),
        ipc_floors.RawStream(CTX, 4096, "socketpair"),
        ipc_floors.MemcpyFloor(CTX, 4096),
        ipc_pingpong.PingPongSession(CTX, "os_pipe", 4096),
        ipc_pingpong.PingPongSession(CTX, "simple_queue", 64),
    ):
        with session:
            session.run(5)
        assert session.problems == []


def test_ping_pong_reports_an_echo_that_differs() -> None:
    with ipc_pingpong.PingPongSession(CTX, "pipe", 64) as session:
        real_recv = session.recv
        session.recv = lambda: real_recv()[:-1] + b"?"
        session.run(3)
        session.recv = real_recv
    assert session.problems == ["3 of 3 echoes differ from what was sent"]


def test_proxy_session_detects_a_list_that_does_not_add_up() -> None:
    with ipc_proxies.ProxySession(CTX, "list_append", 2) as session:
        session.run(5)
        assert session.problems() == []
        session.shared.append(1)  # an item no worker appended
        assert "list holds 11 items" in session.problems()[0]


@pytest.mark.parametrize("op", list(ipc_proxies.PROXY_OPS))
def test_local_ops_floor_reads_back_its_writes(op: str) -> None:
    local = ipc_proxies.LocalOps(op)
    local.run(100)
    assert local.mismatches == 0


def test_a_16_mib_round_times_four_messages_after_one_primed_off_the_clock() -> None:
    with ipc_stream.StreamSession(CTX, "pipe_simplex", "bytes", 16 * MiB) as session:
        messages = session.calibrate(0.001, 16 * MiB)  # a target far below one message
        assert messages == ipc_stream.MIN_STREAM_MESSAGES
        assert session.timed_messages == messages - 1 >= 4
        session.prime()  # the engine's setup: off the clock
        assert session.pending is not None
        left, _, check = session.pending
        assert check.count == 1  # built, sent and received before the clock starts
        assert left == session.timed_messages
        session.round()
    assert session.problems == []


def test_the_memcpy_floor_checks_its_copy_once_when_it_closes() -> None:
    with ipc_floors.MemcpyFloor(CTX, 4096) as session:
        session.run(5)
        session.dst[0] ^= 0xFF  # the rounds themselves compare nothing
        assert session.problems == []
    assert session.problems == ["the copy differs from its source"]


# --- deadlines: a dead or blocked peer never hangs the run (issue 13) ------------------------

STOP_BOUND_S = 3.0  # generous: stop grants 0.5 s, then SIGTERM and SIGKILL 0.2 s each


def test_a_peer_killed_during_calibration_fails_it_with_the_reason() -> None:
    with ipc_stream.StreamSession(CTX, "queue", "bytes", 64) as session:
        (producer,) = session.peers.procs
        real, rounds = session.timed, []

        def timed(n: int) -> float:
            if len(rounds) == 2:  # between two calibration rounds
                os.kill(producer.pid, signal.SIGKILL)
            rounds.append(n)
            return real(n)

        session.timed = timed  # type: ignore[method-assign]
        start = time.monotonic()
        with pytest.raises(ipc_peers.PeerDied, match=r"calibration: peer 0 .* killed by signal 9"):
            session.calibrate(0.01, 64)
        assert time.monotonic() - start < ipc_peers.CALIBRATION_TIMEOUT_S


def test_a_peer_killed_before_a_round_is_primed_fails_it() -> None:
    with ipc_floors.RawStream(CTX, 4096) as session:
        os.kill(session.peers.procs[0].pid, signal.SIGKILL)
        with pytest.raises(ipc_peers.PeerDied, match=r"priming a round: .*killed by signal 9"):
            session.prime()


@pytest.mark.parametrize("channel", ["pipe_simplex", "queue", "manager_queue"])
def test_stop_is_bounded_when_the_producer_is_blocked_on_a_full_channel(channel: str) -> None:
    session = ipc_stream.StreamSession(CTX, channel, "bytes", 1 * MiB)
    session.__enter__()
    procs = list(session.peers.procs)
    session.peers.go([("go", 0, 200, None)])  # 200 MiB: far more than the channel holds
    time.sleep(0.3)  # nobody reads: the producer blocks
    start = time.monotonic()
    session.__exit__(None, None, None)
    assert time.monotonic() - start < STOP_BOUND_S
    assert not any(p.is_alive() for p in procs)


COPIES_ALLOWED = 12  # queue depth 4 + the body + one message being built, pickled, received...


def test_a_16_mib_stream_holds_only_a_few_copies() -> None:
    size = 16 * MiB
    base = psutil.Process().memory_info().rss  # a fork child starts with the parent's pages
    with ipc_stream.StreamSession(CTX, "queue", "bytes", size) as session:
        session.run(12)  # three times the queue depth
    assert session.problems == []
    (child_peak,) = session.peers.peak_rss_b
    assert child_peak - base < COPIES_ALLOWED * size, (child_peak - base) / size


def test_peak_rss_window_sees_a_new_allocation() -> None:
    peak = ipc_peers.parent_rss_window()
    before = peak()
    block = bytearray(64 * MiB)
    block[::4096] = b"\x01" * len(range(0, len(block), 4096))
    assert peak() >= before + 32 * MiB
    del block


# --- the benchmark file -----------------------------------------------------------------------

FAULTY_BENCHMARK = """
import multiprocessing
import pytest
from bench_lib.subjects.ipc import stream as ipc_stream
from bench_lib.engine.bench import Figure

@pytest.mark.parametrize("fault", ["lose", "corrupt"])
def test_faulty(mpbench, fault):
    ctx = multiprocessing.get_context(multiprocessing.get_all_start_methods()[0])
    with ipc_stream.StreamSession(ctx, "queue", "bytes", 64, fault=fault) as session:
        mpbench.measure(session.round, figures=[Figure("messages", "msg/s", "rate", 4)])
    mpbench.check("every message arrived intact", not session.problems, "; ".join(session.problems))
"""


def test_a_benchmark_that_loses_or_corrupts_a_message_fails(tmp_path: Path) -> None:
    bench = tmp_path / "test_faulty_ipc.py"
    bench.write_text(textwrap.dedent(FAULTY_BENCHMARK))
    code, data, output = run_smoke(tmp_path, str(bench))
    assert code != 0, output
    failures = data["mpbench"]["failures"]
    assert len(failures) == 2, failures
    reasons = " ".join(f["reason"] for f in failures)
    assert "message(s) lost" in reasons
    assert "arrived corrupted" in reasons


def test_smoke_runs_every_case_with_its_figures_floors_and_checks(
    ipc_smoke: dict[str, Any],
) -> None:
    blocks = [b["extra_info"]["mpbench"] for b in ipc_smoke["benchmarks"]]
    cases = {m["case"] for m in blocks}
    assert cases == {
        "stream", "stream_objects", "fan_in", "os_pipe", "socketpair", "memcpy",
        "ping_pong", "manager_proxy", "proxy_local",
    }  # fmt: skip
    channels = {m["params"]["channel"] for m in blocks if m["case"] == "stream"}
    assert channels - set(INTERP_CHANNELS) == set(ipc_channels.CHANNELS)
    for m in blocks:
        assert m["checks"], m  # each case records what it verified
        units = [f["unit"] for f in m["figures"]]
        if m["case"] in ("stream", "stream_objects", "fan_in", "os_pipe", "socketpair", "memcpy"):
            assert units == ["msg/s", "B/s"]
        if m["case"] not in ("memcpy", "proxy_local"):
            assert "peak_rss_parent_bytes" in m["metrics"]
        if m["case"] not in ("memcpy", "proxy_local") and not _in_process(m):
            assert m["metrics"]["peak_rss_child_bytes"]["value"] > 0
        if m["floor"] is not None:
            assert m["floor"]["median"] is not None, f"floor of {m['case']} {m['params']} missing"
    pings = [m for m in blocks if m["case"] == "ping_pong"]
    assert {m["params"]["channel"] for m in pings} >= {"pipe", "queue", "os_pipe"}
    for m in pings:
        assert m["figures"][0]["unit"] == "s"
        assert 0 < m["metrics"]["rtt_median_us"]["value"] <= m["metrics"]["rtt_p99_us"]["value"]
    in_process = ("memcpy", "proxy_local")
    assert all("start_method" in m["info"] for m in blocks if m["case"] not in in_process)


def test_every_figure_is_bounded_by_its_raw_transport_at_its_size_and_placement(
    ipc_smoke: dict[str, Any],
) -> None:
    blocks = [b["extra_info"]["mpbench"] for b in ipc_smoke["benchmarks"]]
    bounded = [m for m in blocks if m["case"] in ("stream", "stream_objects", "fan_in")]
    measured = {m["params"]["channel"] for m in bounded}
    assert measured - set(INTERP_CHANNELS) == set(ipc_channels.CHANNELS)
    for m in bounded:
        p, floor = m["params"], m["floor"]
        size = p.get("size", 64)  # fan-in moves 64 B messages
        raw = FLOORS[p["channel"]]
        assert floor["case"] == raw, (p, floor)
        if raw == ipc_channels.MEMCPY:
            assert floor["params"] == {"size": size}
        else:
            assert floor["params"] == {
                "start": p["start"],
                "size": size,
                "placement": p["placement"],
            }
        assert floor["median"] is not None
    pings = [m for m in blocks if m["case"] == "ping_pong" and m["floor"] is not None]
    assert {m["params"]["channel"] for m in pings} - set(INTERP_CHANNELS) == {
        c for c, spec in ipc_channels.CHANNELS.items() if spec.ping_pong
    }
    for m in pings:
        expected = {**m["params"], "channel": FLOORS[m["params"]["channel"]]}
        assert m["floor"]["params"] == expected
    assert ipc_channels.FLOOR_OF["pipe"] == ipc_channels.FLOOR_OF["manager_queue"] == "socketpair"


def _in_process(m: dict[str, Any]) -> bool:
    """A subinterpreter channel: its peer is a thread of this process, it has no child."""
    return m["params"].get("channel") in INTERP_CHANNELS


def test_each_process_ran_on_the_cpu_it_was_pinned_to(ipc_smoke: dict[str, Any]) -> None:
    blocks = [b["extra_info"]["mpbench"] for b in ipc_smoke["benchmarks"]]
    placed = [m for m in blocks if "placement" in m["params"]]
    assert {m["params"]["placement"] for m in placed} == set(placement.PLACEMENTS)
    for m in placed:
        ran = m["info"]["ran_on"]
        assert m["checks"]["every process ran on its pinned CPU"]
        assert ran["parent_ran_on"] == ran["parent_cpu"]
        assert ran["peers_ran_on"] and all(
            c in (ran["peer_cpu"], None) for c in ran["peers_ran_on"]
        )
        assert ran["peers_ran_on"][0] == ran["peer_cpu"]  # the producer or echo ran
        same = m["params"]["placement"] == "same_core"
        assert (ran["peer_cpu"] == ran["parent_cpu"]) == same, ran


def test_a_rounds_messages_are_checked_after_the_clock_stops_not_as_they_arrive() -> None:
    """The measured round only receives; verify() (the engine's teardown) checks: checked on
    arrival, the check ran a 64-byte Pipe at 0.64x a plain loop's rate."""
    with ipc_stream.StreamSession(CTX, "pipe_simplex", "bytes", 64, fault="corrupt") as session:
        session.messages = 8
        session.prime()
        session.round()  # the timed part
        assert len(session.arrived) == 8 - ipc_stream.PRIMED_MESSAGES
        assert session.problems == []  # nothing looked at yet
        session.verify()
        assert session.problems and "corrupted" in session.problems[0]
        assert session.arrived == []
