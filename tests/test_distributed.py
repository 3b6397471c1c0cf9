"""The distributed subject: break-even arithmetic, the address checks, the embedded and the
address paths end to end (real `dask scheduler` / `dask worker` processes), a worker killed
mid-round, and that no scheduler, nanny or worker outlives a run (also after Ctrl-C)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
import pytest
from conftest import REPO, run_benchmark_source, run_smoke, session_processes

from bench_lib.report import render as report
from bench_lib.subjects.distributed import address as distributed_address
from bench_lib.subjects.distributed import breakeven as distributed_breakeven
from bench_lib.subjects.distributed import workloads as distributed_workloads

STOP_DEADLINE_S = 15.0  # an interrupted run stops in ~5 s; a loaded CI machine gets a margin
EXIT_GRACE_S = 3.0  # multiprocessing's resource tracker exits a moment after its parent
BAD_ADDRESS_DEADLINE_S = 20.0  # "within a few seconds" plus pytest's own start on a busy machine


def _blocks(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["extra_info"]["mpbench"] for b in data.get("benchmarks", [])]


def _left_in_session(sid: int, grace_s: float = EXIT_GRACE_S) -> list[str]:
    """Command lines of the session's processes still alive ``grace_s`` after its leader ended."""
    deadline = time.monotonic() + grace_s
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    out = []
    for proc in left:
        with contextlib.suppress(psutil.Error):
            out.append(f"{proc.pid}: {' '.join(proc.cmdline())[:200]}")
    return out


# --- pure parts ------------------------------------------------------------------------------


def test_break_even_is_overhead_over_share_with_the_interval_carried() -> None:
    ten, one = distributed_breakeven.break_even(0.002, 0.0015, 0.003)
    assert (ten.share, ten.task_s, ten.task_low_s, ten.task_high_s) == pytest.approx(
        (0.1, 0.02, 0.015, 0.03)
    )
    assert one.task_s == pytest.approx(0.2)


