"""Krippendorff's alpha equals the ``krippendorff`` package on the same data, to 1e-9."""
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stats_strategies import STATS_SETTINGS, as_float_array, is_nan, scale_and_matrix, units_of

from apps.quality.stats import result
from apps.quality.stats.alpha import (
    LEVELS,
    alpha_from_coincidence,
    alpha_from_reliability_data,
    alpha_from_summary,
    alpha_from_units,
    alpha_from_value_counts,
)
from apps.quality.stats.coincidence import AgreementSummary, units_value_counts

UNDEFINED = {result.NO_PAIRABLE_VALUES, result.SINGLE_VALUE, result.NO_EXPECTED_DISAGREEMENT}


def reference(matrix, scale, level):
    """The package's alpha, or None where it raises or gives NaN (our "not defined")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            value = krippendorff.alpha(
                reliability_data=as_float_array(matrix), value_domain=scale, level_of_measurement=level
            )
        except ValueError:
            return None
    return None if is_nan(value) else float(value)


@STATS_SETTINGS
@given(data=scale_and_matrix(), level=st.sampled_from(LEVELS))
def test_alpha_equals_krippendorff_package(data, level):
    scale, matrix = data
    ours = alpha_from_reliability_data(matrix, level)
    ref = reference(matrix, scale, level)
    if ref is None:
        assert ours.value is None and ours.reason in UNDEFINED
    else:
        assert ours.value == pytest.approx(ref, abs=1e-9)
    # every entry point agrees
    units = units_of(matrix)
    assert alpha_from_units(units, level).value == ours.value
    assert alpha_from_value_counts(units_value_counts(units), level).value == ours.value
    assert alpha_from_summary(AgreementSummary.from_units(units), level, order=scale).value == ours.value


@STATS_SETTINGS
@given(data=scale_and_matrix(missing=False))
def test_alpha_complete_data_equals_package(data):
    scale, matrix = data
    for level in LEVELS:
        ref = reference(matrix, scale, level)
        ours = alpha_from_reliability_data(matrix, level)
        assert (ours.value is None) == (ref is None)
        if ref is not None:
            assert ours.value == pytest.approx(ref, abs=1e-9)


@STATS_SETTINGS
@given(data=scale_and_matrix(scales=("likert", "seven")))
def test_ordinal_alpha_with_string_values_and_explicit_order(data):
    scale, matrix = data
    names = {v: f"level-{v}" for v in scale}
    named = [[None if v is None else names[v] for v in row] for row in matrix]
    order = [names[v] for v in scale]
    assert alpha_from_reliability_data(named, "ordinal", order=order).value == (
        alpha_from_reliability_data(matrix, "ordinal").value
    )
    assert alpha_from_reliability_data(named, "nominal").value == alpha_from_reliability_data(matrix, "nominal").value


def test_krippendorff_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 coders x 12 units example.
    n = None
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert round(alpha_from_reliability_data(data, "nominal").value, 3) == 0.743
    assert round(alpha_from_reliability_data(data, "ordinal").value, 3) == 0.815
    assert round(alpha_from_reliability_data(data, "interval").value, 3) == 0.849
    assert round(alpha_from_reliability_data(data, "ratio").value, 3) == 0.797


def test_unused_category_changes_nothing():
    units = [[1, 2], [2, 2], [4, 4], [1, 4]]
    for level in LEVELS:
        base = alpha_from_units(units, level, order=[1, 2, 4]).value
        assert alpha_from_units(units, level, order=[1, 2, 3, 4, 5]).value == pytest.approx(base, abs=1e-12)


# --- not defined -----------------------------------------------------------------------------------
@pytest.mark.parametrize("level", LEVELS)
def test_no_pairable_values(level):
    s = alpha_from_units([{"a": 1}, {"b": 2}, {}], level)
    assert s.value is None and s.reason == result.NO_PAIRABLE_VALUES
    assert alpha_from_units([], level).reason == result.NO_PAIRABLE_VALUES


@pytest.mark.parametrize("level", LEVELS)
def test_all_identical_values(level):
    s = alpha_from_units([[2, 2], [2, 2, 2], [2]], level)
    assert s.value is None and s.reason == result.SINGLE_VALUE


def test_single_unit_with_two_values_is_defined_as_in_the_package():
    s = alpha_from_units([[1, 2]], "nominal")
    assert s.value == pytest.approx(krippendorff.alpha(reliability_data=[[1], [2]], level_of_measurement="nominal"))
    assert s.n_units == 1 and s.n_values == 2


def test_ratio_with_opposite_values_expects_no_disagreement():
    s = alpha_from_units([[-1, 1], [1, -1]], "ratio")
    assert s.value is None and s.reason == result.NO_EXPECTED_DISAGREEMENT


def test_perfect_agreement_is_one_and_details():
    s = alpha_from_units([[1, 1], [2, 2, 2], [3, 3]], "interval")
    assert s.value == 1.0
    assert s.details["observed_disagreement"] == 0.0
    assert s.as_dict()["value"] == 1.0


def test_from_coincidence_matrix_directly():
    o = {("a", "a"): 2, ("a", "b"): 1, ("b", "a"): 1, ("b", "b"): 2}
    s = alpha_from_coincidence(o, "nominal")
    # n = 6, n_a = n_b = 3: 1 - (6 - 1) * 2 / (2 * 3 * 3) = 4 / 9
    assert s.value == pytest.approx(4 / 9)


def test_bad_inputs():
    with pytest.raises(ValueError):
        alpha_from_units([[1, 2]], "cardinal")
    with pytest.raises(ValueError):
        alpha_from_units([["x", "y"]], "interval")
    with pytest.raises(ValueError):
        alpha_from_units([[1, 2]], "ordinal", order=[1])
    with pytest.raises(ValueError):
        alpha_from_reliability_data([[1, 2], [1]], "nominal")


def test_nan_counts_as_missing():
    assert alpha_from_units([[1.0, float("nan"), 1.0], [2.0, 2.0]], "interval").value == 1.0
    assert np.isnan(float("nan"))
