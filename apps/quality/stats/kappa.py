"""Fleiss' kappa (complete data only) and Cohen's kappa for one annotator pair.

Fleiss' kappa, as statsmodels' ``fleiss_kappa(table, method="fleiss")``: every item has the same
number ``m >= 2`` of values; ``P_bar = mean_i sum_c n_ic (n_ic - 1) / (m (m - 1))``,
``P_e = sum_c p_c ** 2`` with ``p_c`` the share of all values that are ``c``;
``kappa = (P_bar - P_e) / (1 - P_e)``. Items with no value at all are ignored. Not defined: items have
unequal numbers of values (``UNEQUAL_RATERS``; use alpha or AC1 there — statsmodels' ``aggregate_raters``
would count the missing values as a category), fewer than two values per item (``NO_PAIRABLE_VALUES``),
a single value used throughout (``SINGLE_VALUE``: ``P_e = 1``).

Cohen's kappa, as scikit-learn's ``cohen_kappa_score(y1, y2, labels=..., weights=...)``:
``kappa = 1 - sum w * C / sum w * E`` with the confusion matrix ``C`` over ``labels``, expected
``E = outer(row sums, column sums) / N`` and weights on label *positions* ``i, j`` in ``labels``:
``(i - j) ** 2`` (quadratic), ``|i - j|`` (linear), ``[i != j]`` (None). Pass the whole scale in order
as ``labels`` so positions match the scale (scikit-learn's default is the sorted labels seen, and a
scale value nobody used then shifts the weights). Pairs with a value outside ``labels`` are dropped,
as scikit-learn does. Not defined: fewer than ``min_shared`` shared items (``TOO_FEW_SHARED``),
``sum w * E == 0`` (``SINGLE_VALUE``: both used one and the same label; scikit-learn returns NaN).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from itertools import combinations

from .coincidence import AgreementSummary, Value, is_missing
from .result import (
    NO_PAIRABLE_VALUES,
    NO_VALUES,
    SINGLE_VALUE,
    TOO_FEW_SHARED,
    UNEQUAL_RATERS,
    Stat,
    defined,
    undefined,
)

COHEN_WEIGHTS = (None, "linear", "quadratic")


def fleiss_kappa_from_summary(summary: AgreementSummary) -> Stat:
    """Fleiss' kappa from an :class:`AgreementSummary`; defined only when every item has the same ``m``."""
    sizes = [m for m, n in summary.units.items() if n]
    if not sizes:
        return undefined(NO_VALUES, n_units=0, n_values=0)
    if len(sizes) > 1:
        return undefined(UNEQUAL_RATERS, n_units=summary.n_units, n_values=summary.n_values, sizes=sorted(sizes))
    m = sizes[0]
    n_units = summary.units[m]
    if m < 2:
        return undefined(NO_PAIRABLE_VALUES, n_units=n_units, n_values=summary.n_values)
    totals = summary.value_totals()
    n_total = n_units * m
    pe = sum((Fraction(n, n_total) ** 2 for n in totals.values()), Fraction(0))
    if pe == 1:
        return undefined(SINGLE_VALUE, n_units=n_units, n_values=n_total)
    agree = sum((n for (c, k), n in summary.pairs.get(m, {}).items() if c == k), 0)
    p_bar = Fraction(agree, n_units * m * (m - 1))
    value = (p_bar - pe) / (1 - pe)
    return defined(value, n_units=n_units, n_values=n_total, p_bar=float(p_bar), pe=float(pe), raters_per_item=m)


def fleiss_kappa(units: Iterable) -> Stat:
    """Fleiss' kappa from units, each ``{rater: value}`` or an iterable of values (``None``/NaN missing)."""
    return fleiss_kappa_from_summary(AgreementSummary.from_units(units))


