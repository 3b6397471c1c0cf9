"""Jobs for the lean measuring process that misbehave on purpose (tests only)."""

from __future__ import annotations

import time
from typing import Any

from bench_lib.engine.lean_worker import Round


def prepare(case: str, **params: Any) -> Round:
    if case == "sleep":
        return Round(lambda: time.sleep(float(params["seconds"])))
    raise ValueError(case)
