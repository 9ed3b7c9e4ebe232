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


def verdict(votes: Iterable[int]) -> Verdict:
    votes = list(votes)
    first = sum(1 for v in votes if v > 0)
    second = sum(1 for v in votes if v < 0)
    ties = len(votes) - first - second
    winner = None
    if first > second and first > ties:
        winner = FIRST
    elif second > first and second > ties:
        winner = SECOND
    margin = None
    if winner is not None:
        toward = 1 if winner == FIRST else -1
        margin = round(toward * sum(votes) / len(votes), 4)
    return Verdict(winner, first, second, ties, margin)
