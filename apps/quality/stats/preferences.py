"""Preference values and rankings turned into the units the coefficients take.

Canonical preference (the Label's ``preference``): -2..2 in the item's canonical order, positive
meaning the first canonical response (A) is better, 0 a tie. Its *direction* is what a reward model
learns from: ``"A"``, ``"tie"`` or ``"B"``.

Rankings (the Label's ``ranks``): the rank of each canonical response, 1 = best, equal numbers are
ties. A ranking of K responses implies K (K - 1) / 2 pairwise preferences; alpha on the implied pairs
treats each (item, i, j) as one unit whose values are the raters' directions for i vs j.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations

from .coincidence import is_missing

A = "A"
TIE = "tie"
B = "B"
DIRECTIONS = (B, TIE, A)  # in order: an ordinal order too (B better < tie < A better)
PREFERENCE_SCALE = (-2, -1, 0, 1, 2)


def direction(preference) -> str | None:
    """``"A"`` for a positive preference, ``"tie"`` for 0, ``"B"`` for negative; ``None`` for no value."""
    if is_missing(preference):
        return None
    if preference > 0:
        return A
    if preference < 0:
        return B
    return TIE


def direction_units(units: Iterable[Mapping[Hashable, object]]) -> list[dict[Hashable, str]]:
    """Units ``{rater: preference}`` → ``{rater: direction}`` (missing values dropped)."""
    out = []
    for unit in units:
        out.append({r: direction(v) for r, v in unit.items() if not is_missing(v)})
    return out


def direction_counts(counts: Mapping[int, int]) -> dict[str, int]:
    """Value counts ``{preference: n}`` of one unit → ``{direction: n}`` (for summaries kept by direction)."""
    out: dict[str, int] = {}
    for v, n in counts.items():
        d = direction(v)
        if d is not None and n:
            out[d] = out.get(d, 0) + n
    return out


def pair_direction(rank_i, rank_j) -> str | None:
    """Direction for canonical response i (as A) vs j (as B): ``"A"`` if i ranks better (lower)."""
    if is_missing(rank_i) or is_missing(rank_j):
        return None
    if rank_i < rank_j:
        return A
    if rank_i > rank_j:
        return B
    return TIE


def implied_pairs(ranks: Sequence) -> dict[tuple[int, int], str]:
    """``{(i, j): direction}`` for every pair ``i < j`` of canonical positions both ranked."""
    out = {}
    for i, j in combinations(range(len(ranks)), 2):
        d = pair_direction(ranks[i], ranks[j])
        if d is not None:
            out[(i, j)] = d
    return out


def implied_pair_units(items: Iterable[Mapping[Hashable, Sequence]]) -> list[dict[Hashable, str]]:
    """Items ``{rater: ranks}`` → one unit ``{rater: direction}`` per (item, i, j) pair, items in order,
    pairs in ``(i, j)`` order; use with nominal (or ordinal over ``DIRECTIONS``) alpha."""
    out: list[dict[Hashable, str]] = []
    for item in items:
        per_rater = {r: implied_pairs(ranks) for r, ranks in item.items() if ranks is not None}
        keys = sorted({key for pairs in per_rater.values() for key in pairs})
        for key in keys:
            out.append({r: pairs[key] for r, pairs in per_rater.items() if key in pairs})
    return out
