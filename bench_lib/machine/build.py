"""How the running CPython was built, and on what C library: the build half of the fingerprint.

Two runs of the same version can differ by build: PGO and LTO change every figure by tens of
percent, a debug build by far more, a free-threaded build changes the GIL's figures, the JIT
(3.14+) changes the CPU-bound ones, and the default start method changes what an unnamed
context does. Everything here is read from ``sysconfig`` and ``sys``, never guessed: where
the build does not say (Debian applies PGO and LTO through its own make arguments, which
``sysconfig`` does not keep), the value is None, shown as "not stated".
"""

from __future__ import annotations

import platform
import shlex
import sys
import sysconfig
from dataclasses import dataclass

from bench_lib.workers import mp_context

# Where the configure arguments or the compiler flags show PGO or LTO (CPython's configure).
PGO_ARGS = ("--enable-optimizations",)
PGO_FLAGS = ("-fprofile-use", "-fprofile-instr-use")  # gcc / clang
LTO_ARGS = ("--with-lto",)
LTO_FLAGS = ("-flto",)
FLAG_VARS = ("PY_CFLAGS", "PY_CFLAGS_NODIST", "PY_LDFLAGS_NODIST", "LDFLAGS_NODIST")


@dataclass(frozen=True)
class PythonBuild:
    configure_args: str  # sysconfig CONFIG_ARGS; "" where the build keeps none (Windows)
    pgo: bool | None  # True where the arguments or flags show it; None: not stated
    lto: bool | None  # as pgo
    free_threaded: bool  # Py_GIL_DISABLED: the build can run without the GIL
    debug: bool  # Py_DEBUG: a debug build (every figure far slower)
    jit: str  # "none" (no sys._jit), "available, off", "on" (3.14+: sys._jit)
    default_start_method: str  # what an unnamed multiprocessing context would use
    libc: str  # "glibc 2.41"; "" where platform.libc_ver() does not know


def _config_text(name: str) -> str:
    value = sysconfig.get_config_var(name)
    return value if isinstance(value, str) else ""


def _configure_words(args: str) -> list[str]:
    """CONFIG_ARGS as words: "'--with-lto' 'CFLAGS=-O2'" -> ["--with-lto", "CFLAGS=-O2"]."""
    try:
        return shlex.split(args)
    except ValueError:  # an unbalanced quote: the plain words still say enough
        return args.split()


def shown(args: str, arg_names: tuple[str, ...], flags: tuple[str, ...]) -> bool | None:
    """True where a configure argument (``--with-lto``, ``--with-lto=full``) or a compiler flag
    in sysconfig shows the optimisation; None where neither says (never False: absence in
    sysconfig does not prove a build skipped it)."""
    for word in _configure_words(args):
        if word.split("=", 1)[0] in arg_names and not word.endswith(("=no", "=off")):
            return True
    for name in FLAG_VARS:
        words = _config_text(name).split()
        if any(word.startswith(flag) for word in words for flag in flags):  # -flto=auto
            return True
    return None


def jit_state() -> str:
    """The JIT as the running interpreter has it (``sys._jit``, 3.14+)."""
    jit = getattr(sys, "_jit", None)
    if jit is None or not jit.is_available():
        return "none"
    return "on" if jit.is_enabled() else "available, off"


def libc() -> str:
    name, version = platform.libc_ver()
    return f"{name} {version}".strip()


def python_build() -> PythonBuild:
    args = _config_text("CONFIG_ARGS")
    return PythonBuild(
        configure_args=args,
        pgo=shown(args, PGO_ARGS, PGO_FLAGS),
        lto=shown(args, LTO_ARGS, LTO_FLAGS),
        free_threaded=bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        debug=bool(sysconfig.get_config_var("Py_DEBUG")),
        jit=jit_state(),
        default_start_method=mp_context.platform_default(),
        libc=libc(),
    )
