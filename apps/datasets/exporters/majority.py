"""The majority of a pair's current labels: which side wins, and by how much.

A vote is a signed strength in the pair's canonical order: positive means the first response is
better (a label's preference, -2..2; for a pair taken from a ranking, +1, -1 or 0 from the ranks).
Each label votes for the first response, for the second, or for a tie. The side with more votes
than each of the other two outcomes wins. Otherwise there is no majority: a tie vote is the most
common outcome, shares the top, or the two sides have as many votes (1 against 1, 2 against 2);
exports skip such a pair (the tie policy), as a preference pair cannot say "equal".

The margin is the mean vote signed toward the winning side, over all voting labels: dissenting
votes count against it and tie votes count 0. Labels {+2, +1, -1} choose the first response with
margin (2 + 1 - 1) / 3 = 0.667; a unanimous strong pair on the 5-point scale gets 2.0. It is
usually positive, but strong dissent can bring it to 0 or below ({+1, +1, +1, -2, -2}: 3 votes to
2, margin -0.2).

Dawid-Skene instead of the majority (the trl export's ``aggregate=dawid-skene``): the side is the item's
Dawid-Skene label (``quality.DawidSkeneLabel``: direction A / tie / B, estimated with each annotator's
confusion matrix by the heavy statistics task, so a reliable annotator can outweigh two careless ones). The
tie policy is the same: a Dawid-Skene "tie" is skipped like a pair without a majority. The margin is computed
as above toward that side, so it can be 0 or negative where Dawid-Skene overrules the votes. An item whose
current labels are no longer exactly those its Dawid-Skene label was computed from (labelled or edited since
the last run, or never computed) falls back to the majority, and the export counts it. An adjudicated label
wins over both.
"""
from collections.abc import Iterable
from dataclasses import dataclass

FIRST, SECOND = 0, 1


@dataclass(frozen=True)
class Verdict:
    winner: int | None  # FIRST, SECOND, or None when there is no majority
    first: int  # votes for the first response
    second: int  # votes for the second response
    ties: int  # tie votes
    margin: float | None  # mean vote toward the winner; None when there is no winner


def verdict(votes: Iterable[int], *, winner_from: str | None = None) -> Verdict:
    """The majority verdict of ``votes``; with ``winner_from`` (a Dawid-Skene direction ``"A"``, ``"tie"`` or
    ``"B"``) that side wins instead, and the vote counts and margin are still those of ``votes``."""
    votes = list(votes)
    first = sum(1 for v in votes if v > 0)
    second = sum(1 for v in votes if v < 0)
    ties = len(votes) - first - second
    winner = None
    if winner_from is not None:
        winner = {"A": FIRST, "B": SECOND}.get(winner_from)
    elif first > second and first > ties:
        winner = FIRST
    elif second > first and second > ties:
        winner = SECOND
    margin = None
    if winner is not None:
        toward = 1 if winner == FIRST else -1
        margin = round(toward * sum(votes) / len(votes), 4)
    return Verdict(winner, first, second, ties, margin)
