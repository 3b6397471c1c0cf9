"""The GIL side-stepped: one fixed batch of CPU-bound Python split over N threads or N processes.

``cpu_split[mode=thread|process-n=N]``: ``spin`` work worth a fixed serial time, cut into N
equal jobs, run with ``map`` (chunksize 1) on a ``ThreadPool(N)`` or a ``Pool(N)``, N = 1 ..
usable cores and oversubscribed (2x). Unit: seconds per batch (lower is better). Derived
across the points (``bench_lib.scaling``): speedup T1/TN per mode, efficiency, effective
cores, and the headline side-step factor = process speedup / thread speedup at N = usable
cores. On a standard build threads stay near 1x while processes approach N; a free-threaded
build with the GIL off lets threads scale too, and the result file says which it saw.

Every point also carries a per-core CPU timeline sampled by a separate monitor process
(``bench_lib.timeline``), with the monitor's own CPU use recorded.

Off the clock: calibration (once per file), building and warming the pool, starting and
stopping the monitor, and checking each round's checksums against a serial run.
"""

from __future__ import annotations

import multiprocessing
import time

from bench_lib import gil, pools, timeline
from bench_lib.engine import Bench, Figure
from bench_lib.pools import Verifier
from bench_lib.profiles import grid, worker_counts

BATCH_SERIAL_S = {"smoke": 0.02, "quick": 0.06, "standard": 0.2, "full": 0.5}  # work per round
TIMELINE_INTERVAL_S = 0.1  # 10 samples/s: keeps the monitor well under 1% of a core
START = pools.STEADY_START_PREFERENCE  # the pool is built off the clock: cheapest method first


def _start_method() -> str:
    available = multiprocessing.get_all_start_methods()
    return next(m for m in START if m in available)


@grid(mode=list(gil.MODES), n=worker_counts)
def test_cpu_split(
    mpbench: Bench,
    opened: list[pools.Workers],
    iterations_per_s: int,
    mode: pools.Backend,
    n: int,
) -> None:
    iterations = round(iterations_per_s * BATCH_SERIAL_S[mpbench.profile.name])
    jobs = gil.split_work(iterations, n)
    start = _start_method()
    w = pools.open_pool(mode, "pool", n, start)
    opened.append(w)
    pools.warm(w)
    v = Verifier(pools.serial_results(jobs))
    mpbench.info.update(
        gil.gil_state(),
        start_method=start if mode == "process" else None,
        batch_iterations=iterations,
        scaling={"axis": "n", "usable_cores": mpbench.cores},
        side_step={"axis": "mode", "numerator": "process", "denominator": "thread"},
    )
    with timeline.Timeline(TIMELINE_INTERVAL_S) as tl:
        measure_from = time.monotonic()
        mpbench.measure(
            v.run(lambda: pools.run_api("map_chunk1", w, jobs)),
            teardown=v.verify,
            figures=[Figure("batch", "s", "time")],
        )
        measure_to = time.monotonic()
    record = tl.result.as_dict()
    record.update(
        measure_start_s=measure_from - tl.result.start_monotonic_s,
        measure_end_s=measure_to - tl.result.start_monotonic_s,
    )
    mpbench.info["cpu_timeline"] = record
    mpbench.metric("monitor_cpu_fraction", tl.result.monitor_cpu_fraction, "core")
    mpbench.metric(
        "timeline_busy_cores", timeline.mean_busy_cores(tl.result.per_cpu_percent), "core"
    )
    mpbench.check("every checksum right", v.ok, v.first_problem or f"{v.rounds} rounds")
