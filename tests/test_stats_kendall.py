"""Kendall tau-b equals scipy's ``kendalltau`` (variant "b"); Kendall's W equals a direct textbook
computation (scipy has no W) and, without ties, the average Spearman identity; its chance baseline is 1/m."""
import itertools
import math
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import kendalltau, rankdata, spearmanr
from stats_strategies import STATS_SETTINGS, is_nan

from apps.quality.stats import result
from apps.quality.stats.kendall import (
    kendall_w,
    mean_kendall_w,
    mean_pairwise_tau_b,
    mean_pairwise_tau_b_over_items,
    mid_ranks,
    tau_b,
)


def rankings(n_objects, n_raters, ties=True):
    """Ranks 1 = best; with ties, equal numbers (possibly gaps, as any lower-is-better scores)."""
    if ties:
        rank = st.lists(st.integers(1, n_objects), min_size=n_objects, max_size=n_objects)
    else:
        rank = st.permutations(list(range(1, n_objects + 1)))
    return st.lists(rank, min_size=n_raters, max_size=n_raters)


def textbook_w(rs):
    """Kendall's W with ties correction (Siegel & Castellan 1988, eq. 9.16), floats, scipy's mid-ranks."""
    m, n = len(rs), len(rs[0])
    ranked = [rankdata(r) for r in rs]
    sums = [sum(r[i] for r in ranked) for i in range(n)]
    mean = m * (n + 1) / 2
    s = sum((x - mean) ** 2 for x in sums)
    t = 0
    for r in rs:
        _, counts = zip(*[(v, list(r).count(v)) for v in set(r)])
        t += sum(c**3 - c for c in counts)
    denom = m * m * (n**3 - n) - m * t
    return None if denom == 0 else 12 * s / denom


@STATS_SETTINGS
@given(data=st.integers(2, 7).flatmap(lambda n: rankings(n, 2)))
def test_tau_b_equals_scipy(data):
    x, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = kendalltau(x, y, variant="b").statistic
    ours = tau_b(x, y)
    if is_nan(ref):
        assert ours.value is None and ours.reason == result.CONSTANT_RANKING
    else:
        assert ours.value == pytest.approx(float(ref), abs=1e-9)


@STATS_SETTINGS
@given(data=st.integers(2, 7).flatmap(lambda n: rankings(n, 2)), drop=st.integers(0, 6))
def test_tau_b_with_a_missing_rank_equals_scipy_omit(data, drop):
    x, y = data
    x = list(x)
    x[drop % len(x)] = None
    keep = [i for i in range(len(x)) if x[i] is not None]
    ours = tau_b(x, y)
    if len(keep) < 2:
        assert ours.reason == result.TOO_FEW_OBJECTS
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = kendalltau([x[i] for i in keep], [y[i] for i in keep]).statistic
    if is_nan(ref):
        assert ours.value is None
    else:
        assert ours.value == pytest.approx(float(ref), abs=1e-9)


@STATS_SETTINGS
@given(data=st.integers(2, 6).flatmap(lambda n: st.integers(2, 5).flatmap(lambda m: rankings(n, m))))
def test_kendall_w_equals_textbook(data):
    ours = kendall_w(data)
    ref = textbook_w(data)
    if ref is None:
        assert ours.value is None and ours.reason == result.CONSTANT_RANKING
    else:
        assert ours.value == pytest.approx(ref, abs=1e-9)
    assert ours.details["chance"] == pytest.approx(1 / len(data))


@STATS_SETTINGS
@given(data=st.integers(3, 7).flatmap(lambda n: st.integers(2, 5).flatmap(lambda m: rankings(n, m, ties=False))))
def test_kendall_w_average_spearman_identity(data):
    # Without ties: mean pairwise Spearman rho = (m W - 1) / (m - 1).
    m = len(data)
    rhos = [spearmanr(a, b).statistic for a, b in itertools.combinations(data, 2)]
    w = kendall_w(data).value
    assert sum(rhos) / len(rhos) == pytest.approx((m * w - 1) / (m - 1), abs=1e-9)


