"""How a row with K responses becomes pairs in a pairwise project.

- K = 2: one pair.
- K = 3 or 4: every pair, K(K-1)/2 of them: (1,2), (1,3), (1,4), (2,3), (2,4), (3,4).
- K > 4: a cycle of K pairs: each response with the next one, and the last with the first
  ((1,2), (2,3), ..., (K-1,K), (1,K)), so every response is compared exactly twice while the
  number of pairs grows linearly rather than quadratically.

Each pair keeps the file order: the response that comes first in the file is the pair's first
(canonical) response. Labels or gold answers given as ``ranks`` on such a row become each pair's
preference: +1 when the pair's first response has the better (lower) rank, -1 when it has the
worse one, 0 when the ranks are equal (allowed only where the project's scale has a tie). A
label's rubric scores are per response, so each pair gets the scores of its own two responses, in
the pair's order; its rationale and flags go with each of its pairs. Pairs made from a row with
an ``id`` get the ids ``<id>#<i>-<j>`` (1-based response numbers). A pair of two identical
responses is skipped with a warning.
"""
from itertools import combinations

ALL_PAIRS_UP_TO = 4


def pair_indices(k: int) -> list[tuple[int, int]]:
    """0-based response index pairs for a row of ``k`` responses, by the rule above."""
    if k < 2:
        return []
    if k <= ALL_PAIRS_UP_TO:
        return list(combinations(range(k), 2))
    return [(i, i + 1) for i in range(k - 1)] + [(0, k - 1)]


def preference_from_ranks(ranks: list[int], first: int, second: int) -> int:
    """+1 if response ``first`` ranks better (lower) than ``second``, -1 if worse, 0 if tied."""
    return (ranks[first] < ranks[second]) - (ranks[first] > ranks[second])
