"""Gwet's AC1/AC2 equal irrCAC (``irrCAC.raw.CAC(...).gwet()``) on the same data, to 1e-9."""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from irrCAC.raw import CAC
from irrCAC.weights import Weights
from stats_strategies import STATS_SETTINGS, is_nan, scale_and_matrix, units_of

from apps.quality.stats import result
from apps.quality.stats.agreement import percent_agreement
from apps.quality.stats.coincidence import AgreementSummary
from apps.quality.stats.gwet import WEIGHTS, ac1, ac2, gwet_ac, gwet_from_summary, weight_matrix


def reference(matrix, scale, weights):
    """irrCAC's (coefficient, pa, pe), rounded to 12 digits; None where it is NaN or fails."""
    frame = pd.DataFrame(
        {f"r{r}": [np.nan if v is None else float(v) for v in row] for r, row in enumerate(matrix)}
    )
    frame = frame.dropna(how="all")
    if frame.empty:
        return None
    if len(frame) == 1:
        # irrCAC divides by n (n - 1) in its variance and fails on a single item; AC1/AC2, pa and pe are
        # means over items, so the item twice gives the same figures.
        frame = pd.concat([frame, frame], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est = CAC(frame, weights=weights, categories=list(scale), digits=12).gwet()["est"]
        except (ZeroDivisionError, ValueError):
            return None
    if is_nan(est["coefficient_value"]):
        return None
    return float(est["coefficient_value"]), float(est["pa"]), float(est["pe"])


@STATS_SETTINGS
@given(data=scale_and_matrix(), weights=st.sampled_from(WEIGHTS))
def test_gwet_equals_irrcac(data, weights):
    scale, matrix = data
    ours = gwet_ac(units_of(matrix), categories=scale, weights=weights)
    ref = reference(matrix, scale, weights)
    if ref is None:
        assert ours.value is None and ours.reason == result.NO_PAIRABLE_VALUES
        return
    value, pa, pe = ref
    assert ours.value == pytest.approx(value, abs=1e-9)
    assert ours.details["pa"] == pytest.approx(pa, abs=1e-9)
    assert ours.details["pe"] == pytest.approx(pe, abs=1e-9)
    assert ours.details["name"] == ("AC1" if weights == "identity" else "AC2")


@STATS_SETTINGS
@given(data=scale_and_matrix())
def test_percent_agreement_is_irrcac_pa(data):
    scale, matrix = data
    ours = percent_agreement(units_of(matrix))
    ref = reference(matrix, scale, "identity")
    if ref is None:
        assert ours.value is None and ours.reason == result.NO_PAIRABLE_VALUES
    else:
        assert ours.value == pytest.approx(ref[1], abs=1e-9)


@STATS_SETTINGS
@given(data=scale_and_matrix(scales=("likert", "seven")))
def test_string_categories_weighted_by_position(data):
    scale, matrix = data
    names = {v: f"c{v}" for v in scale}
    named_units = [{r: names[v] for r, v in u.items()} for u in units_of(matrix)]
    # scales 1..q: positions equal values, so every weight scheme gives the same figure
    for weights in WEIGHTS:
        numeric = gwet_ac(units_of(matrix), categories=scale, weights=weights)
        named = gwet_ac(named_units, categories=[names[v] for v in scale], weights=weights)
        assert named.reason == numeric.reason
        if numeric.defined:
            assert named.value == pytest.approx(numeric.value, abs=1e-12)


@pytest.mark.parametrize("weights", WEIGHTS)
def test_weight_matrices_equal_irrcac(weights):
    for cats in ([1, 2, 3, 4, 5], [-2, -1, 0, 1, 2], [0, 1], [1, 2, 4, 8]):
        ours = np.array(weight_matrix(cats, weights), dtype=float)
        assert np.allclose(ours, Weights(cats)[weights], atol=1e-12)


def test_unused_category_lowers_chance_agreement():
    units = [[1, 1], [1, 1], [2, 2], [1, 2]]
    small = ac1(units, categories=[1, 2])
    large = ac1(units, categories=[1, 2, 3, 4, 5])
    assert small.details["pe"] > large.details["pe"]
    assert large.value > small.value


def test_all_identical_labels_is_one_over_two_or_more_categories():
    s = ac1([[1, 1, 1], [1, 1]], categories=[0, 1])
    assert s.value == 1.0
    # irrCAC agrees
    frame = pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 1.0], "c": [1.0, np.nan]})
    assert CAC(frame, categories=[0, 1], digits=12).gwet()["est"]["coefficient_value"] == 1.0


def test_not_defined():
    assert ac1([{"a": 1}, {"b": 0}], categories=[0, 1]).reason == result.NO_PAIRABLE_VALUES
    assert ac1([]).reason == result.NO_PAIRABLE_VALUES
    s = ac1([[1, 1], [1, 1]])  # categories default to those observed: a single one
    assert s.value is None and s.reason == result.SINGLE_CATEGORY
    assert ac2([[3, 3]], categories=[3]).reason == result.SINGLE_CATEGORY


def test_bad_inputs():
    with pytest.raises(ValueError):
        ac1([[1, 2]], categories=[1])
    with pytest.raises(ValueError):
        gwet_ac([[1, 2]], weights="bipolar")
    with pytest.raises(ValueError):
        ac1([[1, 2]], categories=[1, 1, 2])


def test_summary_entry_point():
    units = [[1, 2, 2], [3, 3], [1], [2, 2, 3, 3]]
    summary = AgreementSummary.from_units(units)
    assert gwet_from_summary(summary, categories=[1, 2, 3], weights="quadratic").value == (
        ac2(units, categories=[1, 2, 3]).value
    )