@STATS_SETTINGS
@given(data=st.integers(2, 6).flatmap(lambda n: st.integers(2, 4).flatmap(lambda m: rankings(n, m))))
def test_mean_pairwise_tau_b(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        taus = [kendalltau(a, b).statistic for a, b in itertools.combinations(data, 2)]
    taus = [float(t) for t in taus if not math.isnan(t)]
    ours = mean_pairwise_tau_b(data)
    if not taus:
        assert ours.value is None and ours.reason == result.NO_DEFINED_PAIRS
    else:
        assert ours.value == pytest.approx(sum(taus) / len(taus), abs=1e-9)
        assert ours.details["pairs"] == len(taus)


@pytest.mark.parametrize("n,m", [(2, 2), (3, 2), (3, 3), (4, 2)])
def test_chance_baseline_is_one_over_m(n, m):
    # Expected W over all equally likely untied rankings is exactly 1/m.
    perms = list(itertools.permutations(range(1, n + 1)))
    ws = [kendall_w(list(combo)).value for combo in itertools.product(perms, repeat=m)]
    assert sum(ws) / len(ws) == pytest.approx(1 / m, abs=1e-12)


def test_mapping_inputs_and_mid_ranks():
    a = {"r0": 1, "r1": 2, "r2": 2}
    b = {"r2": 1, "r1": 2, "r0": 3}
    ref = kendalltau([1, 2, 2], [3, 2, 1]).statistic
    assert tau_b(a, b).value == pytest.approx(ref)
    assert kendall_w({"ann": a, "bob": b}).value == pytest.approx(textbook_w([[1, 2, 2], [3, 2, 1]]))
    assert [float(r) for r in mid_ranks([10, 20, 20, 5])] == list(rankdata([10, 20, 20, 5]))


def test_perfect_and_reversed():
    assert kendall_w([[1, 2, 3], [1, 2, 3], [1, 2, 3]]).value == 1.0
    assert kendall_w([[1, 2, 3], [3, 2, 1]]).value == 0.0
    assert tau_b([1, 2, 3], [3, 2, 1]).value == -1.0


def test_over_items():
    items = [[[1, 2, 3], [1, 3, 2]], {"a": [1, 1, 2], "b": [1, 2, 3], "c": [2, 1, 3]}, [[1, 2]]]
    pooled = []
    for item in items:
        rs = list(item.values()) if isinstance(item, dict) else item
        pooled += [kendalltau(x, y).statistic for x, y in itertools.combinations(rs, 2)]
    s = mean_pairwise_tau_b_over_items(items)
    assert s.value == pytest.approx(sum(pooled) / len(pooled))
    assert s.n_units == 2  # the one-ranking item has no pair
    mw = mean_kendall_w([[[1, 2, 3], [1, 3, 2]], [[1, 2, 3], [1, 2, 3], [3, 2, 1]]])
    assert mw.value == pytest.approx((kendall_w([[1, 2, 3], [1, 3, 2]]).value + kendall_w(
        [[1, 2, 3], [1, 2, 3], [3, 2, 1]]).value) / 2)
    assert mw.details["chance"] == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_not_defined():
    assert tau_b([1], [1]).reason == result.TOO_FEW_OBJECTS
    assert tau_b([1, 1, 1], [1, 2, 3]).reason == result.CONSTANT_RANKING
    assert mean_pairwise_tau_b([[1, 2]]).reason == result.TOO_FEW_RANKINGS
    assert mean_pairwise_tau_b([[1, 1], [1, 2]]).reason == result.NO_DEFINED_PAIRS
    assert kendall_w([[1, 2, 3]]).reason == result.TOO_FEW_RANKINGS
    assert kendall_w([[1], [1]]).reason == result.TOO_FEW_OBJECTS
    assert kendall_w([[1, 1], [2, 2]]).reason == result.CONSTANT_RANKING
    assert mean_kendall_w([[[1, 1], [1, 1]]]).reason == result.NO_DEFINED_ITEMS
    assert mean_pairwise_tau_b_over_items([[[1, 2]]]).reason == result.TOO_FEW_RANKINGS
    with pytest.raises(ValueError):
        kendall_w([[1, 2, None], [1, 2, 3]])
    with pytest.raises(ValueError):
        kendall_w([{"a": 1, "b": 2}, {"a": 1, "c": 2}])
