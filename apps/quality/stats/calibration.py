"""Per-annotator calibration: gold accuracy, leave-one-out majority agreement, position and length
bias with false-discovery control, tie rate against the project's, active time, and Dawid-Skene.

Input shapes: per-annotator counts are mappings ``{annotator: (successes, trials)}``; units are
mappings ``{annotator: value}`` (``None``/NaN = no value); active times are ``{annotator: [seconds, ...]}``.
Each per-annotator figure carries a ``reason`` (``None`` when it is defined) that the dashboard shows
as "not defined: <reason>" or "too few ...".
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .coincidence import Value, is_missing
from .preferences import A, B, TIE, direction

TOO_FEW_GOLD = "too few gold items to judge"
NO_DECISIVE_PICKS = "no picks to test"
NO_COMPARABLE_ITEMS = "no item where the others have a clear majority"
NO_BASELINE = "no project rate to compare with"
TOO_FEW_TIMED = "too few timed labels"
NO_TIMES = "no timed labels"


# --- tests and intervals ---------------------------------------------------------------------------
def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (= statsmodels ``proportion_confint(..., method="wilson")``)."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    if not 0 <= successes <= trials:
        raise ValueError("successes must be within 0..trials")
    z = statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return center - half, center + half


def _binom_log_pmf(k: int, n: int, p: float) -> float:
    if p == 0:
        return 0.0 if k == 0 else -math.inf
    if p == 1:
        return 0.0 if k == n else -math.inf
    return (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    )


def binomial_test(successes: int, trials: int, p: float = 0.5, alternative: str = "two-sided") -> float:
    """Exact binomial test p-value (= ``scipy.stats.binomtest(k, n, p, alternative).pvalue``).

    Two-sided: the total probability of outcomes no more likely than the one observed (with scipy's
    relative tolerance 1e-7). ``alternative``: ``"two-sided"``, ``"greater"`` or ``"less"``.
    """
    k, n = successes, trials
    if n < 1 or not 0 <= k <= n:
        raise ValueError("need 0 <= successes <= trials and trials >= 1")
    if not 0 <= p <= 1:
        raise ValueError("p must be within 0..1")
    if n > 200 and 0 < p < 1:
        # the same pmf, vectorised, over the window [lo, hi] (holding k and the mode) outside which every term
        # is too small to change the sums (or underflows to 0.0): O(sqrt(n)) terms instead of n + 1, so the dashboard's
        # tests cost the same at 600,000 labels as at 6,000. log C(n, i) as a running sum from lo.
        mode = min(n, int((n + 1) * p))
        step = max(16, int(2 * math.sqrt(n * p * (1 - p))))
        # terms below e^-40 of the smallest term that matters (pmf[k]) change no sum by a float's precision
        floor = max(-760.0, min(_binom_log_pmf(k, n, p), _binom_log_pmf(mode, n, p)) - 40)
        lo, hi = min(k, mode), max(k, mode)
        while lo > 0 and _binom_log_pmf(lo, n, p) > floor:
            lo = max(0, lo - step)
        while hi < n and _binom_log_pmf(hi, n, p) > floor:
            hi = min(n, hi + step)
        i = np.arange(lo + 1, hi + 1, dtype=np.float64)
        first = math.lgamma(n + 1) - math.lgamma(lo + 1) - math.lgamma(n - lo + 1)
        log_choose = np.concatenate(([first], first + np.cumsum(np.log(n - i + 1) - np.log(i))))
        k_all = np.arange(lo, hi + 1, dtype=np.float64)
        arr = np.exp(log_choose + k_all * math.log(p) + (n - k_all) * math.log1p(-p))
        if alternative == "greater":
            return min(1.0, float(arr[k - lo:].sum()))
        if alternative == "less":
            return min(1.0, float(arr[: k - lo + 1].sum()))
        if alternative != "two-sided":
            raise ValueError("alternative must be 'two-sided', 'greater' or 'less'")
        if k == n * p:
            return 1.0
        return min(1.0, float(arr[arr <= arr[k - lo] * (1 + 1e-7)].sum()))
    else:
        pmf = [math.exp(_binom_log_pmf(i, n, p)) for i in range(n + 1)]
    if alternative == "greater":
        return min(1.0, math.fsum(pmf[k:]))
    if alternative == "less":
        return min(1.0, math.fsum(pmf[: k + 1]))
    if alternative != "two-sided":
        raise ValueError("alternative must be 'two-sided', 'greater' or 'less'")
    if k == n * p:
        return 1.0
    limit = pmf[k] * (1 + 1e-7)
    return min(1.0, math.fsum(x for x in pmf if x <= limit))


def benjamini_hochberg(p_values: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Benjamini-Hochberg adjusted p-values (q-values), ``{key: q}``; reject where ``q <= fdr``.

    Equals statsmodels ``multipletests(p, method="fdr_bh")[1]``.
    """
    keys = sorted(p_values, key=lambda k: p_values[k])
    m = len(keys)
    out: dict[Hashable, float] = {}
    running = 1.0
    for rank in range(m, 0, -1):
        key = keys[rank - 1]
        running = min(running, p_values[key] * m / rank)
        out[key] = min(1.0, running)
    return {k: out[k] for k in p_values}


