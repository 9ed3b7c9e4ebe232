"""Step labels: per-chain figures, and the units step-level alpha / AC1 are computed on (alpha on
them checked against the ``krippendorff`` package)."""
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stats_strategies import STATS_SETTINGS

from apps.quality.stats import result
from apps.quality.stats.alpha import alpha_from_units
from apps.quality.stats.gwet import ac1
from apps.quality.stats.steps import (
    NO_ERROR,
    NOT_WRONG_LABEL,
    WRONG_LABEL,
    chain_figures,
    first_error_agreement,
    first_error_units,
    first_wrong_step,
    has_error,
    has_error_units,
    step_units,
    wrong_vs_not_units,
)

RATERS = ["ann", "bob", "cat"]


@st.composite
def step_ratings(draw, length):
    """Ratings the way annotators give them: 1/0 until an optional first -1, then None (stopped)."""
    ratings = []
    for _ in range(length):
        r = draw(st.sampled_from([1, 1, 1, 0, -1]))
        ratings.append(r)
        if r == -1:
            break
    return ratings + [None] * (length - len(ratings))


@st.composite
def chains(draw):
    n = draw(st.integers(1, 8))
    out = []
    for _ in range(n):
        length = draw(st.integers(1, 6))
        who = draw(st.lists(st.sampled_from(RATERS), unique=True, min_size=1, max_size=3))
        out.append({r: draw(step_ratings(length)) for r in who})
    return out


def test_first_wrong_step_and_has_error():
    assert first_wrong_step([1, 1, -1, None]) == 2
    assert first_wrong_step([1, 0, 1]) == NO_ERROR
    assert first_wrong_step([None, -1]) == 1
    assert has_error([1, -1]) and not has_error([1, 0, None])


def test_chain_figures():
    chain = {"ann": [1, 1, -1, None], "bob": [1, -1, None, None], "cat": [1, 1, 1, 1]}
    f = chain_figures(chain)
    assert f.first_wrong == {"ann": 2, "bob": 1, "cat": NO_ERROR}
    assert f.has_error == {"ann": True, "bob": True, "cat": False}
    assert f.pairs == 3
    assert f.exact == 0.0
    assert f.within_one == pytest.approx(1 / 3)  # ann-bob within one; error vs none never
    assert f.all_agree_has_error is False
    lone = chain_figures({"ann": [1, -1]})
    assert lone.exact is None and lone.pairs == 0
    both_clean = chain_figures({"ann": [1, 1], "bob": [0, 1]})
    assert both_clean.exact == 1.0 and both_clean.all_agree_has_error is True


def test_units_builders():
    cs = [
        {"ann": [1, -1, None], "bob": [1, 1, -1]},
        {"ann": [0, 1], "bob": None, "cat": [1, 1]},
    ]
    assert step_units(cs) == [
        {"ann": 1, "bob": 1},
        {"ann": -1, "bob": 1},
        {"bob": -1},
        {"ann": 0, "cat": 1},
        {"ann": 1, "cat": 1},
    ]
    assert wrong_vs_not_units(step_units(cs))[1] == {"ann": WRONG_LABEL, "bob": NOT_WRONG_LABEL}
    assert first_error_units(cs) == [{"ann": 1, "bob": 2}, {"ann": NO_ERROR, "cat": NO_ERROR}]
    assert has_error_units(cs) == [{"ann": True, "bob": True}, {"ann": False, "cat": False}]


@STATS_SETTINGS
@given(cs=chains())
def test_step_units_alpha_equals_package(cs):
    units = step_units(cs)
    # reliability data for the package: raters as rows, (chain, step) units as columns
    matrix = np.array([[u.get(r, np.nan) for u in units] for r in RATERS], dtype=float)
    ours = alpha_from_units(units, "nominal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 where every value is the same
        try:
            ref = krippendorff.alpha(
                reliability_data=matrix, value_domain=[-1, 0, 1], level_of_measurement="nominal"
            )
        except ValueError:
            ref = None
    if ref is None or np.isnan(ref):
        assert ours.value is None
    else:
        assert ours.value == pytest.approx(ref, abs=1e-9)
    # wrong-vs-not and per-chain units give figures or a reason, never an error
    for us in (wrong_vs_not_units(units), first_error_units(cs), has_error_units(cs)):
        s = alpha_from_units(us, "nominal")
        assert s.defined or s.reason in {result.NO_PAIRABLE_VALUES, result.SINGLE_VALUE}
    s = ac1(units, categories=[-1, 0, 1])
    assert s.defined or s.reason == result.NO_PAIRABLE_VALUES


@STATS_SETTINGS
@given(cs=chains())
def test_first_error_agreement_pools_pairs(cs):
    out = first_error_agreement(cs)
    figures = [chain_figures(c) for c in cs]
    pairs = sum(f.pairs for f in figures)
    if not pairs:
        assert out["exact"].reason == result.NO_PAIRABLE_VALUES
        return
    exact = sum(f.exact * f.pairs for f in figures if f.pairs) / pairs
    within = sum(f.within_one * f.pairs for f in figures if f.pairs) / pairs
    assert out["exact"].value == pytest.approx(exact)
    assert out["within_one"].value == pytest.approx(within)
    assert out["within_one"].value >= out["exact"].value
