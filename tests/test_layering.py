"""The import layering of bench_lib: packages by role, each on a layer, no import upwards.

Layers, bottom up (docs/design.md, "Layout"); a module may import its own package and any
package on a lower layer, never one on its own layer or above, so the packages have no cycle:

0. the leaves: ``registry``, ``units``, ``printable`` and ``workers`` (stdlib only: spawned
   children import them);
1. ``machine``; 2. ``stats`` and ``supervision``; 3. ``results``; 4. ``engine`` and ``charts``;
4b. ``measure`` (the user's function measured; the plugin serves its fixture);
5. ``plugin`` and the subjects, ``bench_lib/subjects/<name>/``: each subject imports the base
   only, never another subject (what two subjects share belongs in the base);
6.-8. the readers, ``pages``, ``compare`` and ``report``: they reach the subjects only through
   the registry, never by importing one;
9. the command line, ``cli``; 10. ``testing``, the workers only the tests run.

Every import counts, also those inside functions (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "bench_lib"
LAYERS = (
    {"registry", "units", "printable", "workers"},
    {"machine"},
    {"stats", "supervision"},
    {"results"},
    {"engine", "charts"},
    {"measure"},
    {"plugin", "subjects"},
    {"pages"},
    {"compare"},
    {"report"},
    {"cli"},
    {"testing"},
)
READERS = ("pages", "compare", "report")
MAX_TOP_MODULES = 6  # the facade and a few shared leaves; everything else lives in a package


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package(module: str) -> str | None:
    """The role ``module`` belongs to: its package or leaf under bench_lib; None: the facade."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def layer(module: str) -> int:
    role = package(module)
    if role is None:
        return -1  # bench_lib itself: a lazy facade, importing nothing until a name is asked for
    found = [i for i, roles in enumerate(LAYERS) if role in roles]
    assert found, f"{module}: package {role!r} is on no layer; add it to LAYERS"
    return found[0]


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


def test_no_module_imports_a_package_on_its_own_layer_or_above() -> None:
    upward = [
        (a, b)
        for a, b in edges()
        if package(a) != package(b) and layer(b) >= layer(a) and layer(a) >= 0
    ]
    assert upward == []


def test_every_module_is_on_a_layer() -> None:
    assert all(layer(module_name(p)) >= -1 for p in ROOT.rglob("*.py"))


def test_a_subject_imports_no_other_subject() -> None:
    across = [
        (a, b)
        for a, b in edges()
        if subject_of(a) and subject_of(b) and subject_of(a) != subject_of(b)
    ]
    assert across == []


def test_readers_reach_subjects_only_through_the_registry() -> None:
    direct = [(a, b) for a, b in edges() if package(a) in READERS and subject_of(b)]
    assert direct == []


def test_each_package_says_its_role_in_one_line() -> None:
    inits = [p for p in ROOT.glob("*/__init__.py") if p.parent.name != "__pycache__"]
    missing = [
        str(p.relative_to(ROOT))
        for p in inits
        if not (ast.get_docstring(ast.parse(p.read_text())) or "").strip()
    ]
    assert missing == []


def test_few_modules_sit_directly_in_bench_lib() -> None:
    top = sorted(p.name for p in ROOT.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_the_layering_check_sees_imports_inside_functions() -> None:
    # the plugin imports scaling lazily (numpy only once measuring is over): it must be seen
    assert ("bench_lib.plugin.hooks", "bench_lib.results.scaling") in edges()