# --- gold -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoldAccuracy:
    correct: int
    total: int
    accuracy: float | None
    low: float | None
    high: float | None
    enough: bool
    reason: str | None


def gold_accuracy(correct: int, total: int, *, min_items: int = 10, confidence: float = 0.95) -> GoldAccuracy:
    """Accuracy on gold items with a Wilson interval.

    With fewer than ``min_items`` gold items the accuracy and interval are still given (when
    ``total > 0``) but ``enough`` is False and ``reason`` is ``TOO_FEW_GOLD``: the dashboard says "too few
    gold items to judge" instead of flagging.
    """
    if total == 0:
        return GoldAccuracy(0, 0, None, None, None, False, TOO_FEW_GOLD)
    low, high = wilson_interval(correct, total, confidence)
    enough = total >= min_items
    return GoldAccuracy(correct, total, correct / total, low, high, enough, None if enough else TOO_FEW_GOLD)


# --- leave-one-out majority -----------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementShare:
    agreed: int
    compared: int
    rate: float | None
    reason: str | None
    skipped: int = 0


def majority(values: Iterable[Value]) -> Value | None:
    """The unique most frequent value, or ``None`` when there is none (no values, or a tie for the top)."""
    counts: dict = {}
    for v in values:
        if not is_missing(v):
            counts[v] = counts.get(v, 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    winners = [v for v, n in counts.items() if n == top]
    return winners[0] if len(winners) == 1 else None


def leave_one_out_majority(units: Iterable[Mapping[Hashable, Value]]) -> dict[Hashable, AgreementShare]:
    """Per annotator: how often their value equals the majority of the *other* annotators on the item.

    Items where the others have no unique majority (none, or a tie) are skipped and counted in
    ``skipped``. Annotators with nothing to compare get ``rate=None`` and ``NO_COMPARABLE_ITEMS``.
    """
    agreed: dict[Hashable, int] = {}
    compared: dict[Hashable, int] = {}
    skipped: dict[Hashable, int] = {}
    for unit in units:
        present = {r: v for r, v in unit.items() if not is_missing(v)}
        for r, v in present.items():
            agreed.setdefault(r, 0)
            compared.setdefault(r, 0)
            skipped.setdefault(r, 0)
            maj = majority(w for s, w in present.items() if s != r)
            if maj is None:
                skipped[r] += 1
                continue
            compared[r] += 1
            agreed[r] += v == maj
    out = {}
    for r in compared:
        n = compared[r]
        out[r] = AgreementShare(
            agreed[r], n, agreed[r] / n if n else None, None if n else NO_COMPARABLE_ITEMS, skipped[r]
        )
    return out


# --- position and length bias ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShareTest:
    successes: int
    trials: int
    share: float | None
    p_value: float | None
    q_value: float | None
    flagged: bool
    reason: str | None


def share_tests(
    counts: Mapping[Hashable, tuple[int, int]],
    *,
    p0: float = 0.5,
    fdr: float = 0.05,
    alternative: str = "two-sided",
) -> dict[Hashable, ShareTest]:
    """For each annotator ``(successes, trials)``: share, exact binomial p-value against ``p0``, and the
    Benjamini-Hochberg q-value across the annotators tested; flagged where ``q <= fdr``.

    Annotators with no trials are not tested (``NO_DECISIVE_PICKS``) and are not in the FDR family.
    """
    p_values = {a: binomial_test(k, n, p0, alternative) for a, (k, n) in counts.items() if n > 0}
    q_values = benjamini_hochberg(p_values)
    out = {}
    for a, (k, n) in counts.items():
        if n <= 0:
            out[a] = ShareTest(k, n, None, None, None, False, NO_DECISIVE_PICKS)
        else:
            q = q_values[a]
            out[a] = ShareTest(k, n, k / n, p_values[a], q, q <= fdr, None)
    return out


def picked_canonical(preference_or_direction) -> int | None:
    """Canonical position picked (0 for A, 1 for B) from a preference -2..2 or a direction; ``None`` for a tie."""
    d = (
        preference_or_direction
        if preference_or_direction in (A, B, TIE)
        else direction(preference_or_direction)
    )
    return {A: 0, B: 1}.get(d)


def picked_left(preference_or_direction, shown_order: Sequence[int]) -> bool | None:
    """Whether the pick was the response shown first (left); ``None`` for a tie or no value.

    ``shown_order[shown_position] = canonical_position`` (the Label's ``shown_order``).
    """
    pick = picked_canonical(preference_or_direction)
    if pick is None:
        return None
    return pick == shown_order[0]


def picked_longer(preference_or_direction, length_a: int, length_b: int) -> bool | None:
    """Whether the pick was the longer response; ``None`` for a tie, no value, or equal lengths."""
    pick = picked_canonical(preference_or_direction)
    if pick is None or length_a == length_b:
        return None
    return pick == (0 if length_a > length_b else 1)


def _count(flags: Iterable[bool | None]) -> tuple[int, int]:
    k = n = 0
    for f in flags:
        if f is not None:
            n += 1
            k += bool(f)
    return k, n


def left_pick_counts(labels: Iterable[tuple[object, Sequence[int]]]) -> tuple[int, int]:
    """``(left picks, decisive picks)`` from ``(preference, shown_order)`` pairs of one annotator."""
    return _count(picked_left(p, order) for p, order in labels)


def longer_pick_counts(labels: Iterable[tuple[object, int, int]]) -> tuple[int, int]:
    """``(picks of the longer response, decisive picks between unequal lengths)`` from
    ``(preference, len_a, len_b)`` triples of one annotator."""
    return _count(picked_longer(p, la, lb) for p, la, lb in labels)


def position_bias(counts: Mapping[Hashable, tuple[int, int]], *, fdr: float = 0.05) -> dict[Hashable, ShareTest]:
    """Share of left picks per annotator (``{annotator: (left, decisive)}``), tested against 0.5 with BH."""
    return share_tests(counts, p0=0.5, fdr=fdr)


def length_bias(counts: Mapping[Hashable, tuple[int, int]], *, fdr: float = 0.05) -> dict[Hashable, ShareTest]:
    """Share of picks for the longer response per annotator, tested against 0.5 with BH."""
    return share_tests(counts, p0=0.5, fdr=fdr)


# --- tie rate -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TieRateFlag:
    ties: int
    total: int
    rate: float | None
    baseline: float | None
    p_value: float | None
    q_value: float | None
    flagged: bool
    reason: str | None


def tie_rate_flags(
    counts: Mapping[Hashable, tuple[int, int]],
    *,
    project_rate: float | None = None,
    leave_one_out: bool = False,
    min_excess: float = 0.2,
    fdr: float = 0.05,
) -> dict[Hashable, TieRateFlag]:
    """Flag annotators whose tie rate is clearly above the project's.

    ``counts``: ``{annotator: (ties, labels)}``. Baseline: ``project_rate`` if given, else the pooled
    rate of all annotators (of all *other* annotators with ``leave_one_out=True``). Flagged only when
    both: the one-sided exact binomial test (rate > baseline) is significant after Benjamini-Hochberg
    across the annotators tested (``q <= fdr``), and ``rate - baseline >= min_excess`` (0.2).
    """
    total_ties = sum(t for t, _ in counts.values())
    total_n = sum(n for _, n in counts.values())
    baselines: dict[Hashable, float | None] = {}
    for a, (t, n) in counts.items():
        if project_rate is not None:
            baselines[a] = project_rate
        elif leave_one_out:
            rest = total_n - n
            baselines[a] = (total_ties - t) / rest if rest else None
        else:
            baselines[a] = total_ties / total_n if total_n else None
    p_values = {
        a: binomial_test(t, n, baselines[a], "greater")
        for a, (t, n) in counts.items()
        if n > 0 and baselines[a] is not None
    }
    q_values = benjamini_hochberg(p_values)
    out = {}
    for a, (t, n) in counts.items():
        base = baselines[a]
        if n <= 0:
            out[a] = TieRateFlag(t, n, None, base, None, None, False, NO_DECISIVE_PICKS)
        elif base is None:
            out[a] = TieRateFlag(t, n, t / n, None, None, None, False, NO_BASELINE)
        else:
            rate, q = t / n, q_values[a]
            flagged = q <= fdr and rate - base >= min_excess - 1e-12
            out[a] = TieRateFlag(t, n, rate, base, p_values[a], q, flagged, None)
    return out


# --- active time ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActiveTime:
    median: float | None
    n: int
    too_fast: bool
    reason: str | None


@dataclass(frozen=True)
class ActiveTimeReport:
    project_median: float | None
    annotators: dict[Hashable, ActiveTime] = field(default_factory=dict)


def active_time_flags(
    times: Mapping[Hashable, Iterable[float]], *, fast_fraction: float = 0.5, min_labels: int = 5
) -> ActiveTimeReport:
    """Median active time per annotator, the project median (over all timed labels), and a too-fast
    flag where an annotator's median is below ``fast_fraction`` x the project median. Annotators with
    fewer than ``min_labels`` timed labels get their median but no flag (``TOO_FEW_TIMED``).
    """
    per = {a: [float(t) for t in ts if not is_missing(t)] for a, ts in times.items()}
    pooled = [t for ts in per.values() for t in ts]
    project_median = statistics.median(pooled) if pooled else None
    out = {}
    for a, ts in per.items():
        if not ts:
            out[a] = ActiveTime(None, 0, False, NO_TIMES)
            continue
        med = statistics.median(ts)
        if len(ts) < min_labels:
            out[a] = ActiveTime(med, len(ts), False, TOO_FEW_TIMED)
            continue
        out[a] = ActiveTime(med, len(ts), med < fast_fraction * project_median, None)
    return ActiveTimeReport(project_median, out)


# --- Dawid-Skene ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DawidSkeneResult:
    """``classes`` in order; ``priors[k]``; ``confusion[rater][k][l]`` = P(rater says l | true class k);
    ``posteriors[u][k]`` per unit (in input order); ``labels[u]`` = the most probable class (first in
    ``classes`` order on ties; ``None`` for a unit with no value); ``reliability[rater]`` = P(rater's
    value equals the true class) = ``sum_k priors[k] * confusion[rater][k][k]``."""

    classes: list
    priors: list[float]
    confusion: dict[Hashable, list[list[float]]]
    posteriors: list[list[float] | None]
    labels: list
    reliability: dict[Hashable, float]
    iterations: int
    converged: bool
    log_likelihood: float


def dawid_skene(
    units: Sequence[Mapping[Hashable, Value]],
    *,
    classes: Sequence[Value] | None = None,
    max_iter: int = 100,
    tol: float = 1e-6,
    smoothing: float = 0.01,
) -> DawidSkeneResult:
    """Dawid & Skene (1979) EM: class priors, a confusion matrix per rater, posteriors per unit.

    Starts from the vote shares of each unit (majority-vote posteriors); alternates the M-step (priors,
    confusion rows with ``smoothing`` pseudo-counts per cell, so a rater who never saw a class gets a
    uniform row instead of 0/0) and the E-step; stops when no posterior moves more than ``tol`` or
    after ``max_iter`` iterations. Deterministic: no randomness, raters in first-seen order.
    """
    observed: list = []
    seen = set()
    raters: dict[Hashable, int] = {}
    triples: list[tuple[int, int, Value]] = []
    for u, unit in enumerate(units):
        for r, v in unit.items():
            if is_missing(v):
                continue
            raters.setdefault(r, len(raters))
            if v not in seen:
                seen.add(v)
                observed.append(v)
            triples.append((u, raters[r], v))
    if classes is None:
        try:
            classes = sorted(observed)
        except TypeError:
            classes = observed
    classes = list(classes)
    cindex = {c: i for i, c in enumerate(classes)}
    unknown = [v for v in observed if v not in cindex]
    if unknown:
        raise ValueError(f"values {unknown!r} are not among the classes")
    n_units, n_raters, k = len(units), len(raters), len(classes)
    rater_list = list(raters)
    if not triples:
        return DawidSkeneResult(classes, [], {}, [None] * n_units, [None] * n_units, {}, 0, True, 0.0)

    ui = np.array([t[0] for t in triples], dtype=np.int64)
    ri = np.array([t[1] for t in triples], dtype=np.int64)
    li = np.array([cindex[t[2]] for t in triples], dtype=np.int64)
    labelled = np.bincount(ui, minlength=n_units) > 0

    # initial posteriors: vote shares
    t = np.zeros((n_units, k))
    np.add.at(t, (ui, li), 1.0)
    t[labelled] /= t[labelled].sum(axis=1, keepdims=True)

    converged = False
    iterations = 0
    log_lik = 0.0
    for iterations in range(1, max_iter + 1):
        # M-step
        priors = t[labelled].sum(axis=0) / labelled.sum()
        conf = np.full((n_raters, k, k), float(smoothing))
        for cls in range(k):
            conf[:, cls, :] += np.bincount(ri * k + li, weights=t[ui, cls], minlength=n_raters * k).reshape(
                n_raters, k
            )
        row = conf.sum(axis=2, keepdims=True)
        conf = np.divide(conf, row, out=np.full_like(conf, 1.0 / k), where=row > 0)
        # E-step
        with np.errstate(divide="ignore"):
            log_conf = np.log(conf)
            log_t = np.tile(np.log(priors), (n_units, 1))
        for cls in range(k):
            log_t[:, cls] += np.bincount(ui, weights=log_conf[ri, cls, li], minlength=n_units)
        top = log_t.max(axis=1, keepdims=True)
        top[~np.isfinite(top)] = 0.0
        weights = np.exp(log_t - top)
        norm = weights.sum(axis=1, keepdims=True)
        new_t = np.zeros_like(t)
        ok = labelled & (norm[:, 0] > 0)
        new_t[ok] = weights[ok] / norm[ok]
        new_t[labelled & ~ok] = t[labelled & ~ok]
        log_lik = float((np.log(norm[ok, 0]) + top[ok, 0]).sum())
        delta = float(np.abs(new_t - t).max()) if n_units else 0.0
        t = new_t
        if delta < tol:
            converged = True
            break

    # priors and confusion from the last M-step, posteriors from the last E-step
    reliability = {
        r: float(sum(priors[c] * conf[raters[r], c, c] for c in range(k))) for r in rater_list
    }
    posteriors = [t[u].tolist() if labelled[u] else None for u in range(n_units)]
    labels = [classes[int(np.argmax(t[u]))] if labelled[u] else None for u in range(n_units)]
    return DawidSkeneResult(
        classes,
        priors.tolist(),
        {r: conf[raters[r]].tolist() for r in rater_list},
        posteriors,
        labels,
        reliability,
        iterations,
        converged,
        log_lik,
    )
