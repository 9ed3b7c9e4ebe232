"""Percent agreement, tie rate and the preference helpers (direction, implied pairs of rankings)."""
import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stats_strategies import STATS_SETTINGS, scale_and_matrix, units_of

from apps.quality.stats import result
from apps.quality.stats.agreement import percent_agreement, tie_rate, tie_rate_from_summary
from apps.quality.stats.alpha import alpha_from_summary, alpha_from_units
from apps.quality.stats.coincidence import AgreementSummary, value_counts
from apps.quality.stats.preferences import (
    A,
    B,
    DIRECTIONS,
    TIE,
    direction,
    direction_counts,
    direction_units,
    implied_pair_units,
    implied_pairs,
)


def test_percent_agreement_by_hand():
    # {1, 1, 2}: 2 of its 6 ordered pairs agree; {3, 3}: all; {4}: a single value, left out
    s = percent_agreement([[1, 1, 2], [3, 3], [4]])
    assert s.value == pytest.approx((2 / 6 + 1) / 2)
    assert s.n_units == 2 and s.n_values == 5
    assert percent_agreement([[1], [2]]).reason == result.NO_PAIRABLE_VALUES


def test_tie_rate():
    s = tie_rate([0, 1, -2, 0, None])
    assert s.value == 0.5 and s.details["ties"] == 2 and s.n_values == 4
    assert tie_rate([]).reason == result.NO_VALUES
    assert tie_rate(["A", "tie"], tie="tie").value == 0.5
    summary = AgreementSummary.from_units([[0, 1], [0], [2, -1, 0]])
    assert tie_rate_from_summary(summary).value == pytest.approx(3 / 6)
    assert tie_rate_from_summary(AgreementSummary()).reason == result.NO_VALUES


def test_direction():
    assert [direction(v) for v in (-2, -1, 0, 1, 2, None)] == [B, B, TIE, A, A, None]
    assert direction_units([{"ann": 2, "bob": 0, "cat": None}]) == [{"ann": A, "bob": TIE}]
    assert direction_counts({2: 1, 1: 2, 0: 1, -1: 1}) == {A: 3, TIE: 1, B: 1}


@STATS_SETTINGS
@given(data=scale_and_matrix(scales=("preference",)))
def test_direction_alpha_from_counts_equals_from_units(data):
    _scale, matrix = data
    units = units_of(matrix)
    by_units = alpha_from_units(direction_units(units), "ordinal", order=DIRECTIONS)
    by_counts = AgreementSummary.from_value_counts(direction_counts(value_counts(u)) for u in units)
    assert alpha_from_summary(by_counts, "ordinal", order=DIRECTIONS).value == by_units.value
    # and the package agrees on directions coded -1 / 0 / 1
    code = {B: -1, TIE: 0, A: 1}
    arr = np.array(
        [[np.nan if v is None else code[direction(v)] for v in row] for row in matrix], dtype=float
    )
    try:
        with np.errstate(all="ignore"):
            ref = krippendorff.alpha(reliability_data=arr, value_domain=[-1, 0, 1], level_of_measurement="ordinal")
    except ValueError:
        ref = None
    if ref is None or np.isnan(ref):
        assert by_units.value is None
    else:
        assert by_units.value == pytest.approx(ref, abs=1e-9)


def test_implied_pairs():
    assert implied_pairs([1, 2, 2]) == {(0, 1): A, (0, 2): A, (1, 2): TIE}
    assert implied_pairs([3, 1, None]) == {(0, 1): B}
    items = [{"ann": [1, 2, 3], "bob": [2, 1, 3]}, {"ann": [1, 1], "cat": None}]
    assert implied_pair_units(items) == [
        {"ann": A, "bob": B},
        {"ann": A, "bob": A},
        {"ann": A, "bob": A},
        {"ann": TIE},
    ]


@STATS_SETTINGS
@given(
    items=st.lists(
        st.integers(2, 4).flatmap(
            lambda k: st.dictionaries(
                st.sampled_from(["ann", "bob", "cat"]),
                st.lists(st.integers(1, k), min_size=k, max_size=k),
                min_size=1,
            )
        ),
        min_size=1,
        max_size=6,
    )
)
def test_alpha_on_implied_pairs_is_defined_or_says_why(items):
    units = implied_pair_units(items)
    assert len(units) == sum(len(next(iter(i.values()))) * (len(next(iter(i.values()))) - 1) // 2 for i in items)
    s = alpha_from_units(units, "nominal")
    assert s.defined or s.reason in {result.NO_PAIRABLE_VALUES, result.SINGLE_VALUE}
