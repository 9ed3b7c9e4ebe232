"""TRL preference rows from ranking items: every pair of an item's responses, by majority of ranks.

For each pair (i, j) of a ranking item's K responses (all K(K-1)/2 of them, in canonical order),
each current label votes +1 when it ranks i better (lower) than j, -1 when worse and 0 when it
ties them (an adjudicated item: its adjudicated ranks alone, so margin 1); the majority rule, tie
policy and margin are those of ``majority.py`` (so the margin
here is the share of votes for the chosen side minus the share against it). The rows have the
TRL preference shape of ``trl.py``, plain or conversational the same way.
"""
from collections.abc import Iterable, Iterator
from itertools import combinations

from apps.datasets.importers.pairing import preference_from_ranks
from apps.datasets.selectors import ExportItem

from .counts import ExportCounts
from .majority import FIRST, verdict
from .trl import preference_row


def ranking_pair_rows(items: Iterable[ExportItem], *, conversational: bool, margin: bool,
                      counts: ExportCounts) -> Iterator[dict]:
    for item in items:
        rankings = [label["ranks"] for label in item.labels if label["ranks"]]
        if item.adjudication and item.adjudication["ranks"]:
            rankings = [item.adjudication["ranks"]]  # the lead's ranking replaces the majority
        for i, j in combinations(range(len(item.responses)), 2):
            result = verdict(preference_from_ranks(ranks, i, j) for ranks in rankings)
            if result.winner is None:
                counts.no_majority += 1
                continue
            chosen, rejected = (i, j) if result.winner == FIRST else (j, i)
            yield preference_row(item.messages, item.responses[chosen].text, item.responses[rejected].text,
                                 conversational=conversational, margin=result.margin if margin else None)
