"""Kendall tau-b for two rankings with ties, mean pairwise tau-b, and Kendall's W with ties correction.

A *ranking* gives each response a rank (1 = best, equal numbers are ties; any numbers where lower
is better do, only their order matters). It is a sequence (position ``i`` = canonical response ``i``)
or a mapping ``{response: rank}``; ``None``/NaN means "not ranked".

tau-b (= ``scipy.stats.kendalltau(x, y, variant="b")``): ``(P - Q) / sqrt((n0 - n1) (n0 - n2))`` over
the ``n0`` pairs of objects ranked by both, ``n1``/``n2`` pairs tied in x / in y. Not defined with
fewer than two shared objects (``TOO_FEW_OBJECTS``) or when a ranking ties every object
(``CONSTANT_RANKING``; scipy gives NaN).

Kendall's W for ``m`` rankings of the same ``n`` objects, on mid-ranks, with the ties correction
(Kendall & Babington Smith 1939; Siegel & Castellan 1988, eq. 9.16):
``W = 12 S / (m^2 (n^3 - n) - m sum_j T_j)``, ``S = sum_i (R_i - m (n + 1) / 2) ** 2``,
``T_j = sum over tie groups of rater j of (t^3 - t)``. Its chance baseline (expected W for random
rankings) is ``1 / m``, reported as ``details["chance"]`` (0.33 for three raters). scipy has no W.
Not defined: fewer than two rankings (``TOO_FEW_RANKINGS``), fewer than two objects
(``TOO_FEW_OBJECTS``), every ranking ties everything (``CONSTANT_RANKING``).
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from itertools import combinations

from .coincidence import is_missing
from .result import (
    CONSTANT_RANKING,
    NO_DEFINED_ITEMS,
    NO_DEFINED_PAIRS,
    TOO_FEW_OBJECTS,
    TOO_FEW_RANKINGS,
    Stat,
    defined,
    undefined,
)

Ranking = Sequence | Mapping[Hashable, object]


def _as_mapping(r: Ranking) -> dict:
    items = r.items() if isinstance(r, Mapping) else enumerate(r)
    return {k: v for k, v in items if not is_missing(v)}


def _sign(a, b) -> int:
    return (a > b) - (a < b)


def tau_b(x: Ranking, y: Ranking) -> Stat:
    """Kendall's tau-b of two rankings over the objects both ranked. Details: concordant, discordant."""
    mx, my = _as_mapping(x), _as_mapping(y)
    keys = [k for k in mx if k in my]
    n = len(keys)
    if n < 2:
        return undefined(TOO_FEW_OBJECTS, n_units=n)
    s = tx = ty = 0
    concordant = discordant = 0
    for a, b in combinations(keys, 2):
        sx, sy = _sign(mx[a], mx[b]), _sign(my[a], my[b])
        if sx == 0:
            tx += 1
        if sy == 0:
            ty += 1
        prod = sx * sy
        concordant += prod > 0
        discordant += prod < 0
        s += prod
    n0 = n * (n - 1) // 2
    denom = (n0 - tx) * (n0 - ty)
    if denom == 0:
        return undefined(CONSTANT_RANKING, n_units=n)
    return defined(s / math.sqrt(denom), n_units=n, concordant=concordant, discordant=discordant)


def _rankings_list(rankings: Iterable[Ranking] | Mapping[Hashable, Ranking]) -> list:
    return list(rankings.values()) if isinstance(rankings, Mapping) else list(rankings)


def _pairwise(rankings: list) -> tuple[list[float], int]:
    taus, undefined_pairs = [], 0
    for a, b in combinations(rankings, 2):
        t = tau_b(a, b)
        if t.defined:
            taus.append(t.value)
        else:
            undefined_pairs += 1
    return taus, undefined_pairs


def mean_pairwise_tau_b(rankings: Iterable[Ranking] | Mapping[Hashable, Ranking]) -> Stat:
    """Mean tau-b over all pairs of rankings of one item (a list, or ``{rater: ranking}``).

    Pairs whose tau-b is undefined are left out and counted in ``details["undefined_pairs"]``.
    """
    rs = _rankings_list(rankings)
    if len(rs) < 2:
        return undefined(TOO_FEW_RANKINGS, n_units=1)
    taus, skipped = _pairwise(rs)
    if not taus:
        return undefined(NO_DEFINED_PAIRS, n_units=1, undefined_pairs=skipped)
    return defined(math.fsum(taus) / len(taus), n_units=1, pairs=len(taus), undefined_pairs=skipped)