def cohen_kappa(
    y1: Sequence[Value],
    y2: Sequence[Value],
    *,
    labels: Sequence[Value] | None = None,
    weights: str | None = "quadratic",
    min_shared: int = 1,
) -> Stat:
    """Cohen's kappa of two annotators' values on the same items (``y1[i]``, ``y2[i]`` for item ``i``).

    Items where either value is missing are left out. ``weights``: ``"quadratic"`` (default),
    ``"linear"`` or ``None``. Details: ``observed`` and ``expected`` weighted disagreement.
    """
    if weights not in COHEN_WEIGHTS:
        raise ValueError(f"weights must be one of {COHEN_WEIGHTS}, got {weights!r}")
    if len(y1) != len(y2):
        raise ValueError("y1 and y2 must have one value per item each")
    pairs = [(a, b) for a, b in zip(y1, y2) if not is_missing(a) and not is_missing(b)]
    if labels is None:
        labels = sorted({v for p in pairs for v in p})
    labels = list(labels)
    index = {v: i for i, v in enumerate(labels)}
    pairs = [(a, b) for a, b in pairs if a in index and b in index]
    n = len(pairs)
    if n < max(min_shared, 1):
        return undefined(TOO_FEW_SHARED, n_units=n, n_values=2 * n, min_shared=min_shared)

    def w(i: int, j: int) -> int:
        if weights == "quadratic":
            return (i - j) ** 2
        if weights == "linear":
            return abs(i - j)
        return int(i != j)

    rows: dict[int, int] = {}
    cols: dict[int, int] = {}
    observed = 0
    for a, b in pairs:
        i, j = index[a], index[b]
        rows[i] = rows.get(i, 0) + 1
        cols[j] = cols.get(j, 0) + 1
        observed += w(i, j)
    expected = Fraction(sum(w(i, j) * ri * cj for i, ri in rows.items() for j, cj in cols.items()), n)
    if expected == 0:
        return undefined(SINGLE_VALUE, n_units=n, n_values=2 * n)
    value = 1 - observed / expected
    return defined(value, n_units=n, n_values=2 * n, observed=observed / n, expected=float(expected / n))


def cohen_kappa_for_pair(
    units: Iterable[Mapping[Hashable, Value]],
    rater_a: Hashable,
    rater_b: Hashable,
    *,
    labels: Sequence[Value] | None = None,
    weights: str | None = "quadratic",
    min_shared: int = 10,
) -> Stat:
    """Cohen's kappa of ``rater_a`` and ``rater_b`` over the units (``{rater: value}``) both labelled."""
    y1, y2 = [], []
    for u in units:
        a, b = u.get(rater_a), u.get(rater_b)
        if not is_missing(a) and not is_missing(b):
            y1.append(a)
            y2.append(b)
    return cohen_kappa(y1, y2, labels=labels, weights=weights, min_shared=min_shared)


def pairwise_cohen_kappa(
    units: Iterable[Mapping[Hashable, Value]],
    *,
    labels: Sequence[Value] | None = None,
    weights: str | None = "quadratic",
    min_shared: int = 10,
) -> dict[tuple[Hashable, Hashable], Stat]:
    """Cohen's kappa for every annotator pair ``(a, b)`` (raters in first-seen order) that shares an item.

    Pairs with fewer than ``min_shared`` shared items are present but undefined (``TOO_FEW_SHARED``), so
    a heatmap can show why a cell is empty.
    """
    shared: dict[tuple[Hashable, Hashable], tuple[list, list]] = {}
    order: dict[Hashable, int] = {}
    for u in units:
        present = [(r, v) for r, v in u.items() if not is_missing(v)]
        for r, _ in present:
            order.setdefault(r, len(order))
        present.sort(key=lambda rv: order[rv[0]])
        for (ra, va), (rb, vb) in combinations(present, 2):
            ys = shared.setdefault((ra, rb), ([], []))
            ys[0].append(va)
            ys[1].append(vb)
    return {
        key: cohen_kappa(y1, y2, labels=labels, weights=weights, min_shared=min_shared)
        for key, (y1, y2) in shared.items()
    }
