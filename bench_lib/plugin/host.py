"""mpbench as a guest in pytest-benchmark's session: its own benchmarks only, its flags kept.

Which tests and result entries are mpbench's (the others are the user's, left exactly as
pytest-benchmark makes them), and what each of pytest-benchmark's flags does to mpbench's
benchmarks (docs/design.md, principle 18): a flag mpbench can honour with pytest-benchmark's
documented meaning changes the round policy (:func:`honoured`); one it cannot stops the run
at once with one line naming the mpbench option that does the job (:func:`refusals`). A flag
counts only where the user gave it (on the command line, or a value other than its default),
and only when mpbench benchmarks are selected: a session of the user's own is never refused.
docs/pytest-benchmark.md lists them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from bench_lib.engine.profiles import Profile
from bench_lib.results.files import SCHEMA_KEY

FIXTURE = "mpbench"  # a test that requests this fixture is an mpbench benchmark

_ROUNDS = "rounds and warm-up come from the profile; use --mpbench-profile (smoke, quick, "
_ROUNDS += "standard, full) or --mpbench-blocks"
REFUSED: Mapping[str, str] = {  # flag: why mpbench benchmarks cannot take it, and what does
    "--benchmark-warmup": _ROUNDS + " (the warm-up rounds size the measured ones)",
    "--benchmark-warmup-iterations": _ROUNDS,
    "--benchmark-calibration-precision": "work per round and rounds are sized to the "
    "profile's interval target; use --mpbench-profile (full is the tightest)",
    "--benchmark-min-time": "work per round is calibrated by each benchmark and recorded "
    "as per_round; use --mpbench-profile for longer runs",
    "--benchmark-timer": "rounds are timed by the wall clock (time.perf_counter), in the lean "
    "measuring processes too; the CPU time of every process is recorded anyway (`mpbench "
    "show RESULT` prints effective cores)",
    "--benchmark-disable-gc": "most of the work runs in worker processes this flag cannot "
    "reach; use --mpbench-profile for steadier figures",
    "--benchmark-precision": "the interval target comes from the profile; use "
    "--mpbench-profile (full is the tightest)",
    "--benchmark-confidence": "intervals are 95% intervals from independent blocks; use "
    "--mpbench-blocks for more blocks",
}
HONOURED = ("--benchmark-min-rounds", "--benchmark-max-time", "--benchmark-disable")


def dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def is_ours(item: pytest.Item) -> bool:
    """Whether ``item`` is an mpbench benchmark (it uses the ``mpbench`` fixture)."""
    return FIXTURE in getattr(item, "fixturenames", ())


def entry_is_ours(entry: Any) -> bool:
    """Whether a result entry (a JSON dict, or pytest-benchmark's Metadata) is mpbench's."""
    extra = entry.get("extra_info") if isinstance(entry, Mapping) else entry.extra_info
    return isinstance(extra, Mapping) and SCHEMA_KEY in extra


def any_ours(entries: Iterable[Any]) -> bool:
    return any(map(entry_is_ours, entries))


_DEFAULTS = pytest.StashKey[dict[str, Any]]()


def given(config: pytest.Config, flag: str) -> bool:
    """The user gave ``flag``: on the command line, or (ini, addopts) a value not its default."""
    args = [str(a) for a in config.invocation_params.args]
    if any(a == flag or a.startswith(flag + "=") for a in args):
        return True
    if _DEFAULTS not in config.stash:
        config.stash[_DEFAULTS] = vars(config._parser.parse_known_args([]))
    defaults = config.stash[_DEFAULTS]
    name = dest(flag)
    if name not in defaults:  # an older pytest-benchmark without this flag
        return False
    return str(config.getoption(name)) != str(defaults[name])


def refusals(config: pytest.Config) -> list[str]:
    """One line for each flag given that mpbench benchmarks cannot honour."""
    return [
        f"{flag} is not used by mpbench benchmarks: {why}"
        for flag, why in REFUSED.items()
        if given(config, flag)
    ]


def disabled(config: pytest.Config) -> bool:
    """``--benchmark-disable`` (and no ``--benchmark-enable``), or pytest-benchmark disabled
    itself (under xdist): each body runs once, since no round would be recorded."""
    session = getattr(config, "_benchmarksession", None)
    if session is not None:
        return bool(session.disabled)
    return bool(
        config.getoption("benchmark_disable", False)
        and not config.getoption("benchmark_enable", False)
    )


def honoured(config: pytest.Config, profile: Profile) -> Profile:
    """The profile with pytest-benchmark's honoured flags applied, in their documented sense.

    ``--benchmark-disable``: each benchmark's body runs once (one block, one round, no
    warm-up), a smoke test of the suite. ``--benchmark-min-rounds N``: at least N measured
    rounds, "even if total time would exceed --benchmark-max-time". ``--benchmark-max-time
    S``: the time a benchmark's rounds may take (the profile's budget), exceeded where the
    minimum rounds need more.
    """
    if disabled(config):
        return dataclasses.replace(
            profile, warmup_rounds=0, min_rounds=1, max_rounds=1, budget_s=0.0, blocks=1
        )
    if given(config, "--benchmark-max-time"):
        budget_s = float(config.getoption("benchmark_max_time"))
        profile = dataclasses.replace(profile, budget_s=budget_s)
    if given(config, "--benchmark-min-rounds"):
        least = max(profile.min_rounds, int(config.getoption("benchmark_min_rounds")))
        profile = dataclasses.replace(
            profile,
            min_rounds=least,
            max_rounds=max(profile.max_rounds, least),
            least_rounds=least,
        )
    return profile
