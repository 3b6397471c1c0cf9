"""Scaling formulas by known answers and the bootstrap interval recomputed from its definition."""

from __future__ import annotations

import numpy as np
import pytest

from bench_lib.results import scaling


def test_parallelism_edges() -> None:
    assert scaling.parallelism(1, 4) == 1
    assert scaling.parallelism(8, 4) == 4
    assert scaling.parallelism(3, 1) == 1
    for n, cores in ((0, 4), (1, 0)):
        with pytest.raises(ValueError):
            scaling.parallelism(n, cores)


def test_amdahl_fit_skips_one_worker_and_clamps() -> None:
    # f = 0.2 exactly: S(p) = 1 / (0.2 + 0.8 / p)
    points = [(1, 1.0), *((p, 1 / (0.2 + 0.8 / p)) for p in (2, 4, 8))]
    assert scaling.amdahl_fit(points) == pytest.approx(0.2)
    assert scaling.amdahl_fit([(1, 1.0)]) is None
    assert scaling.amdahl_fit([(2, 0.0)]) is None  # no speedup measured: no information
    assert scaling.amdahl_fit([(2, 4.0)]) == 0.0  # super-linear noise clamps to 0


def test_ratio_of_ratios_known_answer() -> None:
    assert scaling._ratio_of_ratios(8.0, 2.0, 6.0, 3.0) == pytest.approx(2.0)  # 4 / 2
    assert scaling._ratio(6.0, 3.0) == 2.0


def test_bootstrap_statistic_is_the_95_percent_percentile_interval() -> None:
    a = [1.0 + 0.013 * i + (i % 5) ** 2 / 40 for i in range(31)]
    b = [2.0 + 0.021 * i + (i % 3) ** 3 / 30 for i in range(27)]
    rng = np.random.default_rng(scaling.BOOTSTRAP_SEED)
    medians = []
    for s in (a, b):
        data = np.asarray(s)
        idx = rng.integers(0, len(data), size=(scaling.BOOTSTRAP_RESAMPLES, len(data)))
        medians.append(np.median(data[idx], axis=1))
    expected = np.quantile(medians[0] / medians[1], [0.025, 0.975])
    ours = scaling.bootstrap_statistic(scaling._ratio, a, b)
    assert ours == pytest.approx(tuple(expected), rel=1e-12)
    assert scaling.bootstrap_statistic(scaling._ratio, a, b[:5]) is None
