"""The build half of the fingerprint (machine/build.py) and compare's build-difference lines.

sysconfig and sys are monkeypatched with the values real builds carry: pyenv's plain build,
a `--enable-optimizations --with-lto` build, Debian's (which keeps neither in sysconfig), a
free-threaded debug build, and 3.14's JIT states.
"""

from __future__ import annotations

import copy
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from test_compare import bench, noisy_rounds, result

from bench_lib.compare import pairs as compare
from bench_lib.compare.fields import NOT_RECORDED, NOT_STATED, configure_differences
from bench_lib.compare.text import markdown_report, terminal_report
from bench_lib.machine import build, environment
from bench_lib.results import files as results


def fake_config(monkeypatch: pytest.MonkeyPatch, **config: Any) -> None:
    monkeypatch.setattr(build.sysconfig, "get_config_var", lambda name: config.get(name))


def test_optimised_build_shows_pgo_and_lto_from_its_configure_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_config(monkeypatch, CONFIG_ARGS="'--enable-optimizations' '--with-lto=full' '--prefix=/x'")
    b = build.python_build()
    assert (b.pgo, b.lto, b.debug, b.free_threaded) == (True, True, False, False)
    assert b.configure_args.startswith("'--enable-optimizations'")


def test_flags_show_pgo_and_lto_where_the_arguments_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_config(
        monkeypatch,
        CONFIG_ARGS="'--prefix=/usr'",
        PY_CFLAGS_NODIST="-O3 -fprofile-use -fprofile-correction",
        PY_LDFLAGS_NODIST="-flto=auto -Wl,-O1",
    )
    b = build.python_build()
    assert (b.pgo, b.lto) == (True, True)


