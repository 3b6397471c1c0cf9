from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys

from bench_lib import environment


def test_fingerprint_has_the_fields_a_comparison_needs() -> None:
    fp = environment.fingerprint()
    assert fp.cpu_model and fp.cpu_model != "unknown"
    assert fp.logical_cores >= fp.usable_cores >= 1
    assert fp.affinity_cores == sorted(os.sched_getaffinity(0))
    assert fp.memory_bytes > 2**28
    assert fp.python_version == ".".join(map(str, sys.version_info[:3]))
    assert fp.start_methods == multiprocessing.get_all_start_methods()
    assert fp.default_start_method == fp.start_methods[0]
    assert isinstance(fp.gil_enabled, bool)
    json.dumps(fp.as_dict())  # stored in result files as it is


def test_machine_id_is_stable_and_separates_machines() -> None:
    a = environment.make_machine_id("build-01", "AMD EPYC 7B13", 2)
    assert a == environment.make_machine_id("build-01", "AMD EPYC 7B13", 2)
    assert a != environment.make_machine_id("build-02", "AMD EPYC 7B13", 2)
    assert a != environment.make_machine_id("build-01", "Intel Xeon", 2)
    assert a != environment.make_machine_id("build-01", "AMD EPYC 7B13", 1)
    assert a.startswith("build-01-2c-")
    assert environment.machine_id() == environment.fingerprint().machine_id


def test_cgroup_quota_parsing() -> None:
    assert environment.parse_cpu_max("max 100000") is None
    assert environment.parse_cpu_max("150000 100000") == 1.5
    assert environment.parse_cpu_max("garbage") is None


def test_affinity_mask_limits_usable_cores() -> None:
    """A process pinned to one CPU sees one usable core (how fewer cores are emulated)."""
    code = "from bench_lib import environment; print(environment.usable_cores())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "1"


def test_workloads_import_stays_lean() -> None:
    """spawn children import bench_lib.workloads: it must not load the heavy libraries."""
    code = (
        "import sys, bench_lib.workloads; "
        "print(sorted(m for m in ('pytest', 'psutil', 'pandas', 'matplotlib', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
