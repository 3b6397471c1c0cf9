#!/usr/bin/env python3
"""Check mpbench's headline figures against plain independent code, in the same minutes.

docs/design.md principle 16. This script imports nothing from mpbench and nothing outside the
standard library: it is the "bare python3 parent" a reader would write to check a figure.
Subject by subject it measures each figure here, runs `mpbench run` on that subject (or reads
a result file given with --result), measures again, and prints figure / mpbench / independent
/ ratio, with the independent value the median of both passes so that drift between them
shows as spread. Subject by subject, because this VM's speed states change within minutes:
one mpbench run of every subject between the two passes put them 11-39% apart.
Where pyperf is installed it adds pyperf's figure for the process starts.

    python3 tools/crosscheck.py                 # quick profile, every subject checked here
    python3 tools/crosscheck.py --only spawn    # one subject
    python3 tools/crosscheck.py --result results/<machine>/<file>.json   # no new mpbench run

Exit status: 0 when every figure agrees within --tolerance (default 20%), 1 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def noop() -> None:
    pass


def per_op(fn: Callable[[], object], rounds: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


BARE_START = """
import json, multiprocessing as mp, os, sys, time
ctx = mp.get_context(sys.argv[1])
if sys.argv[1] == "forkserver":
    from multiprocessing import forkserver
    forkserver.ensure_running()
out = []
for i in range(int(sys.argv[2]) + 2):
    t0 = time.perf_counter()
    p = ctx.Process(target=os.getpid)
    p.start()
    p.join()
    out.append(time.perf_counter() - t0)
    assert p.exitcode == 0
print(json.dumps(out[2:]))
"""


def process_start(method: str, rounds: int) -> list[float]:
    """Process(target=noop).start(); join() from a bare `python3 -c` parent: no __main__ file
    for spawn and forkserver children to import again, as in a user's one-liner."""
    cmd = [sys.executable, "-c", BARE_START, method, str(rounds)]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def thread_start() -> None:
    t = threading.Thread(target=noop)
    t.start()
    t.join()


def raw_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def python_pass() -> None:
    """`python -c pass` of the interpreter mpbench measures (its venv's: site and .pth files
    included), not of this bare one: they are different interpreters to start."""
    subprocess.run([mpbench_python(), "-c", "pass"], check=True)


# --- gil: one CPU-bound batch, serial, on 2 threads, on 2 processes --------------------------


def spin(job: tuple[int, int]) -> int:
    x = job[0] & 0x7FFFFFFF
    for _ in range(job[1]):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    return x


def pinned(cpus: set[int]) -> None:
    """Run this process on ``cpus`` (also to widen it again: the mask is set, not narrowed;
    narrowing left every later check, and every mpbench run it started, on one CPU)."""
    if hasattr(os, "sched_setaffinity") and cpus:
        os.sched_setaffinity(0, cpus)


def _pin_next(taken: object, cpus: list[int]) -> None:
    """Pool initializer: each new worker takes the next CPU of ``cpus``."""
    with taken.get_lock():  # type: ignore[attr-defined]
        i = taken.value  # type: ignore[attr-defined]
        taken.value = i + 1  # type: ignore[attr-defined]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpus[i % len(cpus)]})