def test_break_even_edges() -> None:
    assert distributed_breakeven.task_for_share(0.0, 0.1) == 0.0
    (only,) = distributed_breakeven.break_even(0.001, shares=(1.0,))
    assert only.task_s == pytest.approx(0.001) and only.task_low_s is None
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="share"):
            distributed_breakeven.task_for_share(0.001, bad)
    with pytest.raises(ValueError, match="overhead"):
        distributed_breakeven.task_for_share(-1.0, 0.1)
    assert distributed_breakeven.extra_over(0.004, 0.0002) == pytest.approx(20.0)
    with pytest.raises(ValueError):
        distributed_breakeven.extra_over(0.0, 1.0)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        ("10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_scheduler_addresses_parse(text: str, url: str) -> None:
    assert distributed_address.parse(text).url == url


@pytest.mark.parametrize("text", ["", "tcp://host", "tcp://host:0", "tcp://host:99999", "ws://h:1"])
def test_malformed_scheduler_address_is_a_one_line_error(text: str) -> None:
    with pytest.raises(distributed_address.SchedulerAddressError) as err:
        distributed_address.parse(text)
    assert "\n" not in str(err.value)


def test_payloads_depend_on_seed_and_size() -> None:
    a = distributed_workloads.payload(10_000, 1)
    assert len(a) == 10_000 and a == distributed_workloads.payload(10_000, 1)
    assert distributed_workloads.digest(a) != distributed_workloads.digest(
        distributed_workloads.payload(10_000, 2)
    )


def test_child_side_module_stays_lean() -> None:
    """dask workers and echo children import bench_lib.subjects.distributed.workloads."""
    code = (
        "import sys, bench_lib.subjects.distributed.workloads, "
        "bench_lib.subjects.distributed.address; "
        "print(sorted(m for m in ('pytest', 'psutil', 'pandas', 'numpy', 'distributed') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- a wrong --mpbench-scheduler -------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_listener_that_is_not_a_scheduler_is_exit_2_not_a_hang(tmp_path: Path) -> None:
    import socket

    with socket.socket() as listener:  # accepts TCP connections (backlog), never speaks dask
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        cmd = [sys.executable, "-m", "pytest", "benchmarks/test_distributed.py"]
        cmd += ["--benchmark-only", "-p", "no:cacheprovider", f"--mpbench-scheduler={address}"]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert time.monotonic() - start < BAD_ADDRESS_DEADLINE_S
    errors = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "cannot connect" in ln]
    assert len(errors) == 1 and address in errors[0]


@pytest.mark.parametrize("how", ["mpbench", "pytest"])
def test_unreachable_scheduler_is_exit_2_fast(tmp_path: Path, how: str) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    if how == "mpbench":
        cmd = [sys.executable, "-m", "bench_lib.cli", "run", "--only", "distributed"]
        cmd += ["--profile", "smoke", "--output", str(tmp_path), "--scheduler", address]
    else:
        cmd = [sys.executable, "-m", "pytest", "benchmarks/test_distributed.py"]
        cmd += ["--benchmark-only", "-p", "no:cacheprovider", f"--mpbench-scheduler={address}"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert time.monotonic() - start < BAD_ADDRESS_DEADLINE_S
    errors = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "no dask scheduler" in ln]
    assert len(errors) == 1 and address in errors[0]


# --- end to end --------------------------------------------------------------------------------


def test_embedded_smoke_run_checks_records_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "benchmarks/test_distributed.py",
            "--benchmark-only",
            "--mpbench-profile=smoke",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, output
    assert _left_in_session(proc.pid) == []
    blocks = {
        (m["case"], tuple(sorted(m["params"].items()))): m
        for m in _blocks(json.loads(out.read_text()))
    }
    cases = {case for case, _ in blocks}
    assert cases == {"cluster_start", "task_overhead", "scaling", "transfer"}
    for m in blocks.values():
        assert m["checks"] and all(m["checks"].values()), m
        assert m["figures"][0]["median"] > 0
    submit = blocks[("task_overhead", (("api", "dask_submit"),))]
    (cluster,) = submit["info"]["cluster"]
    assert cluster["kind"] == "embedded" and cluster["scheduler"].startswith("tcp://127.0.0.1:")
    assert cluster["threads_per_worker"] == [1] * cluster["workers"]
    # the next benchmark's same block reuses the cluster: no second start for dask_map
    (mapped,) = blocks[("task_overhead", (("api", "dask_map"),))]["info"]["cluster"]
    assert mapped["scheduler"] == cluster["scheduler"]
    assert any("derived" in m for (case, _), m in blocks.items() if case == "scaling")
    report_dir = tmp_path / "report"
    report.write_report(json.loads(out.read_text()), report_dir)
    charts = {p.stem for p in (report_dir / "charts").glob("distributed_*.png")}
    assert charts == {"distributed_overhead", "distributed_scaling", "distributed_transfer"}
    advice = (report_dir / "summary.md").read_text()
    assert "A dask task round trip" in advice and "stay on one machine" in advice


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A real `dask scheduler` and a `dask worker` (2 processes) on 127.0.0.1; gone after."""
    cli = shutil.which("dask") or str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    file = tmp_path / "scheduler.json"
    common = {"env": env, "cwd": tmp_path, "start_new_session": True}
    common.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = [
        subprocess.Popen(
            [
                cli,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(file),
            ],
            **common,  # type: ignore[call-overload]
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        started.append(
            subprocess.Popen(
                [cli, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                **common,  # type: ignore[call-overload]
            )
        )
        from bench_lib.subjects.distributed.cluster import dask

        with dask.Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def test_address_path_runs_on_a_real_scheduler_and_records_the_cluster(
    tmp_path: Path, dask_cluster: str
) -> None:
    code, data, output = run_smoke(
        tmp_path,
        "benchmarks/test_distributed.py",
        extra=(
            f"--mpbench-scheduler={dask_cluster}",
            "-k",
            "dask or scatter or worker_to_worker or cluster_start",
        ),
    )
    assert code == 0, output
    blocks = _blocks(data)
    assert {m["case"] for m in blocks} == {"task_overhead", "scaling", "transfer"}
    for m in blocks:
        assert all(m["checks"].values()), m
        if m["params"].get("engine") != "pool":
            (cluster,) = m["info"]["cluster"]
            assert cluster["kind"] == "address" and cluster["scheduler"] == dask_cluster
            assert cluster["workers"] == 2 and cluster["threads_per_worker"] == [1, 1]
            assert len(cluster["worker_python"]) == 2 and cluster["worker_cores"][0] >= 1
    skipped = data["mpbench"]["skipped"]
    named = [s for s in skipped if "--mpbench-scheduler" in s["reason"]]  # the pytest option
    assert any("cluster_start" in s["test"] for s in named)


KILLED_WORKER_BENCHMARK = """
from bench_lib.subjects.distributed import cluster as dcl
from bench_lib.testing import workers as tw
from bench_lib.subjects.distributed.guard import measure_guarded


def test_worker_dies(mpbench):
    with dcl.opened(None, 2) as cluster:
        seen = []

        def round_():
            seen.append(cluster.client.submit(tw.die_once, {flag!r}, 7, pure=False).result())

        measure_guarded(mpbench, cluster, round_, lambda: seen[-1] == 7, rounds=2)


def test_alongside(mpbench):  # pytest-benchmark saves a file only when something finished
    mpbench.measure(lambda: None, rounds=1)
"""


def test_worker_killed_mid_round_fails_the_benchmark_saying_dask_retried(tmp_path: Path) -> None:
    flag = tmp_path / "died"
    code, data = run_benchmark_source(
        tmp_path, KILLED_WORKER_BENCHMARK.format(flag=str(flag)), "--mpbench-profile=smoke"
    )
    assert code == 1 and flag.exists()
    (failure,) = data["mpbench"]["failures"]
    assert "test_worker_dies" in failure["test"]
    assert "no worker lost" in failure["reason"] and "dask retried" in failure["reason"]


def _cmdlines(sid: int) -> str:
    out = []
    for proc in session_processes(sid):
        with contextlib.suppress(psutil.Error):
            out.append(" ".join(proc.cmdline()))
    return "\n".join(out)


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_mid_run_saves_and_leaves_no_nanny_or_worker(tmp_path: Path, how: str) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "bench_lib.cli",
            "run",
            "--profile",
            "smoke",
            "--only",
            "distributed",
            "--output",
            str(tmp_path / "results"),
            "--no-report",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "cluster_start" in line:  # the next benchmark starts a cluster at once
            break
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until worker processes run
        if "spawn_main" in _cmdlines(proc.pid):
            break
        time.sleep(0.1)
    if how == "ctrl-c":  # the terminal signals the whole foreground group
        os.killpg(proc.pid, signal.SIGINT)
    else:  # a supervisor signals the command only: the workers hear nothing
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_DEADLINE_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == 130, proc.stdout.read()
    assert _left_in_session(proc.pid) == []
    (saved,) = (tmp_path / "results").glob("*/*_run.json")
    assert json.loads(saved.read_text())["mpbench"]["partial"] is True


def test_closing_the_kept_clusters_closes_each_and_spares_none_of_their_processes() -> None:
    """What a body without a cluster calls first (`without_clusters`): nothing idles beside it."""
    from bench_lib.machine import cpu
    from bench_lib.subjects.distributed import cluster as dcl

    closed: list[int] = []

    class Fake:
        def __init__(self, pid: int) -> None:
            self.processes = [SimpleNamespace(pid=pid)]

        def close(self) -> None:
            closed.append(self.processes[0].pid)

    for block, pid in enumerate((999_001, 999_002)):
        dcl._KEPT[(2, block)] = Fake(pid)  # type: ignore[assignment]
        cpu.keep([pid])
    dcl.close_kept()
    assert sorted(closed) == [999_001, 999_002] and not dcl._KEPT
    assert not {999_001, 999_002} & cpu._KEPT  # a leak check would see them again
