"""Held-out metrics over plain numbers. No torch, no Django.

Outcome (``evaluate_outcome``), each pair scored by the (ensemble mean) rewards r_c, r_r:
- pairwise_accuracy: share of held-out pairs with r_c > r_r strictly; a model tie (r_c == r_r)
  counts as wrong, as RewardBench does. Pairs the humans called a tie (target 0.5) have no side
  and are left out of every accuracy (counted in "n_ties").
- accuracy_by_source / accuracy_by_dimension: the same per ``meta["source"]`` / ``meta["dimension"]``.
- ece / reliability: calibration of P(chosen better) = sigmoid(r_c - r_r). Each pair's confidence
  max(p, 1 - p) falls in one of ``bins`` equal bins over [0.5, 1]; a bin's accuracy is the share
  of its pairs whose predicted side is the human one; ECE = sum over bins of count/N * |accuracy -
  mean confidence|. Bins: {"lo", "hi", "count", "mean_pred", "accuracy"} (empty bins: None).
- model_vs_annotator {a: share of a's votes the model agrees with} beside annotator_vs_others
  {a: share of a's votes that match the majority of the other annotators on that pair}, from
  ``meta["annotators"] = {annotator: +1 chose chosen / -1 chose rejected / 0 tie}``. A vote of 0
  has no side and is left out; pairs where the others split evenly are left out of the second.
  Counts are in annotator_n / annotator_vs_others_n.

Process (``evaluate_process``): step_accuracy over rated steps (P >= 0.5 predicts correct), and
first_error_accuracy: share of solutions whose predicted first wrong step (first P < 0.5, or none)
equals the human one (first step rated wrong, or none).
"""
from __future__ import annotations

import math
from collections import defaultdict

__all__ = ["evaluate_outcome", "evaluate_process", "expected_calibration_error", "map_step_label"]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _ratio(hits: int, n: int) -> float | None:
    return hits / n if n else None


def expected_calibration_error(
    confidences: list[float], correct: list[bool], bins: int = 5
) -> tuple[float | None, list[dict]]:
    """ECE and reliability table over confidences in [0.5, 1] (see module doc)."""
    table = []
    width = 0.5 / bins
    members: list[list[int]] = [[] for _ in range(bins)]
    for i, c in enumerate(confidences):
        b = min(int((c - 0.5) / width), bins - 1)
        members[max(b, 0)].append(i)
    n = len(confidences)
    ece = 0.0
    for b in range(bins):
        idx = members[b]
        lo, hi = 0.5 + b * width, 0.5 + (b + 1) * width
        if idx:
            mean_pred = sum(confidences[i] for i in idx) / len(idx)
            acc = sum(1 for i in idx if correct[i]) / len(idx)
            ece += len(idx) / n * abs(acc - mean_pred)
        else:
            mean_pred = acc = None
        table.append({"lo": round(lo, 6), "hi": round(hi, 6), "count": len(idx),
                      "mean_pred": mean_pred, "accuracy": acc})
    return (ece if n else None), table


def evaluate_outcome(pairs: list, chosen_rewards: list[float], rejected_rewards: list[float], *, bins: int = 5) -> dict:
    if not (len(pairs) == len(chosen_rewards) == len(rejected_rewards)):
        raise ValueError("one reward per pair and side")
    hits = n = ties = 0
    confidences: list[float] = []
    correct_list: list[bool] = []
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_dim: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    model_vs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ann_vs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair, rc, rr in zip(pairs, chosen_rewards, rejected_rewards):
        if abs(pair.target - 0.5) < 1e-9:
            ties += 1
            continue
        d = float(rc) - float(rr)
        correct = d > 0
        n += 1
        hits += correct
        p = _sigmoid(d)
        confidences.append(max(p, 1.0 - p))
        correct_list.append(correct)
        meta = pair.meta or {}
        for key, table in (("source", by_source), ("dimension", by_dim)):
            if meta.get(key) not in (None, ""):
                table[str(meta[key])][0] += correct
                table[str(meta[key])][1] += 1
        votes = {str(a): int(v) for a, v in (meta.get("annotators") or {}).items()}
        model_side = 1 if d > 0 else (-1 if d < 0 else 0)
        for a, v in votes.items():
            if v == 0:
                continue
            model_vs[a][0] += model_side == v
            model_vs[a][1] += 1
            others = sum(1 if w > 0 else -1 for b, w in votes.items() if b != a and w != 0)
            if others != 0:
                ann_vs[a][0] += (others > 0) == (v > 0)
                ann_vs[a][1] += 1
    ece, reliability = expected_calibration_error(confidences, correct_list, bins)
    return {
        "pairwise_accuracy": _ratio(hits, n),
        "n_heldout": len(pairs),
        "n_scored": n,
        "n_ties": ties,
        "ece": ece,
        "reliability": reliability,
        "accuracy_by_source": {k: _ratio(*v) for k, v in sorted(by_source.items())},
        "accuracy_by_dimension": {k: _ratio(*v) for k, v in sorted(by_dim.items())},
        "model_vs_annotator": {k: _ratio(*v) for k, v in sorted(model_vs.items())},
        "annotator_vs_others": {k: _ratio(*v) for k, v in sorted(ann_vs.items())},
        "annotator_n": {k: v[1] for k, v in sorted(model_vs.items())},
        "annotator_vs_others_n": {k: v[1] for k, v in sorted(ann_vs.items())},
    }


def map_step_label(label: int | None, neutral_as: bool) -> int | None:
    """+1 -> 1 (correct), -1 -> 0 (wrong), 0 -> 1 or 0 per ``neutral_as``, None -> None (unrated)."""
    if label is None:
        return None
    if label > 0:
        return 1
    if label < 0:
        return 0
    return 1 if neutral_as else 0


def evaluate_process(examples: list, step_probs: list[list[float]], *, neutral_as: bool = True) -> dict:
    if len(examples) != len(step_probs):
        raise ValueError("one probability list per example")
    step_hits = step_n = first_hits = first_n = 0
    for ex, probs in zip(examples, step_probs):
        mapped = [map_step_label(l, neutral_as) for l in ex.labels]
        rated = [(i, y) for i, y in enumerate(mapped) if y is not None]
        if not rated:
            continue
        for i, y in rated:
            step_n += 1
            step_hits += (probs[i] >= 0.5) == (y == 1)
        truth = next((i for i, y in rated if y == 0), None)
        predicted = next((i for i, p in enumerate(probs) if p < 0.5), None)
        first_n += 1
        first_hits += truth == predicted
    return {
        "step_accuracy": _ratio(step_hits, step_n),
        "first_error_accuracy": _ratio(first_hits, first_n),
        "n_heldout": len(examples),
        "n_steps": step_n,
    }
