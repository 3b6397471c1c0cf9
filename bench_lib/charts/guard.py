"""Draw a chart (or derive advice), or say why the values of a result file do not allow it.

A result file may hold any finite time: a median of 1e308 overflows an axis padded for its
labels, a zero has no place on a log axis or under a division. The rest of a report does not
depend on one chart or on the advice, so such a part is left out and named, with the reason,
instead of ending the report.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import matplotlib.pyplot as plt

T = TypeVar("T")
CHART_DATA_ERRORS = (ArithmeticError, AttributeError, LookupError, TypeError, ValueError)
# what odd values raise in pandas, matplotlib and our arithmetic: axis limits NaN or Inf, image
# too large, a division by a zero median, a list where a number was expected


def guarded(label: str, draw: Callable[[], T]) -> tuple[T | None, str | None]:
    """``draw()``'s result and None; or None and a line naming the part and the cause.

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
        return None, f"{label} left out: the file's values do not fit it ({cause})"