def batch(info: dict, mode: str, n: int, rounds: int = 9) -> list[float]:
    steps = int(info["batch_iterations"])
    jobs = [(seed, steps // n) for seed in range(n)]
    every = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    pinned(set(sorted(every)[:n]))
    try:
        if mode == "serial":
            return per_op(lambda: spin((0, steps)), rounds, warmup=1)
        if mode == "thread":

            def threads() -> None:
                ts = [threading.Thread(target=spin, args=(job,)) for job in jobs]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join()

            return per_op(threads, rounds, warmup=1)
        ctx = multiprocessing.get_context("fork")
        cpus = sorted(every)[:n]  # placed as mpbench places them: worker i on CPU i
        with ctx.Pool(n, initializer=_pin_next, initargs=(ctx.Value("i", 0), cpus)) as pool:
            pool.map(spin, [(0, 1)] * n * 4)  # every worker up
            return per_op(lambda: pool.map(spin, jobs, chunksize=1), rounds, warmup=1)
    finally:
        pinned(every)


# --- pool: the per-task cost of apply_async on a warm Pool ------------------------------------


def apply_async_per_task(tasks: int = 2000, rounds: int = 9) -> list[float]:
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(spin, [(0, 1)] * workers * 4)

        def one_round() -> None:
            results = [pool.apply_async(spin, ((i, 0),)) for i in range(tasks)]
            assert [r.get() for r in results] == list(range(tasks))

        return [t / tasks for t in per_op(one_round, rounds, warmup=1)]


# --- ipc: 64-byte messages streamed from a child on one CPU to the parent on another --------


def _produce(kind: str, end: object, control: object, size: int) -> None:
    send = end.send_bytes if kind == "pipe" else end.put  # type: ignore[attr-defined]
    body = bytes(size - 8)
    while True:
        n = control.recv()  # type: ignore[attr-defined]
        if n == 0:
            return
        for seq in range(n):
            send(seq.to_bytes(8, "little") + body)


def stream_rate(info: dict, kind: str, rounds: int = 15, size: int = 64) -> list[float]:
    """Messages per second of a Pipe(duplex=False) or a Queue(1024), producer pinned to the
    second CPU and this process to the first (mpbench's cross_core); each round as many
    messages as mpbench's, the first one received off the clock (the pipeline is primed)."""
    n = int(info["messages_per_round"])
    ctx = multiprocessing.get_context("fork")
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return []
    if kind == "pipe":
        recv_end, send_end = ctx.Pipe(duplex=False)
        receive = recv_end.recv_bytes
    else:
        send_end = ctx.Queue(1024)
        receive = send_end.get
    control, their_control = ctx.Pipe()
    child = ctx.Process(target=_produce, args=(kind, send_end, their_control, size))
    child.start()
    os.sched_setaffinity(child.pid, {cpus[1]})
    every = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpus[0]})
    rates = []
    try:
        for r in range(rounds + 2):
            control.send(n)
            assert int.from_bytes(receive()[:8], "little") == 0
            t0 = time.perf_counter()
            for seq in range(1, n):
                assert int.from_bytes(receive()[:8], "little") == seq
            if r >= 2:  # two warm-up rounds
                rates.append((n - 1) / (time.perf_counter() - t0))
    finally:
        control.send(0)
        child.join()
        os.sched_setaffinity(0, every)
    return rates


# --- locks: N processes take one multiprocessing.Lock, one increment per take ---------------


def _take(lock: object, counter: object, total: int, go: object) -> None:
    """The idiom mpbench's workers run: take, read the counter once, write it, release."""
    acquire, release = lock.acquire, lock.release  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    while True:
        acquire()
        n = counter.value  # type: ignore[attr-defined]
        if n >= total:
            release()
            return
        counter.value = n + 1  # type: ignore[attr-defined]
        release()


def lock_rate(workers: int, total: int = 200_000, rounds: int = 7, pin: bool = True) -> list[float]:
    """Rates of ``workers`` processes taking one Lock; with ``pin``, worker i on CPU i (as
    mpbench places its crew)."""
    ctx = multiprocessing.get_context("fork")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    rates = []
    for _ in range(rounds):
        lock, counter, go = ctx.Lock(), ctx.RawValue("q", 0), ctx.Event()
        procs = [ctx.Process(target=_take, args=(lock, counter, total, go)) for _ in range(workers)]
        for i, p in enumerate(procs):
            p.start()
            if pin and cpus:
                os.sched_setaffinity(p.pid, {cpus[i % len(cpus)]})
        time.sleep(0.05)  # all waiting on the start signal
        t0 = time.perf_counter()
        go.set()
        for p in procs:
            p.join()
        rates.append(total / (time.perf_counter() - t0))
        assert counter.value == total
    return rates


@dataclass(frozen=True)
class Check:
    subject: str
    benchmark: str  # the mpbench benchmark name in the result file
    label: str  # what a reader calls it
    measure: Callable[..., list[float]]  # independent samples (given the benchmark's info)
    unit: str = "s"  # of the independent samples and of the mpbench figure compared
    takes_info: bool = False  # measure(info): the work is read from the mpbench result


