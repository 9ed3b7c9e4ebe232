"""The integer summaries kept live equal a recomputation from scratch after any sequence of label
submits, edits and deletions; the coincidence matrix equals the ``krippendorff`` package's."""
import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stats_strategies import STATS_SETTINGS, as_float_array, scale_and_matrix, units_of

from apps.quality.stats.agreement import percent_agreement_from_summary, tie_rate_from_summary
from apps.quality.stats.alpha import LEVELS, alpha_from_summary, alpha_from_units
from apps.quality.stats.coincidence import (
    AgreementSummary,
    coincidence_contribution,
    coincidence_matrix,
    delta_rows,
    pair_counts,
    unit_contribution,
    value_counts,
)
from apps.quality.stats.gwet import gwet_from_summary
from apps.quality.stats.kappa import fleiss_kappa_from_summary

SCALE = [-2, -1, 0, 1, 2]
ITEMS = 6
RATERS = ["ann", "bob", "cat", "dan"]

# one operation: (item, rater, value); value None deletes the rater's label on the item
operations = st.lists(
    st.tuples(st.integers(0, ITEMS - 1), st.sampled_from(RATERS), st.one_of(st.none(), st.sampled_from(SCALE))),
    min_size=1,
    max_size=40,
)


@STATS_SETTINGS
@given(ops=operations)
def test_incremental_updates_equal_recomputation(ops):
    labels = {i: {} for i in range(ITEMS)}
    live = AgreementSummary()
    table: dict = {}  # a database table of (kind, m, c, k) -> count kept from contribution rows

    def apply_rows(rows):
        for kind, m, c, k, delta in rows:
            key = (kind, m, c, k)
            table[key] = table.get(key, 0) + delta
            if table[key] == 0:
                del table[key]

    for item, rater, value in ops:
        old = value_counts(labels[item])
        if value is None:
            labels[item].pop(rater, None)  # delete (no-op if absent)
        else:
            labels[item][rater] = value  # submit or edit
        new = value_counts(labels[item])
        live.replace(old, new)
        apply_rows(delta_rows(old, new))
        scratch = AgreementSummary.from_units(labels.values())
        assert live == scratch
        assert AgreementSummary.from_rows((*key, n) for key, n in table.items()) == scratch

    scratch = AgreementSummary.from_units(labels.values())
    for level in LEVELS:
        assert alpha_from_summary(live, level).value == alpha_from_units(labels.values(), level).value
    assert gwet_from_summary(live, categories=SCALE, weights="quadratic") == gwet_from_summary(
        scratch, categories=SCALE, weights="quadratic"
    )
    assert percent_agreement_from_summary(live) == percent_agreement_from_summary(scratch)
    assert tie_rate_from_summary(live) == tie_rate_from_summary(scratch)
    assert fleiss_kappa_from_summary(live) == fleiss_kappa_from_summary(scratch)


@STATS_SETTINGS
@given(data=scale_and_matrix())
def test_coincidence_matrix_equals_package(data):
    scale, matrix = data
    arr = as_float_array(matrix)
    counts = (arr.T[..., np.newaxis] == np.array(scale, dtype=float)[np.newaxis, np.newaxis, :]).sum(axis=1)
    ref = krippendorff.krippendorff._coincidences(counts)
    o = coincidence_matrix(units_of(matrix))
    ours = np.array([[float(o.get((c, k), 0)) for k in scale] for c in scale])
    assert np.allclose(ours, ref, atol=1e-12)


@STATS_SETTINGS
@given(data=scale_and_matrix())
def test_summary_is_sum_of_unit_contributions(data):
    _scale, matrix = data
    units = units_of(matrix)
    total: dict = {}
    for u in units:
        for key, v in coincidence_contribution(value_counts(u)).items():
            total[key] = total.get(key, 0) + v
    assert {k: v for k, v in total.items() if v} == coincidence_matrix(units)
    summary = AgreementSummary.from_units(units)
    assert AgreementSummary.from_rows(summary.rows()) == summary
    merged = AgreementSummary.from_units(units[: len(units) // 2])
    merged.merge(AgreementSummary.from_units(units[len(units) // 2:]))
    assert merged == summary
    assert summary.n_values == sum(len(u) for u in units)
    assert summary.n_pairable_units == sum(1 for u in units if len(u) >= 2)


def test_pair_counts_and_contribution_rows():
    assert pair_counts({1: 2, 3: 1}) == {(1, 1): 2, (1, 3): 2, (3, 1): 2}
    assert pair_counts({1: 1}) == {}
    c = unit_contribution({1: 2, 3: 1})
    assert c.size == 3
    assert sorted(c.rows(), key=repr) == sorted(
        [("units", 3, None, None, 1), ("values", 3, 1, None, 2), ("values", 3, 3, None, 1),
         ("pairs", 3, 1, 1, 2), ("pairs", 3, 1, 3, 2), ("pairs", 3, 3, 1, 2)],
        key=repr,
    )
    assert unit_contribution({}) is None
    assert unit_contribution({1: 0}) is None


def test_delta_rows_net_out():
    assert delta_rows({1: 2}, {1: 2}) == []
    rows = delta_rows({1: 1, 2: 1}, {1: 1, 2: 2})  # a third label, 2, arrives
    s = AgreementSummary.from_units([[1, 2]])
    s.apply_rows(rows)
    assert s == AgreementSummary.from_units([[1, 2, 2]])
    assert all(kind != "units" or m in (2, 3) for kind, m, *_ in rows)


def test_removing_what_was_never_added_fails_and_changes_nothing():
    s = AgreementSummary.from_units([[1, 2], [2, 2]])
    before = AgreementSummary.from_rows(s.rows())
    with pytest.raises(ValueError):
        s.remove({1: 2})
    assert s == before
    with pytest.raises(ValueError):
        s.remove({5: 1})
    assert s == before
    s.remove({1: 1, 2: 1})
    s.remove({2: 2})
    assert s == AgreementSummary()


def test_bad_value_counts():
    with pytest.raises(ValueError):
        pair_counts({1: -1})
    with pytest.raises(ValueError):
        pair_counts({None: 2})
    with pytest.raises(ValueError):
        AgreementSummary().apply_rows([("bogus", 2, 1, 1, 1)])
