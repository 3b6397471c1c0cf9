"""Machine facts on other systems than the test machine: cgroup v1 quotas, no cgroup, ARM's
``Hardware`` line, no /proc at all, containers and VMs. Each file the module reads is given
from a temporary root instead of /."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench_lib.machine import environment


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake / : every absolute path environment reads resolves under it."""

    def under(path: str | Path) -> Path:
        return tmp_path / str(path).lstrip("/")

    monkeypatch.setattr(environment, "Path", under)
    for name in ("CGROUP_V2_CPU_MAX", "CGROUP_V1_QUOTA", "CGROUP_V1_PERIOD"):
        monkeypatch.setattr(environment, name, under(getattr(environment, name)))
    return tmp_path


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_cgroup_v2_quota_wins_and_no_quota_is_none(root: Path) -> None:
    write(root, "/sys/fs/cgroup/cpu.max", "150000 100000\n")
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "400000")
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000")
    assert environment.cgroup_quota_cores() == 1.5
    write(root, "/sys/fs/cgroup/cpu.max", "max 100000\n")
    assert environment.cgroup_quota_cores() is None  # v2 says no quota: v1 is not asked


def test_cgroup_v1_quota_when_v2_is_missing_or_unreadable(root: Path) -> None:
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "250000\n")
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n")
    assert environment.cgroup_quota_cores() == 2.5
    write(root, "/sys/fs/cgroup/cpu.max", "not numbers\n")  # ValueError: fall back to v1
    assert environment.cgroup_quota_cores() == 2.5
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n")  # v1's "no quota"
    assert environment.cgroup_quota_cores() is None
    write(root, "/sys/fs/cgroup/cpu/cpu.cfs_period_us", "x\n")
    assert environment.cgroup_quota_cores() is None


def test_no_cgroup_files_is_no_quota(root: Path) -> None:
    assert environment.cgroup_quota_cores() is None


def test_usable_cores_are_the_affinity_capped_by_the_quota_rounded_up(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(environment, "affinity_cores", lambda: [0, 1, 2, 3])
    assert environment.usable_cores() == 4
    write(root, "/sys/fs/cgroup/cpu.max", "150000 100000\n")
    assert environment.usable_cores() == 2  # 1.5 cores keep 2 busy part of the time
    write(root, "/sys/fs/cgroup/cpu.max", "10000 100000\n")
    assert environment.usable_cores() == 1  # a tenth of a core is still one
    write(root, "/sys/fs/cgroup/cpu.max", "800000 100000\n")
    assert environment.usable_cores() == 4  # a quota above the mask does not add cores


def test_cpu_model_from_arm_hardware_line_or_platform(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(root, "/proc/cpuinfo", "processor\t: 0\nHardware\t: BCM2835\n")
    assert environment.cpu_model() == "BCM2835"
    (root / "proc" / "cpuinfo").unlink()
    monkeypatch.setattr(environment.platform, "processor", lambda: "")
    monkeypatch.setattr(environment.platform, "machine", lambda: "armv7l")
    assert environment.cpu_model() == "armv7l"
    monkeypatch.setattr(environment.platform, "machine", lambda: "")
    assert environment.cpu_model() == "unknown"


def test_virtualisation_names_every_layer_that_holds(root: Path) -> None:
    """A container in a KVM guest is both: the old detector stopped at the container."""
    assert environment.virtualisation() == "none"
    write(root, "/proc/cpuinfo", "flags\t: fpu hypervisor\n")
    assert environment.virtualisation() == "vm"
    write(root, "/proc/1/cgroup", "0::/kubepods/besteffort/pod1\n")
    assert environment.virtualisation() == "container+vm"
    (root / "proc" / "1" / "cgroup").unlink()
    write(root, "/run/.containerenv", "")
    assert environment.virtualisation() == "container+vm"
    (root / "proc" / "cpuinfo").unlink()
    assert environment.virtualisation() == "container"


def test_a_chroot_shows_as_no_mount_at_slash_when_pid_1_cannot_be_read(root: Path) -> None:
    """Inside a Debian root (a launcher's chroot), pid 1's root is unreadable in a container;
    the kernel then lists no mount at "/" for the process."""
    write(root, "/proc/self/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda rw\n")
    assert environment.virtualisation() == "none"
    write(root, "/proc/self/mountinfo", "149 118 0:21 / /proc rw - proc proc rw\n")
    write(root, "/proc/cpuinfo", "flags\t: hypervisor\n")
    assert environment.virtualisation() == "chroot+vm"


def test_a_chroot_is_told_by_pid_1s_root_where_it_can_be_read(root: Path) -> None:
    (root / "proc" / "1" / "root").mkdir(parents=True)  # another folder than the fake /
    assert environment.in_chroot()
    (root / "proc" / "1" / "root").rmdir()
    (root / "proc" / "1" / "root").symlink_to(root)
    assert not environment.in_chroot()


def test_os_release_pretty_name_or_platform(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(environment.platform, "platform", lambda: "Darwin-23.0-arm64")
    assert environment.os_release() == "Darwin-23.0-arm64"
    write(root, "/etc/os-release", 'NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12"\n')
    assert environment.os_release() == "Debian GNU/Linux 12"


def test_machine_id_slug_of_an_unnamed_host() -> None:
    assert environment.make_machine_id("!!!", "cpu", 2).startswith("host-2c-")
    assert environment.make_machine_id("My.Host", "cpu", 8).startswith("my-host-8c-")
