"""Calibration figures: Wilson interval (statsmodels), exact binomial test (scipy), Benjamini-Hochberg
(statsmodels), the flags built on them, leave-one-out majority, active time, and Dawid-Skene (against a
plain-loop implementation of the same EM, and on data with a known answer)."""
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from stats_strategies import STATS_SETTINGS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from apps.quality.stats import calibration as cal


# --- intervals and tests --------------------------------------------------------------------------
@STATS_SETTINGS
@given(n=st.integers(1, 500), data=st.data(), confidence=st.sampled_from([0.9, 0.95, 0.99]))
def test_wilson_equals_statsmodels(n, data, confidence):
    k = data.draw(st.integers(0, n))
    low, high = cal.wilson_interval(k, n, confidence)
    ref_low, ref_high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)


@STATS_SETTINGS
@given(
    n=st.integers(1, 400),
    data=st.data(),
    p=st.one_of(st.sampled_from([0.5, 0.1, 0.25, 0.0, 1.0]), st.floats(0.01, 0.99)),
    alternative=st.sampled_from(["two-sided", "greater", "less"]),
)
def test_binomial_test_equals_scipy(n, data, p, alternative):
    k = data.draw(st.integers(0, n))
    ours = cal.binomial_test(k, n, p, alternative)
    ref = binomtest(k, n, p, alternative=alternative).pvalue
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-12)


@STATS_SETTINGS
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_benjamini_hochberg_equals_statsmodels(p):
    ours = cal.benjamini_hochberg({i: v for i, v in enumerate(p)})
    ref = multipletests(p, method="fdr_bh")[1]
    for i, q in enumerate(ref):
        assert ours[i] == pytest.approx(q, abs=1e-12)


# --- gold -----------------------------------------------------------------------------------------
def test_gold_accuracy():
    g = cal.gold_accuracy(18, 20)
    assert g.enough and g.reason is None and g.accuracy == 0.9
    assert g.low == pytest.approx(proportion_confint(18, 20, method="wilson")[0])
    few = cal.gold_accuracy(3, 4, min_items=10)
    assert not few.enough and few.reason == cal.TOO_FEW_GOLD and few.accuracy == 0.75
    none = cal.gold_accuracy(0, 0)
    assert none.accuracy is None and none.reason == cal.TOO_FEW_GOLD


# --- leave-one-out majority -----------------------------------------------------------------------
def test_leave_one_out_majority():
    units = [
        {"ann": "A", "bob": "A", "cat": "A"},
        {"ann": "B", "bob": "A", "cat": "A"},
        {"ann": "A", "bob": "B"},  # for ann the others' majority is bob's B; for bob it is ann's A
        {"ann": "A", "bob": "B", "cat": "tie"},  # the others tie for everyone: skipped
        {"ann": "A"},  # nobody else: skipped
    ]
    out = cal.leave_one_out_majority(units)
    assert (out["ann"].agreed, out["ann"].compared, out["ann"].skipped) == (1, 3, 2)
    assert (out["bob"].agreed, out["bob"].compared, out["bob"].skipped) == (1, 2, 2)
    assert (out["cat"].agreed, out["cat"].compared, out["cat"].rate) == (1, 1, 1.0)
    assert cal.majority(["A", "B"]) is None and cal.majority([]) is None and cal.majority(["A", "A", "B"]) == "A"
    lonely = cal.leave_one_out_majority([{"zed": 1}])
    assert lonely["zed"].rate is None and lonely["zed"].reason == cal.NO_COMPARABLE_ITEMS


# --- position and length bias ---------------------------------------------------------------------
def test_picks():
    # shown_order[shown position] = canonical position
    assert cal.picked_left(2, [0, 1]) is True
    assert cal.picked_left(2, [1, 0]) is False
    assert cal.picked_left(-1, [1, 0]) is True
    assert cal.picked_left(0, [0, 1]) is None
    assert cal.picked_left(None, [0, 1]) is None
    assert cal.picked_longer(1, 300, 100) is True
    assert cal.picked_longer("B", 300, 100) is False
    assert cal.picked_longer(1, 100, 100) is None
    assert cal.left_pick_counts([(2, [0, 1]), (1, [1, 0]), (0, [0, 1]), (-2, [1, 0])]) == (2, 3)
    assert cal.longer_pick_counts([(2, 10, 5), (-1, 10, 5), (1, 5, 5)]) == (1, 2)


