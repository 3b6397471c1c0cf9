"""``tox -e bench-matrix [-- PROFILE] [--only SUBJECTS]``: the suite on every Python here, then
one report that lines them up (``mpbench matrix``).

1. Find the interpreters: CPython 3.11 to 3.15 (pyenv's newest patch of each, else
   ``python3.X`` on PATH, else the launcher of the Debian root that ``tools/debian-pythons.sh``
   makes, docs/pythons.md) and the free-threaded 3.13t and 3.14t (the venv that
   ``tools/make-freethreaded-venv.sh`` makes, else ``python3.X t`` on PATH). An absent one is
   skipped, with the reason.
2. Give each a venv with mpbench (``~/.cache/mpbench/venv-3.X``; a launcher's under the root's
   bound ``venvs/`` folder; made once with ``pip install -e .``, or by the free-threaded tool;
   reused when it already imports mpbench). Every run imports this checkout's code
   (``PYTHONPATH``), whichever checkout the venv was installed from.
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

MINORS = ("3.11", "3.12", "3.13", "3.14", "3.15")  # pyproject's requires-python and tox's envs
FREE_THREADED = ("3.13t", "3.14t")
DEFAULT_PROFILE = "quick"  # the whole suite in about a minute per interpreter on 2 cores


def cache_root() -> Path:
    """Where the venvs live: as the free-threaded tools (MPBENCH_FT_CACHE, XDG_CACHE_HOME)."""
    override = os.environ.get("MPBENCH_FT_CACHE")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mpbench"


def debian_root_cache() -> Path:
    """Where tools/debian-pythons.sh keeps the root, its launchers (bin/) and venvs (venvs/)."""
    override = os.environ.get("MPBENCH_DEBIAN_CACHE")
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mpbench/debian-forky"


@dataclass(frozen=True)
class Interpreter:
    name: str  # "3.11" or "3.13t": also the venv's and the result folder's name
    python: Path | None  # the base interpreter (a ready free-threaded venv's python); None: absent
    reason: str  # where it was found, or why it is skipped
    venv: Path | None = None  # where its venv goes; None: cache_root() / venv-NAME (3.Xt: ready)


def _pyenv_python(minor: str) -> Path | None:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    pattern = re.compile(rf"^{re.escape(minor)}\.(\d+)$")
    found = [(int(m.group(1)), d) for d in root.glob(f"{minor}.*") if (m := pattern.match(d.name))]
    for _, folder in sorted(found, reverse=True):
        python = folder / "bin" / f"python{minor}"
        if python.exists():
            return python
    return None


def _in_root(minor: str) -> Interpreter | None:
    launcher = debian_root_cache() / "bin" / f"python{minor}"
    if not launcher.exists():
        return None
    venv = debian_root_cache() / "venvs" / f"venv-{minor}"  # a path bound into the root
    return Interpreter(minor, launcher, f"{launcher} (Debian root)", venv)


def _plain(minor: str, root_first: bool = False) -> Interpreter:
    """pyenv's, else PATH's, else the Debian root's; the root's first with ``root_first``
    (--in-root: 3.13, 3.14 and 3.15 on one OS and C library, so the OS is not a difference)."""
    rooted = _in_root(minor)
    if root_first and rooted is not None:
        return rooted
    python = _pyenv_python(minor)
    if python is not None:
        return Interpreter(minor, python, f"{python} (pyenv)")
    on_path = shutil.which(f"python{minor}")
    if on_path:
        return Interpreter(minor, Path(on_path), f"{on_path} (PATH)")
    if rooted is not None:
        return rooted
    return Interpreter(
        minor, None, f"no python{minor} in pyenv, on PATH or in the Debian root "
        "(tools/debian-pythons.sh makes 3.13, 3.14 and 3.15)"
    )  # fmt: skip


FREE_THREADED_HOW = {
    "3.13t": "tools/make-freethreaded-venv.sh builds CPython 3.13t and makes it (about 25 "
    "minutes on 2 cores, 1.5 GB)",
    "3.14t": "put a python3.14t on PATH (tools/build-freethreaded-python.sh --source "
    "CPYTHON-3.14-SOURCE, docs/pythons.md)",
}


def _free_threaded(name: str) -> Interpreter:
    default = cache_root() / f"venv-{name}"
    venv = Path(os.environ.get("MPBENCH_FT_VENV") or default) if name == "3.13t" else default
    python = venv / "bin" / "python"
    if python.exists():
        return Interpreter(name, python, f"{python} (tools/make-freethreaded-venv.sh)")
    on_path = shutil.which(f"python{name}")
    if on_path:
        return Interpreter(name, Path(on_path), f"{on_path} (PATH)", venv)
    return Interpreter(name, None, f"no free-threaded venv at {python}: {FREE_THREADED_HOW[name]}")


def discover(root_first: bool = False) -> list[Interpreter]:
    plain = [_plain(minor, root_first) for minor in MINORS]
    return [*plain, *map(_free_threaded, FREE_THREADED)]


def _has_mpbench(python: Path) -> bool:
    # installed (the pytest plugin loads through mpbench's entry point), deps importable
    probe = "import importlib.metadata as m, pytest_benchmark, psutil; m.distribution('mpbench')"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([python, "-c", probe], env=env, capture_output=True).returncode == 0


def venv_python(interp: Interpreter, dry_run: bool = False) -> Path:
    """The python of a venv of ``interp`` with mpbench's dependencies (made when absent)."""
    assert interp.python is not None
    if interp.name in FREE_THREADED and interp.venv is None:
        return interp.python  # made by tools/make-freethreaded-venv.sh (gevent left out)
    venv = interp.venv or cache_root() / f"venv-{interp.name}"
    python = venv / "bin" / "python"
    if dry_run or (python.exists() and _has_mpbench(python)):
        return python
    if interp.name in FREE_THREADED:  # the tool leaves out what has no free-threaded wheel
        print(f"bench-matrix: making {venv} (tools/make-freethreaded-venv.sh)", flush=True)
        tool = [str(REPO / "tools" / "make-freethreaded-venv.sh")]
        ft_env = {"MPBENCH_FT_PYTHON": str(interp.python), "MPBENCH_FT_VENV": str(venv)}
        subprocess.run(tool, env={**os.environ, **ft_env}, check=True)
        return python
    print(f"bench-matrix: making {venv} (pip install -e {REPO})", flush=True)
    subprocess.run([interp.python, "-m", "venv", venv], check=True)
    installed = subprocess.run([python, "-m", "pip", "install", "-q", "-e", REPO], check=False)
    if installed.returncode != 0:  # a dependency without a wheel or a build for this Python
        why = "which leaves out what cannot be installed here (gevent), with the reason"
        print(f"bench-matrix: {interp.name}: retrying with tools/make-venv.sh, {why}", flush=True)
        tool = [str(REPO / "tools" / "make-venv.sh"), str(interp.python), str(venv)]
        subprocess.run(tool, check=True)
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
        help=f"comma-separated subset of {', '.join((*MINORS, *FREE_THREADED))} (default: all)",
    )
    parser.add_argument(
        "--in-root",
        action="store_true",
        help="take 3.11-3.15 from the Debian root where it has them (tools/debian-pythons.sh)",
    )
    parser.add_argument("--list", action="store_true", help="say what would run, run nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_choices(args.profile, args.only)  # a typo fails now, not after the venvs are made
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = args.output or REPO / "results" / "_matrix" / stamp
    found = discover(args.in_root)
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
