"""Draw a chart, or say why the values of a result file cannot be drawn.

A result file may hold any finite time: a median of 1e308 overflows an axis padded for its
labels, a lone zero has no place on a log axis. The rest of a report does not depend on one
chart, so such a chart is left out and named, with the reason, instead of ending the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import matplotlib.pyplot as plt

T = TypeVar("T")
CHART_DATA_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError)  # what odd values
# raise in pandas and matplotlib (axis limits NaN or Inf, image too large, empty pivots)


def guarded(label: str, draw: Callable[[], T]) -> tuple[T | None, str | None]:
    """``draw()``'s result and None; or None and a line naming the chart and the cause.

    Overflow and log-axis warnings are silenced while drawing: the line says what went wrong,
    and a command's stderr stays one line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            return draw(), None
    except CHART_DATA_ERRORS as exc:
        plt.close("all")  # the half-drawn figure
        cause = f"{type(exc).__name__}: {str(exc)[:120]}"
        return None, f"{label} not drawn: the file's values do not fit a chart ({cause})"