def test_position_bias_flags_the_biased_annotator_with_fdr_control():
    counts = {"fair": (52, 100), "fair2": (47, 100), "left": (85, 100), "none": (0, 0)}
    out = cal.position_bias(counts)
    assert out["left"].flagged and not out["fair"].flagged and not out["fair2"].flagged
    assert out["none"].share is None and out["none"].reason == cal.NO_DECISIVE_PICKS
    tested = ["fair", "fair2", "left"]
    ref_p = [binomtest(*counts[a]).pvalue for a in tested]
    ref_q = multipletests(ref_p, method="fdr_bh")[1]
    for a, p, q in zip(tested, ref_p, ref_q):
        assert out[a].p_value == pytest.approx(p, rel=1e-9)
        assert out[a].q_value == pytest.approx(q, rel=1e-9)
    assert cal.length_bias({"x": (90, 100)})["x"].flagged


def test_tie_rate_flagged_only_when_significant_and_well_above():
    counts = {
        "a": (10, 100),
        "b": (12, 100),
        "f": (8, 100),
        "c": (50, 100),  # far above and significant
        "d": (4, 8),  # 0.5: at least 0.2 above, but too few labels to be significant
        "e": (130, 400),  # significant but less than 0.2 above
    }
    out = cal.tie_rate_flags(counts)
    pooled = sum(t for t, _ in counts.values()) / sum(n for _, n in counts.values())
    assert out["a"].baseline == pytest.approx(pooled)
    assert out["c"].flagged
    assert not out["d"].flagged and out["d"].rate - pooled >= 0.2
    assert not out["e"].flagged and out["e"].q_value <= 0.05
    assert not out["a"].flagged and not out["b"].flagged
    assert out["c"].p_value == pytest.approx(binomtest(50, 100, pooled, alternative="greater").pvalue, rel=1e-9)
    loo = cal.tie_rate_flags(counts, leave_one_out=True)
    assert loo["c"].baseline == pytest.approx((10 + 12 + 8 + 4 + 130) / 708)
    fixed = cal.tie_rate_flags({"x": (30, 100)}, project_rate=0.05)
    assert fixed["x"].flagged
    solo = cal.tie_rate_flags({"x": (30, 100)}, leave_one_out=True)
    assert solo["x"].reason == cal.NO_BASELINE and not solo["x"].flagged


