"""Human-readable numbers with their units: 12.3 ms, 4.56 M msg/s, 1.2 GB/s."""

from __future__ import annotations

import math

_TIME_STEPS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns"))
_SI_STEPS = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _sig(x: float, digits: int = 3) -> str:
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def format_value(value: float | None, unit: str) -> str:
    """Scale ``value`` to a readable prefix: seconds to ms/us/ns, rates and bytes to k/M/G."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "s":
        for scale, name in _TIME_STEPS:
            if abs(value) >= scale or scale == 1e-9:
                return f"{_sig(value / scale)} {name}"
    if unit in ("B", "B/s"):
        for scale, name in _SI_STEPS:
            if abs(value) >= scale:
                return f"{_sig(value / scale)} {name}{unit}"
        return f"{_sig(value)} {unit}"
    if "/s" in unit:
        for scale, name in _SI_STEPS:
            if abs(value) >= scale:
                return f"{_sig(value / scale)} {name} {unit}"
    return f"{_sig(value)} {unit}".rstrip()


def format_interval(low: float | None, high: float | None, unit: str) -> str:
    if low is None or high is None:
        return "n/a"
    return f"{format_value(low, unit)} .. {format_value(high, unit)}"


def format_bytes_size(n: int) -> str:
    """Message and memory sizes in binary units: 64 B, 16 KiB, 1 MiB."""
    for scale, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {name}"
    return f"{n} B"
