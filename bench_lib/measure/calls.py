"""What pool workers run: the user's function on one argument tuple. Stdlib only.

Spawn and forkserver children import the module that defines what they run (docs/design.md,
principle 1), so these helpers live in a module of their own that imports nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def star(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``fn(*args)``: one call of the user's function."""
    return fn(*args)


def indexed(job: tuple[int, Callable[..., Any], tuple[Any, ...]]) -> tuple[int, Any]:
    """One call that says which it was: ``imap_unordered`` returns results out of order."""
    i, fn, args = job
    return i, fn(*args)


def answer(_: int) -> int:
    """A no-op task: the worker is up and answering (the pool's start-up ends here)."""
    return os.getpid()


def use_path(paths: tuple[str, ...]) -> None:
    """An interpreter's initializer: the parent's ``sys.path``, so it imports the same target."""
    sys.path[:] = [*paths, *(p for p in sys.path if p not in paths)]
