"""Do ``pytest-benchmark compare`` and ``mpbench compare`` name the same faster side?

    python tools/pb_agreement.py BASELINE.json CANDIDATE.json

For every benchmark whose first figure ``mpbench compare`` calls faster or slower, the side
pytest-benchmark ranks first (its own file loader and grouping, on ``stats.median``, which is
per operation since schema 2: docs/pytest-benchmark.md). Prints one line per disagreement and
a count; exit 1 if any. Both files go through ``results.load`` first, so schema-1 files are
compared as they are migrated.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pytest_benchmark.logger import Logger
from pytest_benchmark.plugin import pytest_benchmark_group_stats
from pytest_benchmark.storage.file import FileStorage

from bench_lib.compare import pairs
from bench_lib.results import files as results


def pytest_benchmark_faster(base: dict[str, Any], cand: dict[str, Any]) -> dict[str, str]:
    """fullname -> "baseline" or "candidate": the lower median in pytest-benchmark's groups."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "0001_base.json", Path(tmp) / "0002_cand.json"]
        for path, data in zip(paths, (base, cand)):
            path.write_text(json.dumps(data))
        loaded = list(FileStorage(tmp, Logger(Logger.QUIET)).load_benchmarks(*map(str, paths)))
    faster = {}
    for _, group in pytest_benchmark_group_stats(None, loaded, "fullname"):
        if len(group) == 2:
            b, c = sorted(group, key=lambda x: x["source"])
            faster[b["fullname"]] = "candidate" if c["median"] < b["median"] else "baseline"
    return faster


def mpbench_faster(named: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """fullname -> the side ``mpbench compare`` calls faster, for its first figure's verdicts."""
    first = {}
    for b in named[0][1]["benchmarks"]:
        m = b["extra_info"]["mpbench"]
        key = (m["subject"], m["case"], tuple((k, str(v)) for k, v in m["params"].items()))
        first[key] = (b["fullname"], m["figures"][0]["name"] if m.get("figures") else None)
    out = {}
    for f in pairs.build(named).pairs[0].figures:
        fullname, figure = first.get((f.subject, f.case, f.params), (None, None))
        if fullname and figure == f.figure and f.verdict in ("faster", "slower"):
            out[fullname] = "candidate" if f.verdict == "faster" else "baseline"
    return out


def main(argv: list[str]) -> int:
    named = [(p, results.load(p)) for p in argv]
    theirs = pytest_benchmark_faster(named[0][1], named[1][1])
    ours = mpbench_faster(named)
    wrong = [name for name, side in ours.items() if theirs.get(name) != side]
    for name in wrong:
        print(f"{name}: mpbench says {ours[name]} is faster, pytest-benchmark {theirs.get(name)}")
    print(f"{len(ours) - len(wrong)} of {len(ours)} changes named alike by both tools")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:3]))
