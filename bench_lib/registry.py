"""The subjects mpbench knows: one declaration per folder under ``bench_lib/subjects/``.

Each ``bench_lib/subjects/<name>/declaration.py`` holds ``SUBJECT = Subject(...)``: its name,
its report title, its place in the report and the colours of the series it introduces. The
registry finds the folders itself, so adding a subject adds a folder and touches no list here.
Its charts (``charts.CHARTS``) and advice (``advice.rules``) are imported only when asked for:
pandas and matplotlib stay out of every process that only measures.

Stdlib only, and it imports no subject statically: subjects import :class:`Subject` from here.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType, ModuleType
from typing import Any

SUBJECTS_PACKAGE = "bench_lib.subjects"

ChartFn = Callable[..., Any]  # (data, figures frame, out_dir, RunContext) -> Chart | None
Rule = Callable[..., list[str]]  # (advice.RunFigures) -> sentences with this run's numbers


@dataclass(frozen=True)
class RunOption:
    """An option a subject adds to ``mpbench run``, checked before anything runs."""

    flag: str  # "--scheduler": the `mpbench run` flag; pytest gets it as ``pytest_flag``
    metavar: str  # "tcp://HOST:PORT"
    help: str
    check: str  # "module:function": the value as given -> the value pytest gets; a ValueError
    # says why it cannot be used (a one-line error, exit 2)

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def pytest_flag(self) -> str:
        """``--mpbench-scheduler``: the option pytest gets (pytest_hooks.py adds it). Every
        option mpbench adds to pytest is prefixed, so none collides with the user's own."""
        return "--mpbench-" + self.flag.lstrip("-")

    @property
    def pytest_dest(self) -> str:
        """``mpbench_scheduler``: the name ``config.getoption`` reads it by."""
        return self.pytest_flag.lstrip("-").replace("-", "_")

    def checked(self, value: str) -> str:
        module, function = self.check.split(":")
        result: str = getattr(importlib.import_module(module), function)(value)
        return result


class UnknownSubjectError(KeyError):
    """A subject name that no folder under ``bench_lib/subjects/`` declares."""


@dataclass(frozen=True)
class Subject:
    """One subject as the CLI, the report, the charts and the advice see it."""

    name: str  # the benchmarks' ``subject`` marker, ``benchmarks/test_<name>.py``, its folder
    title: str  # the report section's heading; the part before ':' names its link
    order: int  # place in the report and the advice: the headline (gil) first
    colours: Mapping[str, str] = field(default_factory=dict)  # series it introduces: colour
    run_options: tuple[RunOption, ...] = ()  # its own `mpbench run` options

    @property
    def package(self) -> str:
        return f"{SUBJECTS_PACKAGE}.{self.name}"


def _module(subject: Subject, leaf: str) -> ModuleType | None:
    """The subject's ``leaf`` module, or None where the subject has none."""
    name = f"{subject.package}.{leaf}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


@lru_cache(maxsize=1)
def subjects() -> tuple[Subject, ...]:
    """Every declared subject, in report order."""
    package = importlib.import_module(SUBJECTS_PACKAGE)
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            declared = importlib.import_module(f"{SUBJECTS_PACKAGE}.{info.name}.declaration")
            subject: Subject = declared.SUBJECT
            if subject.name != info.name:
                raise ValueError(f"{info.name}/declaration.py declares {subject.name!r}")
            found.append(subject)
    return tuple(sorted(found, key=lambda s: (s.order, s.name)))


def run_options() -> tuple[RunOption, ...]:
    """Every subject's own ``mpbench run`` options, in report order."""
    return tuple(option for s in subjects() for option in s.run_options)


def names() -> tuple[str, ...]:
    return tuple(s.name for s in subjects())


def get(name: str) -> Subject:
    for subject in subjects():
        if subject.name == name:
            return subject
    raise UnknownSubjectError(f"no subject {name!r}; known: {', '.join(names())}")


def charts(subject: Subject) -> tuple[ChartFn, ...]:
    """The subject's chart functions; each draws one chart or returns None."""
    module = _module(subject, "charts")
    if module is None:
        return ()
    fns: tuple[ChartFn, ...] = tuple(module.CHARTS)
    return fns


def advice(subject: Subject) -> Rule | None:
    """The subject's advice rule (``advice.rules``), or None where it gives none."""
    module = _module(subject, "advice")
    if module is None:
        return None
    rule: Rule = module.rules
    return rule


def pytest_hooks(subject: Subject) -> ModuleType | None:
    """The subject's own pytest hooks (``pytest_hooks.py``: its options), or None."""
    return _module(subject, "pytest_hooks")


@lru_cache(maxsize=1)
def palette() -> Mapping[str, str]:
    """The series colours every subject declares, merged (one colour a series)."""
    merged: dict[str, str] = {}
    for subject in subjects():
        for series, colour in subject.colours.items():
            if merged.setdefault(series, colour) != colour:
                raise ValueError(f"series {series!r} has two colours ({subject.name})")
    return MappingProxyType(merged)
