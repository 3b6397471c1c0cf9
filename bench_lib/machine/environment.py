"""Machine fingerprint: what a result was measured on.

Stored in every result file under ``machine_info["mpbench"]`` and printed by
``mpbench info``. How busy the machine was at the start (load, steal) is about the
run, not the machine, and goes in the run's block: pytest-benchmark's
``--benchmark-compare`` warns whenever ``machine_info`` differs between two runs.
Usable cores come from the affinity mask and the cgroup CPU quota, never from
``os.cpu_count()`` alone (docs/design.md, principle 6).
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import platform
import re
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from bench_lib.machine.build import python_build
from bench_lib.machine.gil_runtime import free_threaded_build, gil_enabled

CGROUP_V2_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
START_SAMPLE_S = 0.2  # long enough for /proc/stat's 10 ms ticks to show busy CPUs and steal


@dataclass(frozen=True)
class Fingerprint:
    machine_id: str  # stable per machine: host, CPU model, usable cores
    hostname: str
    cpu_model: str
    physical_cores: int | None  # None where the OS does not say
    logical_cores: int
    affinity_cores: list[int]  # CPUs this process may run on
    cgroup_quota_cores: float | None  # cpu.max quota / period; None = no quota
    usable_cores: int  # min(affinity, ceil(quota))
    memory_bytes: int
    os: str  # e.g. "Linux"
    os_release: str  # distribution name where known
    kernel: str
    virtualisation: str  # "none", or what holds: "chroot", "container", "vm", joined by "+"
    python_implementation: str
    python_version: str
    python_build: str
    python_compiler: str
    python_executable: str
    gil_enabled: bool
    free_threaded_build: bool
    switch_interval_s: float
    start_methods: list[str]
    default_start_method: str  # the platform's, which an unnamed context would use
    # The build (machine/build.py): additive fields, absent from older files (readers use .get).
    python_configure_args: str  # sysconfig CONFIG_ARGS
    python_pgo: bool | None  # None: the build does not say
    python_lto: bool | None
    python_debug: bool  # Py_DEBUG
    python_jit: str  # "none", "available, off", "on"
    libc: str  # of the OS the interpreter runs on (a Debian root's, through a launcher)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def affinity_cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def parse_cpu_max(text: str) -> float | None:
    """Cores allowed by a cgroup v2 ``cpu.max`` line ("max 100000" = no quota)."""
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    quota, period = float(parts[0]), float(parts[1])
    return quota / period if period > 0 else None


def cgroup_quota_cores() -> float | None:
    try:
        return parse_cpu_max(CGROUP_V2_CPU_MAX.read_text())
    except (OSError, ValueError):
        pass
    try:
        quota = int(CGROUP_V1_QUOTA.read_text())
        period = int(CGROUP_V1_PERIOD.read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def usable_cores() -> int:
    """Cores this process can really keep busy: affinity mask, capped by the cgroup quota."""
    cores = len(affinity_cores())
    quota = cgroup_quota_cores()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def in_chroot() -> bool:
    """True where / is not the root of pid 1 (a chroot, e.g. the Debian root of a launcher).

    pid 1's root is compared where it may be read; where it may not (a container without
    CAP_SYS_PTRACE), a chroot shows as no mount at "/" in /proc/self/mountinfo: the kernel
    lists only the mounts reachable from the process's root.
    """
    try:
        mine, init = Path("/").stat(), Path("/proc/1/root/").stat()
        return (mine.st_dev, mine.st_ino) != (init.st_dev, init.st_ino)
    except OSError:
        pass
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:  # no /proc: not known to be a chroot
        return False
    return bool(lines) and not any(line.split()[4:5] == ["/"] for line in lines)


def in_container() -> bool:
    # pid 1's root too: from inside a chroot, the container's marker files are there
    markers = ("/.dockerenv", "/run/.containerenv", "/proc/1/root/.dockerenv")
    if any(Path(marker).exists() for marker in markers):
        return True
    try:
        return (
            re.search(r"docker|kubepods|containerd|lxc", Path("/proc/1/cgroup").read_text())
            is not None
        )
    except OSError:
        return False


def in_vm() -> bool:
    try:
        return " hypervisor" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def virtualisation() -> str:
    """Every layer that holds, innermost first ("container+vm": a container in a KVM guest)."""
    layers = [
        word
        for word, holds in (("chroot", in_chroot()), ("container", in_container()), ("vm", in_vm()))
        if holds
    ]
    return "+".join(layers) or "none"


def os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def make_machine_id(hostname: str, cpu: str, cores: int) -> str:
    """Readable and stable: ``<host>-<cores>c-<hash>``; the hash separates same-named hosts."""
    digest = hashlib.sha256(f"{hostname}|{cpu}|{cores}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", hostname.lower()).strip("-")[:24] or "host"
    return f"{slug}-{cores}c-{digest}"


def machine_id() -> str:
    return make_machine_id(socket.gethostname(), cpu_model(), usable_cores())


def fingerprint() -> Fingerprint:
    host = socket.gethostname()
    model = cpu_model()
    usable = usable_cores()
    methods = multiprocessing.get_all_start_methods()
    build = python_build()
    return Fingerprint(
        machine_id=make_machine_id(host, model, usable),
        hostname=host,
        cpu_model=model,
        physical_cores=psutil.cpu_count(logical=False),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        affinity_cores=affinity_cores(),
        cgroup_quota_cores=cgroup_quota_cores(),
        usable_cores=usable,
        memory_bytes=psutil.virtual_memory().total,
        os=platform.system(),
        os_release=os_release(),
        kernel=platform.release(),
        virtualisation=virtualisation(),
        python_implementation=platform.python_implementation(),
        python_version=platform.python_version(),
        python_build=" ".join(platform.python_build()),
        python_compiler=platform.python_compiler(),
        python_executable=sys.executable,
        gil_enabled=gil_enabled(),
        free_threaded_build=free_threaded_build(),
        switch_interval_s=sys.getswitchinterval(),
        start_methods=list(methods),
        default_start_method=build.default_start_method,
        python_configure_args=build.configure_args,
        python_pgo=build.pgo,
        python_lto=build.lto,
        python_debug=build.debug,
        python_jit=build.jit,
        libc=build.libc,
    )


@dataclass(frozen=True)
class RunConditions:
    """How busy the machine was when a run started: about the run, not the machine."""

    load_average_1m: float  # lags: still high for a minute after an earlier run ended
    busy_cores: float | None  # CPU time other processes used in a short sample / its wall time
    steal_fraction: float | None  # share of CPU time stolen by the hypervisor, sampled

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_conditions(sample_s: float = START_SAMPLE_S) -> RunConditions:
    """Load average, and busy cores and steal sampled over ``sample_s`` while we sleep."""
    before, wall = psutil.cpu_times(), time.perf_counter()
    time.sleep(sample_s)
    after, wall = psutil.cpu_times(), time.perf_counter() - wall
    total = sum(after) - sum(before)
    idle = (
        (after.idle - before.idle) + getattr(after, "iowait", 0.0) - getattr(before, "iowait", 0.0)
    )
    steal = getattr(after, "steal", 0.0) - getattr(before, "steal", 0.0)
    return RunConditions(
        load_average_1m=os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0,
        busy_cores=max(0.0, total - idle - steal) / wall if wall > 0 else None,
        steal_fraction=steal / total if hasattr(after, "steal") and total > 0 else None,
    )
