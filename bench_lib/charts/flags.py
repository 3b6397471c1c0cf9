"""Which noise flags a chart marks on a point, and the legend words that say what they mean.

A chart already shows some flags by itself: a wide interval is the whisker, too few rounds is
a point without one (and the footer's n), an impossible speedup is a red cross, a client-bound
rate a hollow triangle. Ringing those points too would ring most of them and say nothing, so
a ring marks only a flag the drawing cannot show: erratic rounds, a busy machine, stolen time,
a changing clock, a figure below its floor. The legend names the flags the rings stand for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Union

from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch

from bench_lib.stats.noise import ERRATIC_CV

DRAWN = frozenset(  # shown by the drawing itself, never ringed
    {"wide-interval", "few-rounds", "impossible", "client-bound"}
)
MEANING = {  # what a ring stands for, in a person's words
    "erratic": f"erratic rounds (spread over {ERRATIC_CV:.0%})",
    "busy-machine": "other programs kept the CPUs busy",
    "steal": "the hypervisor took CPU time",
    "frequency": "the CPU clock changed",
    "above-floor": "below its floor: suspect",
}
NOISY = "noisy"  # a caller that knows only that a point is noisy, not why
RING_GID = "ring:"  # the gid prefix of a ring or outline, followed by the codes it marks
FlagsOf = Union[str, bool]  # a point's flag codes joined by commas ("erratic,steal"), or noisy


def codes(flags: FlagsOf) -> tuple[str, ...]:
    """The flags of one point that a ring should mark (none: no ring)."""
    if isinstance(flags, str):
        return tuple(c for c in flags.split(",") if c and c not in DRAWN)
    return (NOISY,) if flags else ()


def ringed(points: Iterable[FlagsOf]) -> list[bool]:
    """For each point: does it get a ring?"""
    return [bool(codes(f)) for f in points]


def gid(flags: FlagsOf) -> str:
    """The id a ringed artist carries, so the legend can say what its rings stand for."""
    return RING_GID + ",".join(codes(flags))


def codes_in(fig: MplFigure) -> tuple[list[str], str]:
    """Every flag code the figure's marks stand for, and what those marks are ("red ring",
    "red outline" on bars, or both)."""
    found: list[str] = []
    kinds: set[str] = set()
    for ax in fig.axes:
        for artist in ax.get_children():
            mark = artist.get_gid()
            if isinstance(mark, str) and mark.startswith(RING_GID):
                found += [c for c in mark[len(RING_GID) :].split(",") if c]
                kinds.add("outline" if isinstance(artist, Patch) else "ring")
    return found, "red " + " or ".join(sorted(kinds, reverse=True))


def ring_label(found: Iterable[str], mark: str = "red ring") -> str:
    """The legend text of the marks: the meanings of the flags they stand for, in a stable
    order."""
    seen = sorted(set(found), key=_order)
    words = [MEANING.get(c, "noisy") for c in seen]
    return f"{mark}: " + "; ".join(dict.fromkeys(words)) + " (see the flags)"


def _order(code: str) -> tuple[int, str]:
    known = list(MEANING)
    return (known.index(code) if code in known else len(known), code)
