"""Gwet's AC1 (identity weights) and AC2 (weighted), as irrCAC (``irrCAC.raw.CAC.gwet``) computes them.

With ``r_i`` values on item ``i``, ``n_ik`` of them in category ``k``, ``q`` categories, weights ``w``:

- ``pa = mean over items with r_i >= 2 of  sum_k n_ik (sum_l w_kl n_il - 1) / (r_i (r_i - 1))``
- ``pi_k = mean over all items with r_i >= 1 of  n_ik / r_i``  (single-value items count here)
- ``pe = sum(w) / (q (q - 1)) * sum_k pi_k (1 - pi_k)``
- ``AC = (pa - pe) / (1 - pe)``

So missing values and unequal numbers of raters per item are handled as irrCAC does, and the number
``q`` of categories matters: pass ``categories``, the whole scale, so unused categories count (irrCAC's
``categories`` argument). Weights (irrCAC's names): ``identity`` (AC1), ``quadratic``
``1 - ((x_k - x_l) / (x_max - x_min)) ** 2`` and ``linear`` ``1 - |x_k - x_l| / (x_max - x_min)`` on the
category values when all are numbers (else on their positions 1..q), and ``ordinal``
``1 - C(|k - l| + 1, 2) / max`` on positions. Numeric categories are sorted, as irrCAC's weights assume.

Not defined: no item with two or more values (``NO_PAIRABLE_VALUES``), fewer than two categories
(``SINGLE_CATEGORY``; irrCAC then returns a meaningless number or NaN), ``pe == 1``
(``FULL_CHANCE_AGREEMENT``). All labels identical over two or more categories is defined: AC1 = 1.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from .coincidence import AgreementSummary, Value
from .result import FULL_CHANCE_AGREEMENT, NO_PAIRABLE_VALUES, SINGLE_CATEGORY, Stat, defined, undefined

WEIGHTS = ("identity", "quadratic", "linear", "ordinal")


def _is_number(v) -> bool:
    return isinstance(v, (int, float, Fraction))


def resolve_categories(categories: Sequence[Value] | None, observed: Iterable[Value]) -> list[Value]:
    """The category list irrCAC would use: ``categories`` (numeric ones sorted) or the sorted observed values."""
    observed = set(observed)
    if categories is None:
        try:
            cats = sorted(observed)
        except TypeError:
            cats = sorted(observed, key=repr)
    else:
        cats = list(categories)
        if len(set(cats)) != len(cats):
            raise ValueError("categories must be distinct")
        if all(_is_number(c) for c in cats):
            cats = sorted(cats)
        unknown = observed - set(cats)
        if unknown:
            raise ValueError(f"values {sorted(unknown, key=repr)!r} are not among the categories")
    return cats


def weight_matrix(categories: Sequence[Value], weights: str = "identity") -> list[list[Fraction]]:
    """irrCAC's weight matrix for ``categories`` (in the order given), as exact fractions."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}")
    q = len(categories)
    if all(_is_number(c) for c in categories):
        x = [Fraction(c) for c in categories]
    else:
        x = [Fraction(i + 1) for i in range(q)]
    if weights == "identity" or q < 2:
        return [[Fraction(int(i == j)) for j in range(q)] for i in range(q)]
    span = max(x) - min(x)
    if weights == "quadratic":
        return [[1 - ((x[i] - x[j]) / span) ** 2 for j in range(q)] for i in range(q)]
    if weights == "linear":
        return [[1 - abs(x[i] - x[j]) / span for j in range(q)] for i in range(q)]
    # ordinal: on positions, not values
    raw = [[Fraction((abs(i - j) + 1) * abs(i - j), 2) for j in range(q)] for i in range(q)]
    top = max(max(row) for row in raw)
    return [[1 - raw[i][j] / top for j in range(q)] for i in range(q)]


def gwet_from_summary(
    summary: AgreementSummary, *, categories: Sequence[Value] | None = None, weights: str = "identity"
) -> Stat:
    """AC1 (``weights="identity"``) or AC2 from an :class:`AgreementSummary`.

    Details: ``pa`` (weighted observed agreement), ``pe`` (chance agreement), ``name`` ("AC1"/"AC2").
    """
    cats = resolve_categories(categories, summary.observed_values())
    name = "AC1" if weights == "identity" else "AC2"
    n_units, n_pairable = summary.n_units, summary.n_pairable_units
    if n_pairable == 0:
        return undefined(NO_PAIRABLE_VALUES, n_units=n_units, n_values=summary.n_values, name=name)
    q = len(cats)
    if q < 2:
        return undefined(SINGLE_CATEGORY, n_units=n_units, n_values=summary.n_values, name=name)
    w = weight_matrix(cats, weights)
    index = {c: i for i, c in enumerate(cats)}

    pa_sum = Fraction(0)
    for m, prs in summary.pairs.items():
        # sum_k n_k (sum_l w_kl n_l - 1) = sum_kl w_kl (n_k n_l - [k=l] n_k), as w_kk = 1
        pa_sum += sum((w[index[c]][index[k]] * n for (c, k), n in prs.items()), Fraction(0)) / (m * (m - 1))
    pa = pa_sum / n_pairable

    pi = [Fraction(0)] * q
    for m, vals in summary.values.items():
        for c, n in vals.items():
            pi[index[c]] += Fraction(n, m)
    pi = [p / n_units for p in pi]
    w_sum = sum((sum(row) for row in w), Fraction(0))
    pe = w_sum * sum(p * (1 - p) for p in pi) / (q * (q - 1))
    if pe == 1:
        return undefined(FULL_CHANCE_AGREEMENT, n_units=n_units, n_values=summary.n_values, name=name)
    value = (pa - pe) / (1 - pe)
    return defined(value, n_units=n_units, n_values=summary.n_values, pa=float(pa), pe=float(pe), name=name)


def gwet_ac(units: Iterable, *, categories: Sequence[Value] | None = None, weights: str = "identity") -> Stat:
    """AC1/AC2 from units, each ``{rater: value}`` or an iterable of values (``None``/NaN missing)."""
    return gwet_from_summary(AgreementSummary.from_units(units), categories=categories, weights=weights)


def ac1(units: Iterable, *, categories: Sequence[Value] | None = None) -> Stat:
    """Gwet's AC1 (identity weights); for nominal data such as binary choices, flags, step ratings."""
    return gwet_ac(units, categories=categories, weights="identity")


def ac2(units: Iterable, *, categories: Sequence[Value] | None = None, weights: str = "quadratic") -> Stat:
    """Gwet's AC2 with ``weights`` (default quadratic, the headline for preference strength and rubric scores)."""
    return gwet_ac(units, categories=categories, weights=weights)
