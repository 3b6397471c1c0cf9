"""The user's function and its arguments: loaded, checked, and their errors told in one line.

A target is ``PATH.py:NAME`` or ``module:NAME``. A file is imported under its own name with
its folder first on ``sys.path``, as ``python PATH.py`` would see it, so that pickle finds the
function by reference and spawn and forkserver children (which get the parent's ``sys.path``)
import the same file. Bad input is a :class:`TargetError` (one line, exit 2); the user's own
code raising is a :class:`UserCodeError` that carries the user's traceback (exit 1).
"""

from __future__ import annotations

import importlib
import importlib.util
import pickle
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUR_FILES = str(Path(__file__).resolve().parents[1])  # bench_lib: left out of the user's traceback


class TargetError(Exception):
    """Bad input: the target or its arguments cannot be used. One line, exit 2."""


class UserCodeError(Exception):
    """The user's code raised; ``text`` is its traceback, our own frames left out. Exit 1."""

    def __init__(self, where: str, exc: BaseException) -> None:
        super().__init__(f"{where} raised {type(exc).__name__}: {exc}")
        self.text = user_traceback(exc)


@dataclass(frozen=True)
class Target:
    """What is measured: the function, the argument tuples, and how the user named them."""

    fn: Callable[..., Any]
    args: list[tuple[Any, ...]]
    name: str  # as given: "work.py:crunch"
    args_name: str  # as given: "work.py:jobs"


def _import(where: str) -> Any:
    if where.endswith(".py") or "/" in where:
        path = Path(where).resolve()
        if not path.is_file():
            raise TargetError(f"no file {where}: give PATH.py:FUNCTION or module:FUNCTION")
        folder, name = str(path.parent), path.stem
        if folder not in sys.path:
            sys.path.insert(0, folder)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None or Path(spec.origin).resolve() != path:
            found = spec.origin if spec is not None else "nothing"
            raise TargetError(
                f"{where} cannot be imported as {name!r} (that name finds {found}): rename the file"
            )
        where = name
    try:
        return importlib.import_module(where)
    except Exception as exc:  # the user's module: any error it raises while importing
        raise TargetError(f"cannot import {where}: {type(exc).__name__}: {exc}") from None


def load_callable(spec: str) -> Callable[..., Any]:
    """The callable ``spec`` (``PATH.py:NAME`` or ``module:NAME``) names."""
    where, _, name = spec.rpartition(":")
    if not where or not name:
        raise TargetError(f"{spec!r}: give PATH.py:FUNCTION or module:FUNCTION")
    module = _import(where)
    fn = getattr(module, name, None)
    if fn is None:
        defined = sorted(k for k, v in vars(module).items() if callable(v) and k[0] != "_")
        raise TargetError(f"{where} has no {name!r} (it defines: {', '.join(defined) or 'none'})")
    if not callable(fn):
        raise TargetError(f"{spec} is a {type(fn).__name__}, not a function")
    return fn  # type: ignore[no-any-return]


def checked_args(value: object, where: str) -> list[tuple[Any, ...]]:
    """The argument tuples, or a TargetError that says what came back instead."""
    if not isinstance(value, (list, tuple)):
        raise TargetError(
            f"{where} must return a list of argument tuples such as [(1,), (2,)], "
            f"not a {type(value).__name__}"
        )
    if not value:
        raise TargetError(f"{where} returned no argument tuples: there is nothing to measure")
    for i, item in enumerate(value):
        if not isinstance(item, tuple):
            raise TargetError(
                f"{where} must return a list of argument tuples: item {i} is a "
                f"{type(item).__name__} ({item!r:.40}); write ({item!r:.40},) for one argument"
            )
    return list(value)


def load(fn_spec: str, args_spec: str) -> Target:
    """The target and its arguments, checked: a TargetError or UserCodeError if unusable."""
    fn = load_callable(fn_spec)
    make_args = load_callable(args_spec)
    try:
        value = make_args()
    except Exception as exc:
        raise UserCodeError(f"{args_spec}()", exc) from None
    return Target(fn, checked_args(value, f"{args_spec}()"), fn_spec, args_spec)


def picklable(fn: Callable[..., Any], name: str) -> None:
    """Processes and interpreters get the function by reference: a TargetError if they cannot."""
    try:
        same = pickle.loads(pickle.dumps(fn)) is fn
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise TargetError(
            f"{name} cannot be sent to worker processes ({exc}): define it at module level"
        ) from None
    if not same:
        raise TargetError(f"{name} is not found again by its name: define it at module level")


def args_unpicklable(args: list[tuple[Any, ...]]) -> str | None:
    """Why the arguments cannot go to another process, or None when they can."""
    for i, item in enumerate(args):
        try:
            pickle.dumps(item)
        except Exception as exc:  # pickle raises whatever __reduce__ of an object raises
            return f"argument tuple {i} cannot be pickled ({type(exc).__name__}: {exc})"
    return None


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` (and what it was raised from) without mpbench's own frames."""
    shown = traceback.TracebackException.from_exception(exc)
    for part in _chain(shown):
        kept = [f for f in part.stack if not f.filename.startswith(OUR_FILES)]
        part.stack = traceback.StackSummary.from_list(kept)
    return "".join(shown.format())


def _chain(te: traceback.TracebackException) -> list[traceback.TracebackException]:
    out, seen = [], set()
    current: traceback.TracebackException | None = te
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out