# --- active time ----------------------------------------------------------------------------------
def test_active_time_flags():
    times = {
        "slow": [30, 40, 50, 60, 45],
        "normal": [20, 25, 30, 35, 40],
        "fast": [3, 4, 5, 4, 6],
        "new": [1, 2],
        "untimed": [None],
    }
    report = cal.active_time_flags(times)
    pooled = sorted(t for ts in times.values() for t in ts if t is not None)
    assert report.project_median == pooled[len(pooled) // 2]
    assert report.annotators["fast"].too_fast and report.annotators["fast"].median == 4
    assert not report.annotators["normal"].too_fast and not report.annotators["slow"].too_fast
    assert report.annotators["new"].reason == cal.TOO_FEW_TIMED and not report.annotators["new"].too_fast
    assert report.annotators["untimed"].median is None


# --- Dawid-Skene ----------------------------------------------------------------------------------
def naive_dawid_skene(units, classes, max_iter=100, tol=1e-6, smoothing=0.01):
    """The same EM in plain loops, as a reference for the vectorised implementation."""
    raters = []
    for u in units:
        for r in u:
            if r not in raters:
                raters.append(r)
    k = len(classes)
    idx = {c: i for i, c in enumerate(classes)}
    t = []
    for u in units:
        row = [0.0] * k
        for v in u.values():
            row[idx[v]] += 1
        s = sum(row)
        t.append([x / s for x in row] if s else None)
    live = [i for i, u in enumerate(units) if u]
    for _ in range(max_iter):
        priors = [sum(t[i][c] for i in live) / len(live) for c in range(k)]
        conf = {r: [[smoothing] * k for _ in range(k)] for r in raters}
        for i in live:
            for r, v in units[i].items():
                for c in range(k):
                    conf[r][c][idx[v]] += t[i][c]
        for r in raters:
            for c in range(k):
                s = sum(conf[r][c])
                conf[r][c] = [x / s if s else 1 / k for x in conf[r][c]]
        new = list(t)
        delta = 0.0
        for i in live:
            logs = []
            for c in range(k):
                lp = math.log(priors[c]) if priors[c] > 0 else -math.inf
                for r, v in units[i].items():
                    lp += math.log(conf[r][c][idx[v]]) if conf[r][c][idx[v]] > 0 else -math.inf
                logs.append(lp)
            top = max(logs)
            w = [math.exp(x - top) for x in logs]
            s = sum(w)
            new[i] = [x / s for x in w]
            delta = max(delta, max(abs(a - b) for a, b in zip(new[i], t[i])))
        t = new
        if delta < tol:
            break
    reliability = {r: sum(priors[c] * conf[r][c][c] for c in range(k)) for r in raters}
    return t, priors, conf, reliability


@STATS_SETTINGS
@given(
    data=st.data(),
    n_units=st.integers(1, 15),
    classes=st.sampled_from([["A", "B"], ["A", "B", "tie"], [-1, 0, 1]]),
)
def test_dawid_skene_equals_plain_loops(data, n_units, classes):
    raters = ["ann", "bob", "cat", "dan"]
    units = []
    for _ in range(n_units):
        who = data.draw(st.lists(st.sampled_from(raters), unique=True, max_size=4))
        units.append({r: data.draw(st.sampled_from(classes)) for r in who})
    ours = cal.dawid_skene(units, classes=classes)
    if not any(units):
        assert ours.labels == [None] * n_units
        return
    t, priors, conf, reliability = naive_dawid_skene(units, classes)
    assert ours.priors == pytest.approx(priors, abs=1e-9)
    for i, u in enumerate(units):
        if u:
            assert ours.posteriors[i] == pytest.approx(t[i], abs=1e-9)
            assert sum(ours.posteriors[i]) == pytest.approx(1.0)
        else:
            assert ours.posteriors[i] is None and ours.labels[i] is None
    for r in reliability:
        assert ours.reliability[r] == pytest.approx(reliability[r], abs=1e-9)
        for c in range(len(classes)):
            assert ours.confusion[r][c] == pytest.approx(conf[r][c], abs=1e-9)


def test_dawid_skene_finds_the_reliable_and_the_random_annotator():
    rng = random.Random(7)
    truth = [rng.choice("AB") for _ in range(300)]
    units = []
    for y in truth:
        other = "B" if y == "A" else "A"
        units.append({
            "good1": y if rng.random() < 0.95 else other,
            "good2": y if rng.random() < 0.9 else other,
            "good3": y if rng.random() < 0.85 else other,
            "random": rng.choice("AB"),
            "contrary": other if rng.random() < 0.9 else y,
        })
    ds = cal.dawid_skene(units)
    assert ds.converged
    assert ds.reliability["good1"] > ds.reliability["good2"] > ds.reliability["random"]
    assert abs(ds.reliability["random"] - 0.5) < 0.1
    assert ds.reliability["contrary"] < 0.2
    accuracy = sum(a == y for a, y in zip(ds.labels, truth)) / len(truth)
    assert accuracy > 0.97
    # deterministic
    again = cal.dawid_skene(units)
    assert again.labels == ds.labels and again.reliability == ds.reliability


def test_dawid_skene_edges():
    empty = cal.dawid_skene([{}, {}])
    assert empty.labels == [None, None] and empty.reliability == {}
    one = cal.dawid_skene([{"a": "x", "b": "x"}])
    assert one.labels == ["x"]
    capped = cal.dawid_skene([{"a": 1, "b": 2}, {"a": 2, "b": 2}], max_iter=1)
    assert capped.iterations == 1
    with pytest.raises(ValueError):
        cal.dawid_skene([{"a": "x"}], classes=["y"])
