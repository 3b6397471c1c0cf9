"""A report folder appears whole or not at all.

Reports (``mpbench report``, ``mpbench compare -o``) are written into a temporary sibling
folder (``.<name>.tmp-XXXX``, same parent, so the rename cannot cross file systems) and
renamed onto the final name only once every file is written. A crash or Ctrl-C part-way
leaves no folder under the final name (nor a changed earlier report): the temporary one is
removed. An earlier report under the final name is replaced; a folder holding anything else
is refused, never deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPORT_ENTRIES = frozenset({"index.html", "summary.md", "charts", "runs"})  # what a report
# folder holds ("runs": each run's own report inside a several-run report, report.builds)


class FolderInUseError(ValueError):
    """The final folder exists and holds more than an earlier report: it is not ours to replace."""


def check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise FolderInUseError(f"{target} exists and is not a folder; name a new folder")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in REPORT_ENTRIES)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise FolderInUseError(
            f"{target} holds files that are not a report ({shown}); a report replaces its "
            "folder whole, so name a new or empty folder"
        )


def _readable(folder: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)  # mkdtemp makes 0700; a report is as readable as any folder


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; when the block ends without error it becomes ``target``.

    Raises :class:`FolderInUseError` (before anything is written) when ``target`` holds files
    that are not an earlier report, and OSError when the parent folder cannot be written.
    """
    target = target.absolute()
    check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp-"))
    try:
        _readable(work)
        yield work
        check_replaceable(target)  # it may have changed while the report was written
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            os.replace(target, old / "report")  # out of the way in one rename...
            try:
                os.replace(work, target)  # ...the new one in, in another
            except OSError:
                os.replace(old / "report", target)  # keep the earlier report
                raise
            finally:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gone already after a successful rename