CHECKS = [
    Check("spawn", "test_raw_fork", "raw os.fork + waitpid", lambda: per_op(raw_fork, 200), "s"),
    Check(
        "spawn",
        "test_process_start[start=fork]",
        "fork Process start+join",
        lambda: process_start("fork", 100),
        "s",
    ),
    Check(
        "spawn",
        "test_process_start[start=forkserver]",
        "forkserver Process start+join",
        lambda: process_start("forkserver", 40),
        "s",
    ),
    Check(
        "spawn",
        "test_process_start[start=spawn]",
        "spawn Process start+join",
        lambda: process_start("spawn", 15),
        "s",
    ),
    Check(
        "spawn", "test_thread_start", "Thread start+join", lambda: per_op(thread_start, 500), "s"
    ),
    Check(
        "spawn",
        "test_interpreter[python=site]",
        "python -c pass",
        lambda: per_op(python_pass, 15),
        "s",
    ),
    Check(
        "gil", "test_cpu_serial", "CPU batch, serial", lambda i: batch(i, "serial", 1), "s", True
    ),
    Check(
        "gil",
        "test_cpu_split[mode=thread-n=2]",
        "CPU batch on 2 threads",
        lambda i: batch(i, "thread", 2),
        "s",
        True,
    ),
    Check(
        "gil",
        "test_cpu_split[mode=process-n=2]",
        "CPU batch on 2 processes",
        lambda i: batch(i, "process", 2),
        "s",
        True,
    ),
    Check(
        "pool",
        "test_task_overhead[api=apply_async-pool=process-start=fork]",
        "Pool.apply_async per task",
        apply_async_per_task,
    ),
    Check(
        "ipc",
        "test_stream[size=64-placement=cross_core-start=fork-channel=pipe_simplex]",
        "Pipe(duplex=False) 64 B, 2 CPUs",
        lambda i: stream_rate(i, "pipe"),
        "msg/s",
        True,
    ),
    Check(
        "ipc",
        "test_stream[size=64-placement=cross_core-start=fork-channel=queue]",
        "Queue 64 B, 2 CPUs",
        lambda i: stream_rate(i, "queue"),
        "msg/s",
        True,
    ),
    Check(
        "locks",
        "test_contention[primitive=lock-workers=1]",
        "Lock, 1 process",
        lambda: lock_rate(1),
        "acq/s",
    ),
    Check(
        "locks",
        "test_contention[primitive=lock-workers=2]",
        "Lock, 2 processes",
        lambda: lock_rate(2),
        "acq/s",
    ),
]


def pyperf_start(method: str) -> float | None:
    """pyperf's median for the same start+join (its own lean worker processes), where pyperf is
    installed (here or in mpbench's interpreter)."""
    python = mpbench_python()
    if subprocess.run([python, "-c", "import pyperf"], capture_output=True).returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "pyperf.json")
        setup = f"import multiprocessing as mp, os; ctx = mp.get_context({method!r})"
        stmt = "p = ctx.Process(target=os.getpid); p.start(); p.join()"
        cmd = [python, "-m", "pyperf", "timeit", "--quiet", "-o", out, "-s", setup, stmt]
        cmd += ["--processes", "6", "--values", "3", "--loops", "4"]
        if subprocess.run(cmd, capture_output=True).returncode != 0:
            return None
        with open(out) as f:
            data = json.load(f)
        values = [v for run in data["benchmarks"][0]["runs"] for v in run.get("values", [])]
        return statistics.median(values) if values else None


