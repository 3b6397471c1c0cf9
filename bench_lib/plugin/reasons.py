"""A failed benchmark's reason, in one line: the exception's own message.

pytest's long report ends in frames, box drawings of exception groups (``+------``) or a
pointer to its docs; the last ``E`` line of it is often one of those. The exception itself
says what went wrong: its type and first line, and for a group (two teardown errors, say)
each member's, in order.
"""

from __future__ import annotations

from typing import Any

MAX_REASON_CHARS = 500  # one line in a table; the full report is in pytest's output


def _leaves(exc: BaseException) -> list[BaseException]:
    members = getattr(exc, "exceptions", None)  # an exception group (or its 3.10 backport)
    if isinstance(members, (list, tuple)) and members:
        return [leaf for inner in members for leaf in _leaves(inner)]
    return [exc]


def _one_line(exc: BaseException) -> str:
    text = str(getattr(exc, "msg", None) or exc).strip()
    first = text.splitlines()[0] if text else ""
    if type(exc).__name__ == "Failed":  # pytest.fail("..."): the message is the reason
        return first or "failed"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def from_exception(exc: BaseException) -> str:
    lines = list(dict.fromkeys(_one_line(e) for e in _leaves(exc)))
    return "; ".join(lines)[:MAX_REASON_CHARS]


def from_report(longrepr: Any) -> str:
    """When no exception is at hand (a report from elsewhere): the first meaningful ``E`` line."""
    lines = [ln[2:].strip() for ln in str(longrepr).splitlines() if ln.startswith("E ")]
    lines = [ln for ln in lines if ln.strip("+-| ") and "://" not in ln]
    return (lines[0] if lines else str(longrepr).strip() or "failed")[:MAX_REASON_CHARS]
