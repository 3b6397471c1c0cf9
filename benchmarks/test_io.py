"""I/O-bound concurrency: echo servers per model, selector scaling, and spawn cost.

- ``echo``: an echo server on 127.0.0.1, one per model (``threads``, ``processes`` (one
  forked process per connection), ``asyncio``, ``gevent`` (greenlets, monkey-patched
  sockets), and a hand-written event loop on ``select``/``poll``/``epoll``), in its own
  child process. A one-thread selector client keeps ``connections`` connections busy,
  one request of 64 bytes in flight on each; every reply is checked byte for byte.
  Figure: requests/s (higher is better), one round = every connection doing its share
  of the round's requests. Metrics: latency median and p99 (s, every request of the
  measured rounds), server and client CPU seconds per request, server memory per
  connection (B, PSS of the server's process tree with the connections open, minus
  its PSS with one warm connection, divided by connections). When the one-thread client
  kept a core busy inside its rounds the rate is the client's limit: it is marked as a lower
  bound (``info.client_bound``; the noise flag ``client-bound`` is added when the result file
  is written, ``benchmarks/conftest.py``), and servers are ranked by server CPU per request,
  which the client cannot cap.
- ``selector_check``: seconds for one non-blocking readiness check with ``fds``
  registered descriptors of which one is ready, for ``select``, ``poll`` and ``epoll``.
  select past FD_SETSIZE (1024) is a recorded skip, not a crash.
- ``task_spawn``: seconds to start and finish one greenlet (in a child that imported gevent),
  one asyncio task, one thread; compare with the ``spawn`` subject's process start.

Off the clock: starting and stopping servers and the greenlet child, opening and closing
connections, a first request on every connection, memory readings, creating descriptors.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Any

import pytest

from bench_lib.engine.bench import Bench, Figure
from bench_lib.engine.profiles import grid
from bench_lib.stats.descriptive import percentile
from bench_lib.subjects.io import bounds as io_bounds
from bench_lib.subjects.io import servers as io_servers
from bench_lib.subjects.io import unit_spawn as io_spawn
from bench_lib.subjects.io.bounds import RoundClock
from bench_lib.subjects.io.client import ClientPool
from bench_lib.subjects.io.eventloop import SELECTORS, SelectorUnavailable
from bench_lib.subjects.io.selector_scaling import DescriptorSet, checks_per_round
from bench_lib.subjects.io.serve import SERVER_MODELS

REQUEST_BYTES = 64  # small requests: the cost is per request, not per byte
MODELS: dict[str, Sequence[Any]] = {
    "smoke": list(SERVER_MODELS),
    "quick": ["threads", "processes", "asyncio", "gevent", "epoll"],
    "standard": list(SERVER_MODELS),
}
CONNECTIONS: dict[str, Sequence[Any]] = {
    "smoke": [10],
    "quick": [100],
    "standard": [10, 1000],
    "full": [10, 30, 100, 300, 1000, 3000],
}
REQUESTS_PER_ROUND: dict[str, Sequence[Any]] = {
    "smoke": [200],
    "quick": [1000],
    "standard": [2000],
}  # ~20-100 ms rounds
DESCRIPTORS: dict[str, Sequence[Any]] = {
    "smoke": [16, 2048],
    "quick": [512],
    "standard": [16, 512, 10000],
    "full": [16, 64, 256, 512, 1000, 2048, 4096, 10000],
}
SERVER_LIFETIME_MARGIN_S = 60.0  # a server outlives the benchmark's rounds by this, then stops


def _lifetime_s(mpbench: Bench) -> float:
    p = mpbench.profile
    return p.timeout_s * (p.warmup_rounds + 2) + p.budget_s + SERVER_LIFETIME_MARGIN_S


def _skip_if_limited(model: str, connections: int) -> int:
    nofile = io_servers.raise_nofile_limit()
    limit = io_servers.connection_limit(model, connections, nofile)
    if limit.reason:
        pytest.skip(limit.reason)
    if model == "gevent" and (missing := io_servers.gevent_missing()):
        pytest.skip(missing)
    return nofile


@grid(model=MODELS, connections=CONNECTIONS)
def test_echo(mpbench: Bench, model: str, connections: int) -> None:
    nofile = _skip_if_limited(model, connections)
    per_connection = max(1, mpbench.profile.pick(REQUESTS_PER_ROUND)[0] // connections)
    requests = per_connection * connections
    mpbench.info.update(
        request_bytes=REQUEST_BYTES, requests_per_round=requests, nofile_limit=nofile
    )
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(io_servers.EchoServer(model, _lifetime_s(mpbench)))
        first = stack.enter_context(ClientPool(server.port, 1, REQUEST_BYTES))
        first.run_round(1)  # lazy set-up (imports, buffers, a first worker) is not per connection
        idle_bytes = server.memory_bytes()
        with ClientPool(server.port, connections, REQUEST_BYTES) as pool:
            pool.run_round(1)  # every connection accepted and served once
            busy_bytes = server.memory_bytes()
            pool.latencies_s = []
            client = RoundClock()  # the client's CPU inside its rounds, not the harness's
            server_cpu, done = server.cpu_s(), pool.completed
            mpbench.measure(
                client.timed(lambda: pool.run_round(per_connection)),
                figures=[Figure("requests", "req/s", "rate", per_round=requests)],
            )
            served = pool.completed - done
            server_cpu = server.cpu_s() - server_cpu
            mpbench.check(
                "every reply echoed",
                served > 0 and served % requests == 0 and len(pool.latencies_s) == served,
                f"{served} replies for rounds of {requests}",
            )
    mpbench.metric("latency_median_s", percentile(pool.latencies_s, 50), "s", n=served)
    mpbench.metric("latency_p99_s", percentile(pool.latencies_s, 99), "s", n=served)
    mpbench.metric("server_cpu_per_request_s", server_cpu / served, "s")
    mpbench.metric("client_cpu_per_request_s", client.cpu_s / served, "s")
    mpbench.metric("client_cores", client.cores, "cores")
    bound = io_bounds.client_bound(client.cores)  # any block client-bound: a lower bound
    mpbench.info["client_bound"] = bool(mpbench.info.get("client_bound")) or bound
    mpbench.metric("server_cores", server_cpu / client.wall_s, "cores")
    mpbench.metric("memory_per_connection_bytes", (busy_bytes - idle_bytes) / connections, "B")
    mpbench.metric("server_one_connection_bytes", idle_bytes, "B")


@grid(selector=list(SELECTORS), fds=DESCRIPTORS)
def test_selector_check(mpbench: Bench, selector: str, fds: int) -> None:
    nofile = io_servers.raise_nofile_limit()
    if fds + io_servers.FD_MARGIN > nofile:
        pytest.skip(f"{fds} descriptors need more than the open-file limit here ({nofile})")
    try:
        descriptors = DescriptorSet(selector, fds)
    except SelectorUnavailable as exc:
        pytest.skip(str(exc))
    with descriptors:
        if selector == "select" and descriptors.max_fd >= io_servers.FD_SETSIZE:
            pytest.skip(
                f"select() watches only fds below FD_SETSIZE={io_servers.FD_SETSIZE}; "
                f"{fds} descriptors reach fd {descriptors.max_fd}: use poll or epoll"
            )
        descriptors.register()
        checks = checks_per_round(fds)
        mpbench.info.update(checks_per_round=checks, max_fd=descriptors.max_fd, ready=1)
        mpbench.measure(
            lambda: descriptors.check(checks),
            figures=[Figure("readiness check", "s", "time", per_round=checks)],
        )


@grid(kind=list(io_spawn.KINDS))
def test_task_spawn(mpbench: Bench, kind: str) -> None:
    units = io_spawn.UNITS_PER_ROUND[kind]
    figure = Figure("start+join", "s", "time", per_round=units)
    mpbench.info.update(units_per_round=units, compare_with="spawn/thread_start, process_start")
    if kind == "thread":
        io_spawn.threads(units)  # warm: the first round of any kind pays one-off set-up
        mpbench.measure(lambda: io_spawn.threads(units), figures=[figure])
    elif kind == "asyncio_task":
        with io_spawn.TaskSpawner() as tasks:
            tasks.spawn(units)
            mpbench.measure(lambda: tasks.spawn(units), figures=[figure])
    else:
        if missing := io_servers.gevent_missing():
            pytest.skip(missing)
        with io_spawn.GreenletSpawner(_lifetime_s(mpbench)) as child:
            control: list[float] = []
            for _ in range(5):  # the pipe round trip each round includes, measured alone
                t0 = time.perf_counter()
                child.spawn(0)
                control.append(time.perf_counter() - t0)
            mpbench.metric("control_roundtrip_s", percentile(control, 50), "s")
            child.spawn(units)
            mpbench.measure(lambda: child.spawn(units), figures=[figure])