def mpbench_python() -> str:
    """The interpreter mpbench is installed in: the project's venv (README's first command),
    else this one. The plain measurements stay in this bare process either way."""
    venv = os.path.join(REPO, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def run_mpbench(subjects: list[str], profile: str) -> str:
    out = tempfile.mkdtemp(prefix="crosscheck-")
    cmd = [mpbench_python(), "-m", "bench_lib.cli", "run", "--profile", profile]
    cmd += ["--only", ",".join(subjects), "--label", "crosscheck", "--output", out, "--no-report"]
    subprocess.run(cmd, cwd=REPO, check=False, stdout=subprocess.DEVNULL)
    files = glob.glob(os.path.join(out, "*", "*.json"))
    if not files:
        sys.exit(f"crosscheck: `{' '.join(cmd)}` saved no result in {out}")
    return files[0]


def blocks(path: str) -> dict[str, dict]:
    with open(path) as f:
        data = json.load(f)
    return {b["name"]: b["extra_info"]["mpbench"] for b in data["benchmarks"]}


def figure(block: dict, unit: str) -> dict | None:
    """The benchmark's first figure in ``unit`` (None when it failed before measuring)."""
    return next((f for f in block.get("figures", []) if f["unit"] == unit and "median" in f), None)


def measure_all(checks: list[Check], mp: dict[str, dict]) -> dict[str, list[float]]:
    out = {}
    for c in checks:
        if c.takes_info:
            if c.benchmark in mp:
                out[c.benchmark] = c.measure(mp[c.benchmark]["info"])
        else:
            out[c.benchmark] = c.measure()
    return out


def fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    if unit != "s":
        for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, "")):
            if value >= scale:
                return f"{value / scale:.3g} {prefix}{unit}"
    for scale, prefix in ((1, "s"), (1e-3, "ms"), (1e-6, "us")):
        if value >= scale:
            return f"{value / scale:.3g} {prefix}"
    return f"{value / 1e-9:.3g} ns"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--only", help="comma-separated subjects (default: all checked here)")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--result", help="compare with this result file instead of a new run")
    ap.add_argument("--tolerance", type=float, default=0.20)
    args = ap.parse_args()
    # in CHECKS' order: process starts first, from this process while it is still small (a
    # fork from it after its pools, queues and threads took 3.4 ms, against 1.7 ms lean)
    subjects = list(dict.fromkeys(c.subject for c in CHECKS))
    if args.only:
        subjects = [s for s in args.only.split(",") if s in subjects]
    checks = [c for c in CHECKS if c.subject in subjects]
    if args.result:  # the work of each round is read from the result: measure after reading
        mp = blocks(args.result)
        first = measure_all(checks, mp)
        second = measure_all(checks, mp)
        paths = [args.result]
    else:  # per subject: measure, run mpbench on it, measure again: seconds apart, not minutes
        first, second, mp, paths = {}, {}, {}, []
        for subject in subjects:
            mine = [c for c in checks if c.subject == subject]
            first.update(measure_all([c for c in mine if not c.takes_info], {}))
            paths.append(run_mpbench([subject], args.profile))
            mp.update(blocks(paths[-1]))
            first.update(measure_all([c for c in mine if c.takes_info], mp))
            second.update(measure_all(mine, mp))
    print(f"crosscheck: mpbench result {', '.join(paths)}")
    print(f"{'figure':32} {'mpbench (95% interval)':38} {'independent':>12} {'ratio':>6}")
    bad = 0
    for c in checks:
        fig = figure(mp[c.benchmark], c.unit) if c.benchmark in mp else None
        if fig is None or c.benchmark not in first:
            print(f"{c.label:32} (not in the result)")
            continue
        indep = statistics.median(first[c.benchmark] + second[c.benchmark])
        a, b = (statistics.median(p[c.benchmark]) for p in (first, second))
        spread = abs(a / b - 1)
        interval = f"{fmt(fig.get('ci_low'), c.unit)}..{fmt(fig.get('ci_high'), c.unit)}"
        ratio = fig["median"] / indep
        ok = abs(ratio - 1) <= args.tolerance
        bad += not ok
        mark = "" if ok else "  <- disagrees"
        note = f"  (passes differ {spread:.0%})" if spread > args.tolerance / 2 else ""
        shown = f"{fmt(fig['median'], c.unit)} ({interval})"
        print(f"{c.label:32} {shown:38} {fmt(indep, c.unit):>12} {ratio:6.2f}{mark}{note}")
    if "spawn" in subjects:
        for method in ("fork", "spawn"):
            value = pyperf_start(method)
            if value is not None:
                block = mp.get(f"test_process_start[start={method}]")
                ratio = f"{block['figures'][0]['median'] / value:6.2f}" if block else ""
                print(f"{'pyperf ' + method + ' start+join':32} {'':38} {fmt(value):>12} {ratio}")
    print(f"{len(checks) - bad} of {len(checks)} figures agree within +-{args.tolerance:.0%}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
