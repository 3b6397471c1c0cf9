from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import types

from bench_lib.machine import environment, gil_runtime


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
    code = "from bench_lib.machine import environment; print(environment.usable_cores())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "1"


def test_workloads_import_stays_lean() -> None:
    """spawn children import bench_lib.workers.workloads: it must not load the heavy libraries."""
    code = (
        "import sys, bench_lib.workers.workloads; "
        "print(sorted(m for m in ('pytest', 'psutil', 'pandas', 'matplotlib', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_gil_check_warns_only_when_a_free_threaded_build_runs_with_the_gil_on() -> None:
    off = gil_runtime.GilCheck(True, False, False, None)
    assert off.warning() is None
    gil_build = gil_runtime.GilCheck(False, True, True, None)
    assert gil_build.warning() is None  # the GIL is meant to be on there
    named = gil_runtime.GilCheck(True, False, True, None, ["tinyext"])
    text = named.warning()
    assert text and "tinyext" in text and "during the run" in text and "PYTHON_GIL=0" in text
    forced = gil_runtime.GilCheck(True, True, True, "PYTHON_GIL=1")
    assert "PYTHON_GIL=1" in (forced.warning() or "") and "whole run" in (forced.warning() or "")
    unknown = gil_runtime.GilCheck(True, True, True, None, [], unexplained=True)
    assert "no single loaded extension module" in (unknown.warning() or "")
    json.dumps(named.as_dict())


def test_extension_packages_lists_third_party_compiled_modules_only() -> None:
    fake = {
        "psutil": types.SimpleNamespace(__file__="/x/psutil/__init__.py"),
        "psutil._psutil_linux": types.SimpleNamespace(__file__="/x/psutil/_psutil_linux.abi3.so"),
        "_ssl": types.SimpleNamespace(__file__="/lib/_ssl.cpython-313t-x86_64-linux-gnu.so"),
        "math": types.SimpleNamespace(__file__="/lib/math.cpython-313-x86_64-linux-gnu.so"),
        "json": types.SimpleNamespace(__file__="/lib/json/__init__.py"),
        "builtin": types.SimpleNamespace(),
    }
    assert gil_runtime.extension_packages(fake) == ["psutil"]


def test_enables_gil_probes_a_fresh_interpreter() -> None:
    # On a GIL build every import "leaves the GIL on"; the probe reports the fresh process's state.
    assert gil_runtime.enables_gil("json") is gil_runtime.gil_enabled()
    assert gil_runtime.enables_gil("no_such_module_mpbench") is None


def test_gil_watch_records_start_and_end_state() -> None:
    watch = gil_runtime.GilWatch()
    watch.start()
    check = watch.finish()
    assert check.enabled_at_start is check.enabled_at_end is gil_runtime.gil_enabled()
    assert check.free_threaded_build is environment.fingerprint().free_threaded_build
    if not check.free_threaded_build:
        assert check.enabled_by == [] and not check.unexplained and check.warning() is None
