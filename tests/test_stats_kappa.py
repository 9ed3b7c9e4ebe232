"""Fleiss' kappa equals statsmodels (complete data); Cohen's kappa equals scikit-learn; to 1e-9."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from stats_strategies import SCALES, STATS_SETTINGS, is_nan, scale_and_matrix, units_of
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from apps.quality.stats import result
from apps.quality.stats.coincidence import AgreementSummary
from apps.quality.stats.kappa import (
    cohen_kappa,
    cohen_kappa_for_pair,
    fleiss_kappa,
    fleiss_kappa_from_summary,
    pairwise_cohen_kappa,
)


@STATS_SETTINGS
@given(data=scale_and_matrix(missing=False))
def test_fleiss_equals_statsmodels_on_complete_data(data):
    _scale, matrix = data
    subjects_by_raters = np.array(matrix, dtype=float).T
    table, _cats = aggregate_raters(subjects_by_raters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = float(sm_fleiss_kappa(table, method="fleiss"))
    ours = fleiss_kappa(units_of(matrix))
    if is_nan(ref):
        assert ours.value is None and ours.reason == result.SINGLE_VALUE
    else:
        assert ours.value == pytest.approx(ref, abs=1e-9)
        assert ours.details["raters_per_item"] == len(matrix)


@STATS_SETTINGS
@given(data=scale_and_matrix())
def test_fleiss_refuses_unequal_raters(data):
    _scale, matrix = data
    units = units_of(matrix)
    sizes = {len(u) for u in units if u}
    s = fleiss_kappa(units)
    if len(sizes) > 1:
        assert s.value is None and s.reason == result.UNEQUAL_RATERS
    elif not sizes:
        assert s.reason == result.NO_VALUES
    elif sizes == {1}:
        assert s.reason == result.NO_PAIRABLE_VALUES


@STATS_SETTINGS
@given(
    scale=st.sampled_from(sorted(SCALES)),
    data=st.data(),
    weights=st.sampled_from(["quadratic", "linear", None]),
    full_scale=st.booleans(),
)
def test_cohen_equals_scikit_learn(scale, data, weights, full_scale):
    values = SCALES[scale]
    used = data.draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))
    n = data.draw(st.integers(1, 30))
    y1 = data.draw(st.lists(st.sampled_from(used), min_size=n, max_size=n))
    y2 = data.draw(st.lists(st.sampled_from(used), min_size=n, max_size=n))
    labels = values if full_scale else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = cohen_kappa_score(y1, y2, labels=labels, weights=weights)
    ours = cohen_kappa(y1, y2, labels=labels, weights=weights)
    if is_nan(ref):
        assert ours.value is None and ours.reason == result.SINGLE_VALUE
    else:
        assert ours.value == pytest.approx(float(ref), abs=1e-9)


def test_cohen_pair_from_units_and_shared_items():
    units = [
        {"ann": 2, "bob": 1, "cat": 0},
        {"ann": -1, "bob": -2},
        {"ann": 0, "cat": 0},
        {"ann": 1, "bob": 1},
        {"bob": 2, "cat": 2},
        {"ann": None, "bob": 0},
    ]
    s = cohen_kappa_for_pair(units, "ann", "bob", labels=[-2, -1, 0, 1, 2], min_shared=3)
    ref = cohen_kappa_score([2, -1, 1], [1, -2, 1], labels=[-2, -1, 0, 1, 2], weights="quadratic")
    assert s.value == pytest.approx(ref, abs=1e-12) and s.n_units == 3
    few = cohen_kappa_for_pair(units, "ann", "bob", min_shared=10)
    assert few.value is None and few.reason == result.TOO_FEW_SHARED
    pairs = pairwise_cohen_kappa(units, labels=[-2, -1, 0, 1, 2], min_shared=3)
    assert pairs[("ann", "bob")].value == s.value
    assert pairs[("ann", "cat")].reason == result.TOO_FEW_SHARED  # two shared items only
    assert set(pairs) == {("ann", "bob"), ("ann", "cat"), ("bob", "cat")}


def test_cohen_not_defined_and_bad_inputs():
    s = cohen_kappa([1, 1, 1], [1, 1, 1])
    assert s.value is None and s.reason == result.SINGLE_VALUE
    assert cohen_kappa([], []).reason == result.TOO_FEW_SHARED
    assert cohen_kappa([1, None], [None, 2]).reason == result.TOO_FEW_SHARED
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 2])
    with pytest.raises(ValueError):
        cohen_kappa([1], [2], weights="cubic")


def test_fleiss_not_defined():
    assert fleiss_kappa([]).reason == result.NO_VALUES
    assert fleiss_kappa([[1], [2]]).reason == result.NO_PAIRABLE_VALUES
    assert fleiss_kappa([[1, 1], [1, 1]]).reason == result.SINGLE_VALUE
    assert fleiss_kappa([[1, 1], [1, 2, 2]]).reason == result.UNEQUAL_RATERS
    # items with no value at all are not part of the data
    assert fleiss_kappa([[1, 2], [None, None], [2, 2]]).defined


def test_fleiss_single_item():
    table, _ = aggregate_raters(np.array([[1, 2, 2]]))
    assert fleiss_kappa([[1, 2, 2]]).value == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


def test_fleiss_from_summary():
    units = [[1, 2, 2], [3, 3, 3], [1, 1, 2]]
    assert fleiss_kappa_from_summary(AgreementSummary.from_units(units)).value == fleiss_kappa(units).value
