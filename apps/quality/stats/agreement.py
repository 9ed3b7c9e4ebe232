"""Percent agreement and tie rate.

Percent agreement is the mean, over items with two or more values, of the share of ordered pairs of
values from two different raters that are equal: ``sum_c n_c (n_c - 1) / (m (m - 1))`` per item. It is
Gwet's / Fleiss' observed agreement ``pa`` with identity weights (irrCAC's ``pa``). Not defined when no
item has two values (``NO_PAIRABLE_VALUES``).

Tie rate is the share of values equal to the tie value (0 on the canonical preference scale -2..2).
Not defined without values (``NO_VALUES``).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from fractions import Fraction

from .coincidence import AgreementSummary, Value, unit_values
from .result import NO_PAIRABLE_VALUES, NO_VALUES, Stat, defined, undefined


def percent_agreement_from_summary(summary: AgreementSummary) -> Stat:
    """Percent agreement (0..1) from an :class:`AgreementSummary`."""
    n_pairable = summary.n_pairable_units
    if not n_pairable:
        return undefined(NO_PAIRABLE_VALUES, n_units=0, n_values=0)
    total = Fraction(0)
    for m, prs in summary.pairs.items():
        total += Fraction(sum(n for (c, k), n in prs.items() if c == k), m * (m - 1))
    return defined(total / n_pairable, n_units=n_pairable, n_values=summary.n_pairable_values)


def percent_agreement(units: Iterable) -> Stat:
    """Percent agreement of units, each ``{rater: value}`` or an iterable of values (``None``/NaN missing)."""
    return percent_agreement_from_summary(AgreementSummary.from_units(units))


def tie_rate_from_summary(summary: AgreementSummary, tie: Value = 0) -> Stat:
    """Share of all values (single-value items included) that are ``tie``."""
    n = summary.n_values
    if not n:
        return undefined(NO_VALUES, n_units=0, n_values=0)
    ties = summary.value_totals().get(tie, 0)
    return defined(Fraction(ties, n), n_units=summary.n_units, n_values=n, ties=ties)


def tie_rate(values: Iterable, tie: Hashable = 0) -> Stat:
    """Share of ``values`` (a flat iterable of values; ``None``/NaN skipped) equal to ``tie``."""
    vals = unit_values(values)
    if not vals:
        return undefined(NO_VALUES, n_values=0)
    ties = sum(1 for v in vals if v == tie)
    return defined(Fraction(ties, len(vals)), n_values=len(vals), ties=ties)
