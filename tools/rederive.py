"""Recompute a result file's derived figures from its raw rounds, after the derivation changed.

    python tools/rederive.py RESULT.json [...]

What is recomputed: speedups, efficiency, serial fractions and side-step factors
(``bench_lib.results.scaling.derive``) and the ``impossible`` flags on them. Nothing is
measured again:
the rounds, floors and every other field stay as they were. The file records what was redone,
by which commit, in ``mpbench.rederived`` (a list: a file may be rederived more than once).
Then regenerate its report with ``mpbench report RESULT.json -o FOLDER``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench_lib.results import scaling
from bench_lib.results.files import SCHEMA_KEY
from bench_lib.results.finish import flag_impossible_speedups

IMPOSSIBLE = scaling.IMPOSSIBLE_FLAG


def rederive(data: dict[str, Any], why: str, commit: str) -> None:
    for bench in data["benchmarks"]:
        block = bench["extra_info"][SCHEMA_KEY]
        block.pop("derived", None)
        noise = block.get("noise") or {}
        if noise.get("flags"):
            noise["flags"] = [f for f in noise["flags"] if f.get("code") != IMPOSSIBLE]
    scaling.derive(data["benchmarks"])
    cores = int(data["machine_info"][SCHEMA_KEY].get("usable_cores") or 0)
    flag_impossible_speedups(data["benchmarks"], cores)
    done = data[SCHEMA_KEY].setdefault("rederived", [])
    if isinstance(done, dict):  # an older file recorded one
        done = data[SCHEMA_KEY]["rederived"] = [done]
    done.append({"what": why, "commit": commit, "utc": datetime.now(timezone.utc).isoformat()})


def main() -> int:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    why = "derived scaling figures recomputed from the raw rounds (bench_lib.results.scaling)"
    for name in sys.argv[1:]:
        path = Path(name)
        data = json.loads(path.read_text())
        rederive(data, why, commit)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=4))
        tmp.replace(path)
        print(f"rederived {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
