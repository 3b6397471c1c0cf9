"""The start method, always explicit (DESIGN.md, principle 2): the default differs by OS and
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


def context(method: str) -> multiprocessing.context.BaseContext:
    """The explicit context for ``method`` (DESIGN.md, principle 2)."""
    if method not in multiprocessing.get_all_start_methods():
        raise StartMethodUnavailable(method)
    return multiprocessing.get_context(method)
