"""Strings from result files made safe to print on a terminal or in a Markdown table.

A hostname, unit or label can hold anything: ESC sequences recolour, move the cursor or
retitle the terminal, CR overwrites the line, NUL truncates it, and bidi controls (U+202E)
reverse what follows. They are shown escaped instead (``\\x1b``, ``\\u202e``), so what was in
the file is visible and nothing in it acts on the terminal. Stdlib only.
"""

from __future__ import annotations

import unicodedata

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
# Cc: C0/C1 controls (ESC, CR, NUL, DEL); Cf: format characters (bidi overrides and isolates,
# zero-width ones); Zl/Zp: line and paragraph separators; Cs/Co/Cn: surrogates, private use,
# unassigned: nothing a result file needs, and a terminal may act on any of them


def _escaped(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, format and separator character written as an escape."""
    if text.isprintable():  # the usual case: nothing to do (isprintable is False for all above)
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in UNSAFE_CATEGORIES else c for c in text)