def mean_pairwise_tau_b_over_items(items: Iterable[Iterable[Ranking] | Mapping[Hashable, Ranking]]) -> Stat:
    """Mean tau-b over every pair of rankings of the same item, pooled over items (each pair weighs one)."""
    taus: list[float] = []
    skipped = n_items = 0
    for rankings in items:
        rs = _rankings_list(rankings)
        if len(rs) < 2:
            continue
        n_items += 1
        t, s = _pairwise(rs)
        taus += t
        skipped += s
    if not n_items:
        return undefined(TOO_FEW_RANKINGS, n_units=0)
    if not taus:
        return undefined(NO_DEFINED_PAIRS, n_units=n_items, undefined_pairs=skipped)
    return defined(math.fsum(taus) / len(taus), n_units=n_items, pairs=len(taus), undefined_pairs=skipped)


def mid_ranks(values: Sequence) -> list[Fraction]:
    """Ranks 1..n in ascending order of ``values``, ties given the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks: list[Fraction] = [Fraction(0)] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean = Fraction(i + j + 2, 2)
        for t in range(i, j + 1):
            ranks[order[t]] = mean
        i = j + 1
    return ranks


def _tie_term(values: Sequence) -> int:
    counts: dict = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return sum(t**3 - t for t in counts.values())


def kendall_w(rankings: Iterable[Ranking] | Mapping[Hashable, Ranking], *, ties_correction: bool = True) -> Stat:
    """Kendall's W of ``m`` complete rankings of the same ``n`` objects (a list, or ``{rater: ranking}``).

    Mapping rankings must rank the same keys; sequence rankings must have the same length; a missing
    rank raises ``ValueError`` (W needs complete rankings). Details: ``chance`` (= 1/m), ``m``, ``n``.
    """
    rs = [_as_mapping(r) for r in _rankings_list(rankings)]
    originals = _rankings_list(rankings)
    for r, orig in zip(rs, originals):
        if len(r) != len(orig):
            raise ValueError("Kendall's W needs complete rankings (a rank is missing)")
    m = len(rs)
    if m < 2:
        return undefined(TOO_FEW_RANKINGS, n_units=1, m=m)
    keys = list(rs[0])
    if any(set(r) != set(keys) for r in rs):
        raise ValueError("all rankings must rank the same objects")
    n = len(keys)
    chance = 1 / m
    if n < 2:
        return undefined(TOO_FEW_OBJECTS, n_units=1, m=m, n=n, chance=chance)
    sums = [Fraction(0)] * n
    ties = 0
    for r in rs:
        values = [r[k] for k in keys]
        for i, rank in enumerate(mid_ranks(values)):
            sums[i] += rank
        if ties_correction:
            ties += _tie_term(values)
    mean = Fraction(m * (n + 1), 2)
    s = sum(((x - mean) ** 2 for x in sums), Fraction(0))
    denom = m * m * (n**3 - n) - m * ties
    if denom == 0:
        return undefined(CONSTANT_RANKING, n_units=1, m=m, n=n, chance=chance)
    return defined(Fraction(12) * s / denom, n_units=1, m=m, n=n, chance=chance)


def mean_kendall_w(items: Iterable[Iterable[Ranking] | Mapping[Hashable, Ranking]]) -> Stat:
    """Mean W over items with a defined W; ``details["chance"]`` is the mean of their ``1/m``."""
    ws, chances = [], []
    skipped = 0
    for rankings in items:
        w = kendall_w(rankings)
        if w.defined:
            ws.append(w.value)
            chances.append(w.details["chance"])
        else:
            skipped += 1
    if not ws:
        return undefined(NO_DEFINED_ITEMS, n_units=0, undefined_items=skipped)
    return defined(
        math.fsum(ws) / len(ws), n_units=len(ws), chance=math.fsum(chances) / len(chances), undefined_items=skipped
    )
