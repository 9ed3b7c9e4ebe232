"""Krippendorff's alpha for nominal, ordinal, interval and ratio data.

``alpha = 1 - D_o / D_e = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck`` over the coincidence
matrix ``o`` (see :mod:`.coincidence`), its marginals ``n_c`` and the total ``n`` of pairable values.
Metrics ``d_ck`` (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):

- nominal:  0 if c == k else 1
- ordinal:  (sum of n_g for g from c to k  -  (n_c + n_k) / 2) ** 2, ranks from the marginal frequencies
- interval: (c - k) ** 2
- ratio:    ((c - k) / (c + k)) ** 2, taken as 0 where c + k == 0 (as the ``krippendorff`` package does;
            meant for non-negative values)

Values that no pairable value takes have ``n_c = 0`` and change nothing, so an unused category of the
scale never moves alpha. Computed exactly with fractions (numeric values are turned into
:class:`~fractions.Fraction`), returned as a float.

Not defined (``Stat.value is None``; ``Stat.reason`` says which):

- no item has two or more values (``NO_PAIRABLE_VALUES``) — ``krippendorff`` raises ValueError here;
- every pairable value is the same (``SINGLE_VALUE``) — ``krippendorff`` gives NaN (0/0) or raises;
- the metric expects no disagreement (``NO_EXPECTED_DISAGREEMENT``; only ratio with values ``v, -v``).

A single item with two different values is defined (alpha = 0 or below), as in the reference.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from .coincidence import AgreementSummary, Pair, Value, coincidence_marginals, reliability_data_to_units
from .result import NO_EXPECTED_DISAGREEMENT, NO_PAIRABLE_VALUES, SINGLE_VALUE, Stat, defined, undefined

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _number(v) -> Fraction:
    if isinstance(v, (int, float, Fraction)):
        return Fraction(v)
    try:
        return Fraction(v)  # Decimal, numeric strings
    except (TypeError, ValueError):
        raise ValueError(f"interval and ratio metrics need numeric values, got {v!r}") from None


def distance_matrix(
    values: Sequence[Value], level: str, marginals: Mapping[Value, object] | None = None
) -> dict[Pair, Fraction]:
    """``{(c, k): d_ck}`` for the values in ``values`` (ordered, for ordinal) under ``level``.

    ``marginals`` (``{value: n_c}``) are needed for the ordinal metric only.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    d: dict[Pair, Fraction] = {}
    if level == "nominal":
        for c in values:
            for k in values:
                d[(c, k)] = Fraction(0 if c == k else 1)
    elif level == "ordinal":
        if marginals is None:
            raise ValueError("the ordinal metric needs the marginal frequencies")
        n = [Fraction(marginals.get(v, 0)) for v in values]
        cum = [Fraction(0)]
        for x in n:
            cum.append(cum[-1] + x)
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                lo, hi = min(i, j), max(i, j)
                between = cum[hi + 1] - cum[lo]
                d[(c, k)] = (between - (n[i] + n[j]) / 2) ** 2
    else:
        nums = {v: _number(v) for v in values}
        for c in values:
            for k in values:
                diff = nums[c] - nums[k]
                if level == "interval":
                    d[(c, k)] = diff * diff
                else:
                    total = nums[c] + nums[k]
                    d[(c, k)] = (diff / total) ** 2 if total != 0 else Fraction(0)
    return d


def _ordered_values(present: Iterable[Value], level: str, order: Sequence[Value] | None) -> list[Value]:
    present = list(present)
    if order is not None:
        order = list(order)
        missing = [v for v in present if v not in order]
        if missing:
            raise ValueError(f"values {missing!r} are not in the given order")
        return order
    if level == "nominal":
        return present
    try:
        return sorted(present)
    except TypeError:
        raise ValueError(f"{level} alpha needs orderable values or an explicit order") from None


def alpha_from_coincidence(
    o: Mapping[Pair, object],
    level: str,
    *,
    order: Sequence[Value] | None = None,
    n_units: int | None = None,
) -> Stat:
    """Alpha from a coincidence matrix ``{(c, k): o_ck}`` (ints, Fractions or floats; symmetric).

    ``order``: the scale's values in order (ordinal; needed when values do not sort naturally, e.g.
    strings). Unused values in ``order`` change nothing. Returns :class:`Stat` with details
    ``observed_disagreement`` (D_o) and ``expected_disagreement`` (D_e).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    marg = {c: v for c, v in coincidence_marginals(o).items() if v}
    n = sum(marg.values())
    if not n:
        return undefined(NO_PAIRABLE_VALUES, n_units=n_units, n_values=0)
    n_values = int(n) if float(n).is_integer() else None
    if len(marg) < 2:
        return undefined(SINGLE_VALUE, n_units=n_units, n_values=n_values)
    values = _ordered_values(marg, level, order)
    d = distance_matrix(values, level, marg)
    observed = sum((v * d[key] for key, v in o.items() if v), Fraction(0))
    expected = sum(
        (Fraction(marg[c]) * Fraction(marg[k]) * d[(c, k)] for c in marg for k in marg if c != k), Fraction(0)
    )
    if expected == 0:
        return undefined(NO_EXPECTED_DISAGREEMENT, n_units=n_units, n_values=n_values)
    value = 1 - (n - 1) * observed / expected
    return defined(
        value,
        n_units=n_units,
        n_values=n_values,
        observed_disagreement=float(observed / n),
        expected_disagreement=float(expected / (n * (n - 1))),
    )


def alpha_from_summary(summary: AgreementSummary, level: str, *, order: Sequence[Value] | None = None) -> Stat:
    """Alpha from an :class:`AgreementSummary` (the live integer tallies)."""
    return alpha_from_coincidence(
        summary.coincidence_matrix(), level, order=order, n_units=summary.n_pairable_units
    )


def alpha_from_units(units: Iterable, level: str, *, order: Sequence[Value] | None = None) -> Stat:
    """Alpha from units, each ``{rater: value}`` or an iterable of values (``None``/NaN missing)."""
    return alpha_from_summary(AgreementSummary.from_units(units), level, order=order)


def alpha_from_value_counts(
    counts_list: Iterable[Mapping[Value, int]], level: str, *, order: Sequence[Value] | None = None
) -> Stat:
    """Alpha from per-unit value counts ``[{value: count}, ...]``."""
    return alpha_from_summary(AgreementSummary.from_value_counts(counts_list), level, order=order)


def alpha_from_reliability_data(
    data: Sequence[Sequence], level: str, *, order: Sequence[Value] | None = None
) -> Stat:
    """Alpha from a reliability data matrix: one row per rater, one column per unit, ``None``/NaN missing.

    The same layout as ``krippendorff.alpha(reliability_data=...)``.
    """
    return alpha_from_units(reliability_data_to_units(data), level, order=order)
