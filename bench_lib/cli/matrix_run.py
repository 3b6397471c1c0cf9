"""``tox -e bench-matrix [-- PROFILE] [--only SUBJECTS]``: the suite on every Python here, then
one report that lines them up (``mpbench matrix``).

1. Find the interpreters: CPython 3.9 to 3.13 (pyenv's newest patch of each, else
   ``python3.X`` on PATH) and the free-threaded 3.13t venv that
   ``tools/make-freethreaded-venv.sh`` makes. An absent one is skipped, with the reason.
2. Give each a venv with mpbench (``~/.cache/mpbench/venv-3.X``, made once with
   ``pip install -e .``; reused when it already imports mpbench). Every run imports this
   checkout's code (``PYTHONPATH``), whichever checkout the venv was installed from.
3. Run ``mpbench run`` under each, one after the other, into ``OUTPUT/results/<name>/``.
4. Line the results up into ``OUTPUT/report/`` (:mod:`bench_lib.matrix_report`).

The runs are sequential, minutes apart: a machine that drifts in between moves them all. For a
verdict on one pair, ``mpbench ab`` interleaves two interpreters block by block.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench_lib.cli.common import REPO

MINORS = ("3.9", "3.10", "3.11", "3.12", "3.13")  # what pyproject's requires-python and tox cover
FREE_THREADED = "3.13t"
DEFAULT_PROFILE = "quick"  # the whole suite in about a minute per interpreter on 2 cores


def cache_root() -> Path:
    """Where the venvs live: as the free-threaded tools (MPBENCH_FT_CACHE, XDG_CACHE_HOME)."""
    override = os.environ.get("MPBENCH_FT_CACHE")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mpbench"


@dataclass(frozen=True)
class Interpreter:
    name: str  # "3.11" or "3.13t": also the venv's and the result folder's name
    python: Path | None  # the base interpreter (3.13t: the ready venv's python); None: absent
    reason: str  # where it was found, or why it is skipped


def _pyenv_python(minor: str) -> Path | None:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    pattern = re.compile(rf"^{re.escape(minor)}\.(\d+)$")
    found = [(int(m.group(1)), d) for d in root.glob(f"{minor}.*") if (m := pattern.match(d.name))]
    for _, folder in sorted(found, reverse=True):
        python = folder / "bin" / f"python{minor}"
        if python.exists():
            return python
    return None


def discover() -> list[Interpreter]:
    out = []
    for minor in MINORS:
        python = _pyenv_python(minor)
        where = "pyenv"
        if python is None:
            on_path = shutil.which(f"python{minor}")
            python, where = (Path(on_path), "PATH") if on_path else (None, "")
        reason = f"{python} ({where})" if python else f"no python{minor} in pyenv or on PATH"
        out.append(Interpreter(minor, python, reason))
    venv = Path(os.environ.get("MPBENCH_FT_VENV") or cache_root() / "venv-3.13t") / "bin/python"
    out.append(
        Interpreter(FREE_THREADED, venv, f"{venv} (tools/make-freethreaded-venv.sh)")
        if venv.exists()
        else Interpreter(
            FREE_THREADED,
            None,
            f"no free-threaded venv at {venv}: tools/make-freethreaded-venv.sh builds "
            "CPython 3.13t and makes it (about 25 minutes on 2 cores, 1.5 GB)",
        )
    )
    return out


def _has_mpbench(python: Path) -> bool:
    # installed (the pytest plugin loads through mpbench's entry point), deps importable
    probe = "import importlib.metadata as m, pytest_benchmark, psutil; m.distribution('mpbench')"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([python, "-c", probe], env=env, capture_output=True).returncode == 0


def venv_python(interp: Interpreter, dry_run: bool = False) -> Path:
    """The python of a venv of ``interp`` with mpbench's dependencies (made when absent)."""
    assert interp.python is not None
    if interp.name == FREE_THREADED:
        return interp.python  # made by tools/make-freethreaded-venv.sh (gevent left out)
    venv = cache_root() / f"venv-{interp.name}"
    python = venv / "bin" / "python"
    if dry_run or (python.exists() and _has_mpbench(python)):
        return python
    print(f"bench-matrix: making {venv} (pip install -e {REPO})", flush=True)
    subprocess.run([interp.python, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", "-e", REPO], check=True)
    return python


def run_command(python: Path, name: str, profile: str, only: str | None, out: Path) -> list[str]:
    return [
        str(python),
        "-m",
        "bench_lib.cli",
        "run",
        "--profile",
        profile,
        *(["--only", only] if only else []),
        "--label",
        f"matrix-{profile}-py{name}",
        "--output",
        str(out / "results" / name),
        "--no-report",
    ]


def check_choices(profile: str, only: str | None) -> None:
    from bench_lib.cli.common import UsageError, available_subjects, parse_choices
    from bench_lib.engine.profiles import UnknownProfileError, get_profile

    try:
        get_profile(profile)
        parse_choices(only, available_subjects(), "subject")
    except (UsageError, UnknownProfileError) as exc:
        raise SystemExit(f"bench-matrix: error: {exc}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench-matrix", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("profile", nargs="?", default=DEFAULT_PROFILE, help="default quick")
    parser.add_argument("--only", help="comma-separated subjects (default: all)")
    parser.add_argument("--baseline", help="as for mpbench matrix (default: the oldest Python)")
    parser.add_argument(
        "--output",
        type=Path,
        help="folder for results/ and report/ (default results/_matrix/<UTC time>)",
    )
    parser.add_argument(
        "--pythons",
        help=f"comma-separated subset of {', '.join((*MINORS, FREE_THREADED))} (default: all)",
    )
    parser.add_argument("--list", action="store_true", help="say what would run, run nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_choices(args.profile, args.only)  # a typo fails now, not after the venvs are made
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.output or REPO / "results" / "_matrix" / stamp
    found = discover()
    if args.pythons:
        from bench_lib.cli.common import UsageError, parse_choices

        try:
            wanted = parse_choices(args.pythons, [i.name for i in found], "python")
        except UsageError as exc:
            raise SystemExit(f"bench-matrix: error: {exc}") from None
        found = [i for i in found if i.name in wanted]
    for interp in found:
        print(f"bench-matrix: {interp.name}: {'' if interp.python else 'skipped: '}{interp.reason}")
    present = [i for i in found if i.python is not None]
    if args.list:
        for interp in present:
            python = venv_python(interp, dry_run=True)
            note = "" if python.exists() else "  # the venv is made first"
            cmd = run_command(python, interp.name, args.profile, args.only, out)
            print(" ".join(cmd) + note)
        return 0
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    files: list[Path] = []
    for interp in present:
        cmd = run_command(venv_python(interp), interp.name, args.profile, args.only, out)
        print(f"bench-matrix: {interp.name}: {' '.join(cmd)}", flush=True)
        subprocess.run(cmd, cwd=REPO, env=env, check=False)
        made = sorted((out / "results" / interp.name).glob("*/*.json"))
        files += made[-1:]
        if not made:
            print(f"bench-matrix: {interp.name} saved no result; left out of the report")
    if len(files) < 2:
        print(f"bench-matrix: {len(files)} result(s): a matrix needs two", file=sys.stderr)
        return 1
    from bench_lib.cli.main import main as mpbench

    baseline = ["--baseline", args.baseline] if args.baseline else []
    return mpbench(["matrix", *map(str, files), "-o", str(out / "report"), *baseline])


if __name__ == "__main__":
    sys.exit(main())
