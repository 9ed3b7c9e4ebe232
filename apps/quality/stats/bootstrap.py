"""Bootstrap percentile intervals over items (units), seeded so that the same data give the same interval.

Each replicate draws as many units as there are, with replacement, and recomputes the coefficient;
replicates where the coefficient is undefined are left out and counted. The interval is the
``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of the defined replicates, with linear
interpolation between order statistics (numpy's default percentile method).

Two entry points:

- :func:`bootstrap_interval` — any coefficient: ``statistic(list_of_units)``;
- :func:`bootstrap_interval_from_counts` — coefficients of an :class:`AgreementSummary` (alpha, AC1/AC2,
  Fleiss, percent agreement): identical value-count patterns are grouped and each replicate draws how
  often each pattern occurs from a multinomial, which is the same resampling distribution and costs
  per distinct pattern, not per item (a few dozen patterns for 200,000 items).

Not defined (``Interval.low is None``): fewer than two units (``SINGLE_UNIT``), or fewer than
``min_defined_share`` of the replicates have a defined coefficient (``TOO_MANY_UNDEFINED_RESAMPLES``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .coincidence import AgreementSummary, Value, unit_contribution
from .result import SINGLE_UNIT, TOO_MANY_UNDEFINED_RESAMPLES, Stat


@dataclass(frozen=True)
class Interval:
    """A percentile interval, or ``low = high = None`` with the reason it is not defined."""

    low: float | None
    high: float | None
    reason: str | None
    confidence: float
    n_resamples: int
    n_defined: int
    seed: int

    @property
    def defined(self) -> bool:
        return self.low is not None

    def as_dict(self) -> dict:
        return {
            "low": self.low,
            "high": self.high,
            "reason": self.reason,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "n_defined": self.n_defined,
            "seed": self.seed,
        }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, linear interpolation (= ``numpy.percentile(..., 100 q)``)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 <= q <= 1:
        raise ValueError("q must be within 0..1")
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def _value(result: Stat | float | None) -> float | None:
    if isinstance(result, Stat):
        return result.value
    if result is None:
        return None
    value = float(result)
    return None if math.isnan(value) else value


def _finish(values: list[float], *, n_resamples: int, confidence: float, seed: int, min_defined_share: float):
    n_defined = len(values)
    if n_defined == 0 or n_defined < min_defined_share * n_resamples:
        return Interval(None, None, TOO_MANY_UNDEFINED_RESAMPLES, confidence, n_resamples, n_defined, seed)
    values.sort()
    tail = (1 - confidence) / 2
    return Interval(
        percentile(values, tail), percentile(values, 1 - tail), None, confidence, n_resamples, n_defined, seed
    )


def _check(confidence: float, n_resamples: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError("confidence must be within (0, 1)")
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")


def bootstrap_interval(
    units: Sequence,
    statistic: Callable[[list], Stat | float | None],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_defined_share: float = 0.9,
) -> Interval:
    """Percentile interval of ``statistic`` over ``n_resamples`` resamples of ``units`` (any objects).

    ``statistic`` takes a list of units and returns a :class:`Stat`, a float, or ``None``/NaN (undefined).
    """
    _check(confidence, n_resamples)
    units = list(units)
    n = len(units)
    if n < 2:
        return Interval(None, None, SINGLE_UNIT, confidence, n_resamples, 0, seed)
    rng = np.random.default_rng(seed)
    values: list[float] = []
    for _ in range(n_resamples):
        idx = rng.integers(0, n, size=n)
        v = _value(statistic([units[i] for i in idx]))
        if v is not None:
            values.append(v)
    return _finish(
        values, n_resamples=n_resamples, confidence=confidence, seed=seed, min_defined_share=min_defined_share
    )


def _freeze(counts: Mapping[Value, int]) -> frozenset:
    return frozenset((v, n) for v, n in counts.items() if n)


def bootstrap_interval_from_counts(
    counts_list: Sequence[Mapping[Value, int]],
    statistic: Callable[[AgreementSummary], Stat | float | None],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_defined_share: float = 0.9,
) -> Interval:
    """Percentile interval of a summary coefficient over resamples of units given as value counts.

    ``counts_list``: ``[{value: count}, ...]``, one per unit (units with no value are dropped first, as
    they add nothing to any summary). ``statistic`` takes an :class:`AgreementSummary`, e.g.
    ``lambda s: alpha_from_summary(s, "ordinal")``.
    """
    _check(confidence, n_resamples)
    patterns: dict[frozenset, int] = {}
    for counts in counts_list:
        key = _freeze(counts)
        if key:
            patterns[key] = patterns.get(key, 0) + 1
    n = sum(patterns.values())
    if n < 2:
        return Interval(None, None, SINGLE_UNIT, confidence, n_resamples, 0, seed)
    keys = sorted(patterns, key=lambda k: repr(sorted(k, key=repr)))  # independent of the input order
    contributions = [unit_contribution(dict(k)) for k in keys]
    probs = np.array([patterns[k] for k in keys], dtype=float) / n
    rng = np.random.default_rng(seed)
    values: list[float] = []
    for _ in range(n_resamples):
        draws = rng.multinomial(n, probs)
        summary = AgreementSummary()
        for contribution, times in zip(contributions, draws):
            if times:
                summary.add_contribution(contribution, int(times))
        v = _value(statistic(summary))
        if v is not None:
            values.append(v)
    return _finish(
        values, n_resamples=n_resamples, confidence=confidence, seed=seed, min_defined_share=min_defined_share
    )
