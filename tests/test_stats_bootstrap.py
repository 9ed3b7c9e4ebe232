"""Bootstrap percentile intervals over items: seeded, numpy's percentile, and honest when undefined."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stats_strategies import STATS_SETTINGS

from apps.quality.stats import result
from apps.quality.stats.alpha import alpha_from_summary, alpha_from_units
from apps.quality.stats.bootstrap import bootstrap_interval, bootstrap_interval_from_counts, percentile
from apps.quality.stats.coincidence import units_value_counts
from apps.quality.stats.gwet import gwet_from_summary

UNITS = [[1, 1, 2], [2, 2], [3, 3, 3], [1, 2], [4, 4], [2, 3], [5, 5, 4], [1, 1], [3, 4], [2, 2, 2]] * 3


@STATS_SETTINGS
@given(values=st.lists(st.floats(-1, 1), min_size=1, max_size=50), q=st.floats(0, 1))
def test_percentile_equals_numpy(values, q):
    assert percentile(sorted(values), q) == pytest.approx(float(np.percentile(values, 100 * q)), abs=1e-12)


def test_seeded_and_sensible():
    stat = lambda us: alpha_from_units(us, "ordinal")  # noqa: E731
    a = bootstrap_interval(UNITS, stat, n_resamples=200, seed=3)
    b = bootstrap_interval(UNITS, stat, n_resamples=200, seed=3)
    c = bootstrap_interval(UNITS, stat, n_resamples=200, seed=4)
    assert a == b and a != c
    point = alpha_from_units(UNITS, "ordinal").value
    assert a.defined and a.low < point < a.high
    assert a.n_defined == 200 and a.as_dict()["confidence"] == 0.95


def test_from_counts_matches_generic_in_distribution_and_ignores_order():
    counts = units_value_counts(UNITS)
    fast = bootstrap_interval_from_counts(counts, lambda s: alpha_from_summary(s, "ordinal"), n_resamples=400)
    slow = bootstrap_interval(UNITS, lambda us: alpha_from_units(us, "ordinal"), n_resamples=400)
    assert fast.low == pytest.approx(slow.low, abs=0.08) and fast.high == pytest.approx(slow.high, abs=0.08)
    shuffled = bootstrap_interval_from_counts(
        list(reversed(counts)), lambda s: alpha_from_summary(s, "ordinal"), n_resamples=400
    )
    assert shuffled == fast
    ac2 = bootstrap_interval_from_counts(
        counts, lambda s: gwet_from_summary(s, categories=[1, 2, 3, 4, 5], weights="quadratic"), n_resamples=100
    )
    assert ac2.defined and ac2.low <= ac2.high


def test_not_defined():
    one = bootstrap_interval([[1, 2]], lambda us: alpha_from_units(us, "nominal"))
    assert not one.defined and one.reason == result.SINGLE_UNIT
    assert bootstrap_interval_from_counts([{1: 2}, {}], lambda s: 0.0).reason == result.SINGLE_UNIT
    # identical labels everywhere: alpha undefined in every resample
    same = bootstrap_interval([[1, 1], [1, 1], [1, 1]], lambda us: alpha_from_units(us, "nominal"), n_resamples=50)
    assert same.reason == result.TOO_MANY_UNDEFINED_RESAMPLES and same.n_defined == 0
    # floats and NaN are accepted as statistic results
    nan = bootstrap_interval([1, 2, 3], lambda us: float("nan"), n_resamples=10)
    assert nan.reason == result.TOO_MANY_UNDEFINED_RESAMPLES
    mean = bootstrap_interval([1.0, 2.0, 3.0], lambda us: sum(us) / len(us), n_resamples=50)
    assert 1.0 <= mean.low <= mean.high <= 3.0
    with pytest.raises(ValueError):
        bootstrap_interval([1, 2], lambda us: 0.0, confidence=1.5)
