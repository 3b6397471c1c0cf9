"""The start method, always explicit (docs/design.md, principle 2): the default differs by OS and
changed on Linux in Python 3.14. Every subject that starts processes gets its context here.

Stdlib only: the lean measuring process imports it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys


class StartMethodUnavailable(Exception):
    def __init__(self, method: str) -> None:
        have = ", ".join(multiprocessing.get_all_start_methods())
        super().__init__(
            f"start method {method!r} is not available on {sys.platform} (available: {have})"
        )


def stable_method() -> str:
    """The start method for benchmarks that have no start-method axis of their own.

    Rule: fork on POSIX systems but macOS, spawn on macOS and Windows: the method each platform
    preferred up to Python 3.13, named explicitly, so ids and figures keep their meaning on
    3.14, whose Linux default is forkserver.
    """
    if sys.platform in ("darwin", "win32") or "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    return "fork"


def platform_default() -> str:
    """The start method multiprocessing uses when none is named, read without fixing it.

    ``multiprocessing.get_start_method()`` would fix the default as a side effect and reports a
    method set with ``set_start_method``; the platform's own default is what the build says.
    """
    default = getattr(multiprocessing.context, "_default_context", None)
    concrete = getattr(default, "_default_context", None)
    name = getattr(concrete, "_name", None)
    return name if isinstance(name, str) else multiprocessing.get_all_start_methods()[0]


def context(method: str) -> multiprocessing.context.BaseContext:
    """The explicit context for ``method`` (docs/design.md, principle 2)."""
    if method not in multiprocessing.get_all_start_methods():
        raise StartMethodUnavailable(method)
    return multiprocessing.get_context(method)
