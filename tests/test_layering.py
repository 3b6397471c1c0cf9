"""The import layering of bench_lib: no module imports one on a floor above its own.

Floors, bottom up (DESIGN.md, "Where the layout is going"):

0. the base: engine, plugin, profiles, stats, results, schema, registry, charts' style ...
1. the subjects, ``bench_lib/subjects/<name>/``: each imports the base only, never another
   subject (what two subjects share belongs in the base);
2. the readers, ``bench_lib/report/`` and ``bench_lib/compare/``: they reach the subjects only
   through the registry, never by importing one;
3. the command line: ``cli`` and the modules that only it uses.

Every import counts, also those inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "bench_lib"
COMMAND_LINE = {
    "cli",
    "cli_common",
    "cli_run",
    "run_summary",
    "ab",
    "matrix_run",
}  # floor 3, at the top
READERS = ("report", "compare")  # floor 2 packages


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return 0  # bench_lib itself: a lazy facade over the base
    if parts[1] == "subjects":
        return 1
    if parts[1] in READERS:
        return 2
    return 3 if parts[1] in COMMAND_LINE else 0


def imports(path: Path) -> Iterator[str]:
    """Every bench_lib module ``path`` imports (``from bench_lib import x`` names ``x``)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("bench_lib"))
        elif (
            isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bench_lib")
        ):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (ROOT.parent / candidate.replace(".", "/")).with_suffix(".py").exists()
                is_package = (ROOT.parent / candidate.replace(".", "/") / "__init__.py").exists()
                yield candidate if is_module or is_package else node.module


def edges() -> list[tuple[str, str]]:
    return [
        (module_name(path), target)
        for path in sorted(ROOT.rglob("*.py"))
        for target in imports(path)
        if target != module_name(path)
    ]


def subject_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "subjects" else None


def test_no_module_imports_one_on_a_floor_above_it() -> None:
    upward = [(a, b) for a, b in edges() if floor(b) > floor(a)]
    assert upward == []


def test_a_subject_imports_no_other_subject() -> None:
    across = [
        (a, b)
        for a, b in edges()
        if subject_of(a) and subject_of(b) and subject_of(a) != subject_of(b)
    ]
    assert across == []


def test_readers_reach_subjects_only_through_the_registry() -> None:
    direct = [(a, b) for a, b in edges() if floor(a) == 2 and subject_of(b)]
    assert direct == []


def test_the_layering_check_sees_imports_inside_functions() -> None:
    # the plugin imports scaling lazily (numpy only once measuring is over): it must be seen
    assert ("bench_lib.plugin", "bench_lib.scaling") in edges()