def test_a_build_that_does_not_say_is_none_never_false(monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian applies PGO and LTO through make arguments sysconfig does not keep."""
    fake_config(monkeypatch, CONFIG_ARGS="'--enable-shared' '--with-lto=no'", PY_CFLAGS="-O2")
    b = build.python_build()
    assert (b.pgo, b.lto) == (None, None)
    fake_config(monkeypatch)  # no CONFIG_ARGS at all (Windows)
    assert build.python_build().configure_args == ""


def test_free_threaded_debug_build(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_config(
        monkeypatch, CONFIG_ARGS="'--disable-gil' '--with-pydebug'", Py_GIL_DISABLED=1, Py_DEBUG=1
    )
    b = build.python_build()
    assert (b.free_threaded, b.debug) == (True, True)


@pytest.mark.parametrize(
    ("jit", "state"),
    [
        (None, "none"),
        (SimpleNamespace(is_available=lambda: False, is_enabled=lambda: False), "none"),
        (SimpleNamespace(is_available=lambda: True, is_enabled=lambda: False), "available, off"),
        (SimpleNamespace(is_available=lambda: True, is_enabled=lambda: True), "on"),
    ],
)
def test_jit_state_from_sys_jit(monkeypatch: pytest.MonkeyPatch, jit: Any, state: str) -> None:
    if jit is None:
        monkeypatch.delattr(sys, "_jit", raising=False)
    else:
        monkeypatch.setattr(sys, "_jit", jit, raising=False)
    assert build.jit_state() == state


def test_libc_and_default_start_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build.platform, "libc_ver", lambda: ("glibc", "2.43"))
    monkeypatch.setattr(build.mp_context, "platform_default", lambda: "forkserver")
    b = build.python_build()
    assert (b.libc, b.default_start_method) == ("glibc 2.43", "forkserver")
    monkeypatch.setattr(build.platform, "libc_ver", lambda: ("", ""))
    assert build.libc() == ""


def test_the_fingerprint_carries_the_build_and_validates() -> None:
    fp = environment.fingerprint().as_dict()
    here = build.python_build()
    assert fp["python_jit"] == here.jit and fp["libc"] == here.libc
    assert fp["default_start_method"] == here.default_start_method
    assert fp["python_configure_args"] == here.configure_args
    data = result([bench("x", noisy_rounds(1e-3))])
    data["machine_info"]["mpbench"].update(fp)
    results.validate(data)  # the new fields are additive: a file with them stays valid


def _with_build(data: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    out["machine_info"]["mpbench"].update(fields)
    return out


BUILD_311 = {
    "python_configure_args": "'--prefix=/usr' '--enable-optimizations' '--with-lto'",
    "python_pgo": True,
    "python_lto": True,
    "python_debug": False,
    "python_jit": "none",
    "libc": "glibc 2.36",
}


def test_compare_lists_build_differences_beside_the_machine_ones() -> None:
    base = _with_build(result([bench("x", noisy_rounds(1e-3))], label="a"), **BUILD_311)
    cand = _with_build(
        result([bench("x", noisy_rounds(1e-3))], label="b", python="3.14.8"),
        python_configure_args="'--prefix=/usr' '--enable-experimental-jit=yes-off'",
        python_pgo=None,
        python_lto=None,
        python_debug=False,
        python_jit="available, off",
        libc="glibc 2.43",
        default_start_method="forkserver",
        start_methods=["forkserver", "fork", "spawn"],
    )
    base["machine_info"]["mpbench"]["start_methods"] = ["fork", "spawn", "forkserver"]
    c = compare.build([("a", base), ("b", cand)])
    rows = {m.name: m for m in c.machine if m.group == "build"}
    assert rows["PGO"].values == ("yes", NOT_STATED) and rows["PGO"].differs
    assert rows["JIT"].values == ("none", "available, off")
    assert rows["default start method"].values == ("fork", "forkserver")
    assert rows["configure arguments"].values == (
        "--enable-optimizations --with-lto",
        "--enable-experimental-jit=yes-off",
    )
    assert not rows["debug build"].differs
    assert not rows["start methods"].differs  # 3.14 lists the same three, its default first
    assert not any("start methods available differ" in w for w in c.warnings)
    report = terminal_report(c)
    machine_part, build_part = report.split("build differences:")
    assert "default start method" in build_part.split("against baseline")[0]
    assert "C library" in build_part and "glibc 2.43" in build_part
    assert "PGO" not in machine_part
    assert "forkserver" in markdown_report(c, [])


def test_same_build_prints_no_build_table_and_old_files_say_not_recorded() -> None:
    old = result([bench("x", noisy_rounds(1e-3))], label="a")  # no build fields at all
    new = _with_build(result([bench("x", noisy_rounds(1e-3))], label="b"), **BUILD_311)
    same = compare.build([("a", new), ("b", _with_build(new, **{}))])
    assert "build differences:" not in terminal_report(same)
    c = compare.build([("a", old), ("b", new)])
    rows = {m.name: m for m in c.machine if m.group == "build"}
    assert rows["LTO"].values == (NOT_RECORDED, "yes")
    assert rows["configure arguments"].values[0] == "(no argument of its own)"


def test_configure_differences_keep_only_each_runs_own_arguments() -> None:
    assert configure_differences(["'-a' '-b'", "'-b' '-c'"]) == ("-a", "-c")
    assert configure_differences(["'-a' '-b'", "'-a' '-b' '-c'"]) == (
        "(no argument of its own)",
        "-c",
    )
    many = " ".join(f"'--opt{i}'" for i in range(7))
    assert configure_differences([many, ""])[0] == "--opt0 --opt1 --opt2 --opt3 (+3 more)"
    assert configure_differences(["'unbalanced -a", "-a"]) == (
        "'unbalanced",
        "(no argument of its own)",
    )


def test_a_runs_report_says_its_c_library_and_jit_and_old_files_still_render() -> None:
    from bench_lib.report.render import machine_lines

    old = result([bench("x", noisy_rounds(1e-3))])
    assert dict(machine_lines(old))["OS"] == "Linux, kernel 6.0, none"
    new = _with_build(old, libc="glibc 2.43", python_jit="available, off")
    lines = dict(machine_lines(new))
    assert lines["OS"].endswith(", glibc 2.43") and lines["Python"].endswith(", JIT available, off")
