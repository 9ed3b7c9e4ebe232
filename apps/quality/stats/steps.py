"""Step labels: per-chain figures and the units that step-level coefficients take.

A *chain* is one response's steps labelled by several annotators: a mapping ``{rater: ratings}`` where
``ratings`` has one entry per step, ``1`` (good), ``0`` (neutral), ``-1`` (wrong) or ``None`` (not
rated). Annotators usually stop at the first wrong step, so the steps after it are ``None``; per-step
agreement then covers the steps both rated, and the per-chain figures (first wrong step, has an
error) say whether annotators found the same first error.

``first_wrong_step`` is a 0-based step index, or ``NO_ERROR`` when the annotator marked no step wrong.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from .coincidence import is_missing
from .result import NO_PAIRABLE_VALUES, Stat, defined, undefined

WRONG = -1
NO_ERROR = "none"
WRONG_LABEL = "wrong"
NOT_WRONG_LABEL = "not wrong"

Chain = Mapping[Hashable, Sequence]


def first_wrong_step(ratings: Sequence, wrong=WRONG):
    """0-based index of the first step rated ``wrong``, or ``NO_ERROR``."""
    for i, r in enumerate(ratings):
        if not is_missing(r) and r == wrong:
            return i
    return NO_ERROR


def has_error(ratings: Sequence, wrong=WRONG) -> bool:
    return first_wrong_step(ratings, wrong) != NO_ERROR


def _rated(chain: Chain) -> dict:
    return {r: ratings for r, ratings in chain.items() if ratings is not None}


def step_units(chains: Iterable[Chain]) -> list[dict[Hashable, object]]:
    """One unit ``{rater: rating}`` per (chain, step), chains in order and steps in order; a rater whose
    rating of the step is ``None`` is left out of that unit. Use with nominal alpha and AC1."""
    out: list[dict[Hashable, object]] = []
    for chain in chains:
        rated = _rated(chain)
        length = max((len(r) for r in rated.values()), default=0)
        for i in range(length):
            out.append(
                {r: ratings[i] for r, ratings in rated.items() if i < len(ratings) and not is_missing(ratings[i])}
            )
    return out


def wrong_vs_not(rating, wrong=WRONG) -> str | None:
    if is_missing(rating):
        return None
    return WRONG_LABEL if rating == wrong else NOT_WRONG_LABEL


def wrong_vs_not_units(units: Iterable[Mapping[Hashable, object]], wrong=WRONG) -> list[dict[Hashable, str]]:
    """Per-step units ``{rater: rating}`` → ``{rater: "wrong" | "not wrong"}``."""
    return [{r: wrong_vs_not(v, wrong) for r, v in u.items() if not is_missing(v)} for u in units]


def first_error_units(chains: Iterable[Chain], wrong=WRONG) -> list[dict[Hashable, object]]:
    """One unit per chain: ``{rater: first wrong step index or NO_ERROR}`` (for nominal alpha)."""
    return [{r: first_wrong_step(ratings, wrong) for r, ratings in _rated(c).items()} for c in chains]


def has_error_units(chains: Iterable[Chain], wrong=WRONG) -> list[dict[Hashable, bool]]:
    """One unit per chain: ``{rater: has an error}`` (for nominal alpha)."""
    return [{r: has_error(ratings, wrong) for r, ratings in _rated(c).items()} for c in chains]


def _pair_agrees(a, b, tolerance: int) -> bool:
    if a == NO_ERROR or b == NO_ERROR:
        return a == b
    return abs(a - b) <= tolerance


@dataclass(frozen=True)
class ChainFigures:
    """One chain: each rater's first wrong step and has-an-error; the share of rater pairs agreeing on the
    first wrong step exactly and within one step (``None`` with fewer than two raters)."""

    first_wrong: dict
    has_error: dict
    pairs: int
    exact: float | None
    within_one: float | None
    all_agree_has_error: bool | None


def chain_figures(chain: Chain, *, tolerance: int = 1, wrong=WRONG) -> ChainFigures:
    """Figures of one chain ``{rater: ratings}``. "Within one" counts a pair as agreeing when both found
    no error, or both found one and their first wrong steps are at most ``tolerance`` apart."""
    firsts = {r: first_wrong_step(x, wrong) for r, x in _rated(chain).items()}
    errs = {r: f != NO_ERROR for r, f in firsts.items()}
    pairs = list(combinations(firsts.values(), 2))
    if not pairs:
        return ChainFigures(firsts, errs, 0, None, None, None)
    exact = sum(_pair_agrees(a, b, 0) for a, b in pairs) / len(pairs)
    within = sum(_pair_agrees(a, b, tolerance) for a, b in pairs) / len(pairs)
    return ChainFigures(firsts, errs, len(pairs), exact, within, len(set(errs.values())) == 1)


def first_error_agreement(chains: Iterable[Chain], *, tolerance: int = 1, wrong=WRONG) -> dict[str, Stat]:
    """Exact and within-``tolerance`` agreement on the first wrong step, pooled over all rater pairs of
    all chains (each pair weighs one): ``{"exact": Stat, "within_one": Stat}``. Not defined when no
    chain has two raters (``NO_PAIRABLE_VALUES``)."""
    exact = within = pairs = chains_used = 0
    for chain in chains:
        firsts = [first_wrong_step(x, wrong) for x in _rated(chain).values()]
        ps = list(combinations(firsts, 2))
        if not ps:
            continue
        chains_used += 1
        pairs += len(ps)
        exact += sum(_pair_agrees(a, b, 0) for a, b in ps)
        within += sum(_pair_agrees(a, b, tolerance) for a, b in ps)
    if not pairs:
        none = undefined(NO_PAIRABLE_VALUES, n_units=0)
        return {"exact": none, "within_one": none}
    return {
        "exact": defined(exact / pairs, n_units=chains_used, pairs=pairs),
        "within_one": defined(within / pairs, n_units=chains_used, pairs=pairs, tolerance=tolerance),
    }
