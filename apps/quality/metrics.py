"""What each label contributes to the statistics, in plain Python: the twin of the triggers' SQL.

``label_values`` gives a label's ``(metric, unit, value)`` triples exactly as the triggers extract them
(values as text, the way they are written into patterns); ``patterns_of`` turns the current labels of one
item into its units' patterns; ``parse_pattern`` reads a pattern back into value counts; ``summary_of`` builds
the :class:`~apps.quality.stats.coincidence.AgreementSummary` of a metric from its pattern counts, optionally
collapsing values (preference strength → direction, step rating → wrong / not wrong, first wrong step → has
an error), which is exact: merged categories' pair counts are sums of the originals'.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

from .live_sql import FLAG_KEYS, HEADLINE
from .stats.coincidence import AgreementSummary, pair_counts

LABELS = "labels"  # one value per current label: the pattern's size is the item's label count
ITEMS = "items"  # not a metric: one row per project, pattern "", units = the project's items (labelled or not)
PREFERENCE = "preference"
STEP = "step"
FIRST_WRONG = "first_wrong"
FINAL_ANSWER = "final_answer"
STEP_CATEGORY = "step_category"
RANK_PAIR = "rank_pair"
SCORE_PREFIX = "score:"
FLAG_PREFIX = "flag:"
NO_ERROR_CODE = -1  # first_wrong value when no step is marked wrong
RANK_PAIR_STRIDE = 16


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _text(v) -> str:
    return str(v)


def first_wrong(ratings) -> int:
    if not isinstance(ratings, list):
        return NO_ERROR_CODE
    for i, r in enumerate(ratings):
        if _is_number(r) and r == -1:
            return i
    return NO_ERROR_CODE


def label_values(label: Mapping) -> list[tuple[str, int, str]]:
    """``(metric, unit, value)`` of one label given as a mapping of Label field names to values."""
    out: list[tuple[str, int, str]] = [(LABELS, 0, "1")]
    pref = label.get("preference")
    if pref is not None:
        out.append((PREFERENCE, 0, _text(pref)))
    scores = label.get("scores")
    if isinstance(scores, dict):
        for key, values in scores.items():
            if isinstance(values, list):
                out += [(SCORE_PREFIX + key, pos, _text(v)) for pos, v in enumerate(values) if _is_number(v)]
    flags = label.get("flags")
    for key in FLAG_KEYS:
        out.append((FLAG_PREFIX + key, 0, "1" if isinstance(flags, list) and key in flags else "0"))
    ratings = label.get("step_ratings")
    if isinstance(ratings, list):
        out += [(STEP, i, _text(r)) for i, r in enumerate(ratings) if _is_number(r)]
        out.append((FIRST_WRONG, 0, _text(first_wrong(ratings))))
    final = label.get("final_answer_correct")
    if final is not None:
        out.append((FINAL_ANSWER, 0, "1" if final else "0"))
    notes = label.get("step_notes")
    if isinstance(notes, list):
        for i, note in enumerate(notes):
            category = note.get("category") if isinstance(note, dict) else None
            if isinstance(category, str) and category:
                out.append((STEP_CATEGORY, i, category.replace(",", " ").replace(":", " ")))
    ranks = label.get("ranks")
    if isinstance(ranks, list):
        for i, ri in enumerate(ranks):
            for j in range(i + 1, len(ranks)):
                rj = ranks[j]
                if _is_number(ri) and _is_number(rj):
                    out.append((RANK_PAIR, i * RANK_PAIR_STRIDE + j, _text((rj > ri) - (rj < ri))))
    return out


def unit_counts(labels: Iterable[Mapping]) -> dict[tuple[str, int], dict[str, int]]:
    """``{(metric, unit): {value: count}}`` over the current labels of one item."""
    out: dict[tuple[str, int], dict[str, int]] = {}
    for label in labels:
        for metric, unit, value in label_values(label):
            counts = out.setdefault((metric, unit), {})
            counts[value] = counts.get(value, 0) + 1
    return out


def parse_value(token: str):
    try:
        return int(token)
    except ValueError:
        try:
            return Fraction(token)
        except ValueError:
            return token


def parse_pattern(pattern: str) -> dict:
    """``"-1:2,1:1"`` → ``{-1: 2, 1: 1}`` (numeric values as ints, else as the text)."""
    out = {}
    for part in pattern.split(","):
        value, _, count = part.rpartition(":")
        out[parse_value(value)] = int(count)
    return out


def split_figures(counts_by_unit: Iterable[Mapping]) -> tuple[int, int, float]:
    """``(pairs, disagreeing pairs, distance)`` over the units of an item's headline metric."""
    pairs = disagreeing = 0
    distance = 0.0
    for counts in counts_by_unit:
        for (c, k), n in pair_counts(counts).items():
            pairs += n
            if c != k:
                disagreeing += n
                distance += n * abs(float(c) - float(k))
    return pairs, disagreeing, distance


def headline_metric(kind: str) -> str:
    return HEADLINE.get(kind, STEP)


def summary_of(
    patterns: Iterable[tuple[str, int]], collapse: Callable | None = None
) -> AgreementSummary:
    """The summary of one metric from ``(pattern, units)`` rows; ``collapse`` maps each value to another."""
    summary = AgreementSummary()
    for pattern, units in patterns:
        if units <= 0:
            continue
        counts = parse_pattern(pattern)
        if collapse is not None:
            merged: dict = {}
            for v, n in counts.items():
                key = collapse(v)
                merged[key] = merged.get(key, 0) + n
            counts = merged
        summary.add(counts, units)
    return summary


def direction_of(value) -> str:
    return "A" if value > 0 else "B" if value < 0 else "tie"


def wrong_or_not(value) -> str:
    return "wrong" if value == -1 else "not wrong"


def has_error(value) -> bool:
    return value != NO_ERROR_CODE


def gold_correct(kind: str, is_gold: bool, gold, label: Mapping) -> int | None:
    """1 / 0 when the label can be checked against the item's gold answer, else ``None`` (the SQL's twin)."""
    if not is_gold or not isinstance(gold, dict):
        return None
    if kind == "pair":
        g, p = gold.get("preference"), label.get("preference")
        if p is None or not _is_number(g):
            return None
        return int((p > 0) - (p < 0) == (g > 0) - (g < 0))
    if kind == "ranking":
        g, r = gold.get("ranks"), label.get("ranks")
        if not isinstance(g, list) or not isinstance(r, list):
            return None
        return int(g == r)
    if kind == "steps":
        g, r = gold.get("steps"), label.get("step_ratings")
        if not isinstance(g, list) or not isinstance(r, list):
            return None
        return int(first_wrong(g) == first_wrong(r))
    return None


def left_pick(label: Mapping) -> bool | None:
    """Whether a decisive preference picked the response shown first; ``None`` for ties or no order."""
    pref, order = label.get("preference"), label.get("shown_order")
    if pref is None or pref == 0 or not isinstance(order, list) or not order:
        return None
    return (pref > 0) == (order[0] == 0)
