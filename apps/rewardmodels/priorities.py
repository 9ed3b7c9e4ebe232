"""How the active model steers the labelling queue, and what it says about the humans (plain data in, plain data out).

Unfinished items (fewer current labels than their overlap) get ``priority = doubt``:
- pairs: ``closeness + spread``; closeness = 1 − |2σ(r₁ − r₂) − 1| (1 when the two rewards are
  equal, → 0 as they move apart), spread = 1 − exp(−√(s₁² + s₂²)) from the ensemble's standard
  deviations (0 for a single model). So 0 ≤ doubt < 2, highest first in the queue.
- rankings: the mean closeness over every pair of responses plus the spread of the mean std.
- steps: the largest closeness of a step probability to ½ (1 − |2p − 1|).

Finished items are compared with the human majority (or the adjudication). The model disputes a
pair when it gives the side the humans rejected a probability of at least ``threshold``
(σ(r_rejected − r_chosen) ≥ threshold); a ranking when it disputes any of its majority pairs; a
steps item when it rates a step the humans marked wrong correct with P ≥ threshold, or a step they
marked correct wrong with P ≤ 1 − threshold. A disputed non-gold item asks for one more label
(overlap + 1) while its overlap stays within the project's overlap + ``extra_cap``, and goes to the
front of the queue (priority 2 + confidence).
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from apps.datasets.exporters.majority import FIRST, verdict
from apps.datasets.importers.pairing import preference_from_ranks

DISPUTED_BASE = 2.0
LOVED_REJECTED_MAX = 20
SHIFT_Z = 3.0
SHIFT_WARN_SHARE = 0.05


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def closeness(p: float) -> float:
    return 1.0 - abs(2.0 * p - 1.0)


def spread(*stds: float) -> float:
    return 1.0 - math.exp(-math.sqrt(sum(s * s for s in stds)))


@dataclass
class ItemState:
    id: int
    kind: str
    is_gold: bool
    labels_count: int
    overlap: int
    priority: float
    response_ids: list[int]
    votes: list[tuple[str, object]] = field(default_factory=list)  # (annotator, preference | ranks | step_ratings)
    adjudication: object = None

    @property
    def finished(self) -> bool:
        return self.labels_count >= self.overlap


@dataclass
class Decision:
    priority: float
    overlap: int
    disputed: bool = False
    confidence: float = 0.0  # model's P against the humans, for disputed items


def pair_doubt(a, b) -> float:
    return closeness(sigmoid(a.reward - b.reward)) + spread(a.std, b.std)


def doubt(item: ItemState, scores: dict) -> float | None:
    rows = [scores.get(rid) for rid in item.response_ids]
    if not rows or any(row is None for row in rows):
        return None
    if item.kind == "steps":
        probs = rows[0].step_scores or []
        return max((closeness(p) for p in probs), default=closeness(sigmoid(rows[0].reward)))
    if item.kind == "pair":
        return pair_doubt(rows[0], rows[1]) if len(rows) == 2 else None
    pairs = list(combinations(rows, 2))
    mean_close = sum(closeness(sigmoid(a.reward - b.reward)) for a, b in pairs) / len(pairs)
    return mean_close + spread(sum(r.std for r in rows) / len(rows))


def _human_pair_votes(item: ItemState, i: int, j: int) -> list[int]:
    if item.adjudication is not None:
        value = item.adjudication
        if item.kind == "pair":
            return [int(value)] if value is not None else []
        return [preference_from_ranks(value, i, j)] if value else []
    if item.kind == "pair":
        return [int(v) for _, v in item.votes if v is not None]
    return [preference_from_ranks(v, i, j) for _, v in item.votes if v and len(v) > max(i, j)]


def human_majority_pairs(item: ItemState) -> list[tuple[int, int]]:
    """(chosen position, rejected position) for every pair the humans decided."""
    positions = [(0, 1)] if item.kind == "pair" else list(combinations(range(len(item.response_ids)), 2))
    decided = []
    for i, j in positions:
        votes = _human_pair_votes(item, i, j)
        result = verdict(votes) if votes else None
        if result is not None and result.winner is not None:
            decided.append((i, j) if result.winner == FIRST else (j, i))
    return decided


def step_majority(item: ItemState) -> list:
    from .examples import step_majority as majority

    if item.adjudication is not None:
        return list(item.adjudication)
    ratings = [v for _, v in item.votes if v is not None]
    return majority(ratings) if ratings else []


def dispute(item: ItemState, scores: dict, threshold: float) -> float:
    """The model's confidence against the humans (0 when it does not dispute them)."""
    rows = [scores.get(rid) for rid in item.response_ids]
    if not rows or any(row is None for row in rows):
        return 0.0
    if item.kind == "steps":
        probs, worst = rows[0].step_scores or [], 0.0
        for p, human in zip(probs, step_majority(item)):
            against = p if human == -1 else (1.0 - p) if human == 1 else 0.0
            worst = max(worst, against)
        return worst if worst >= threshold else 0.0
    worst = 0.0
    for chosen, rejected in human_majority_pairs(item):
        worst = max(worst, sigmoid(rows[rejected].reward - rows[chosen].reward))
    return worst if worst >= threshold else 0.0


def decide(item: ItemState, scores: dict, *, project_overlap: int, extra_cap: int, threshold: float) -> Decision | None:
    """The item's new priority and overlap, or None to leave it as it is."""
    if not item.finished:
        value = doubt(item, scores)
        return None if value is None else Decision(priority=round(value, 6), overlap=item.overlap)
    if item.is_gold or not item.votes and item.adjudication is None:
        return None
    confidence = dispute(item, scores, threshold)
    if not confidence:
        return None
    cap = min(50, project_overlap + extra_cap)
    if item.overlap >= cap:
        return Decision(priority=item.priority, overlap=item.overlap, disputed=True, confidence=confidence)
    return Decision(priority=round(DISPUTED_BASE + confidence, 6), overlap=item.overlap + 1, disputed=True,
                    confidence=confidence)


# --- what the dashboard shows ---------------------------------------------------------------------------


def agreement(items: list[ItemState], scores: dict) -> dict:
    """Model vs human majority beside human vs human, over the decided pairs of labelled items.

    Human-human: over every two annotators who labelled the same item, the share of their pair
    votes with the same sign (both first, both second, or both tie). Model-majority: the share of
    pairs the humans decided where the model gives the chosen side the higher reward.
    """
    model_agree = model_total = human_agree = human_total = 0
    for item in items:
        if item.kind == "steps" or not item.votes:
            continue
        rows = [scores.get(rid) for rid in item.response_ids]
        if all(row is not None for row in rows):
            for chosen, rejected in human_majority_pairs(item):
                model_total += 1
                model_agree += rows[chosen].reward > rows[rejected].reward
        positions = [(0, 1)] if item.kind == "pair" else list(combinations(range(len(item.response_ids)), 2))
        for i, j in positions:
            per_annotator = []
            for _, value in item.votes:
                if item.kind == "pair" and value is not None:
                    per_annotator.append(int(value))
                elif item.kind == "ranking" and value and len(value) > max(i, j):
                    per_annotator.append(preference_from_ranks(value, i, j))
            for a, b in combinations(per_annotator, 2):
                human_total += 1
                human_agree += (a > 0) - (a < 0) == (b > 0) - (b < 0)
    return {
        "model_vs_majority": round(model_agree / model_total, 4) if model_total else None,
        "model_pairs": model_total,
        "human_vs_human": round(human_agree / human_total, 4) if human_total else None,
        "human_pairs": human_total,
    }


def loved_rejected(items: list[ItemState], scores: dict, limit: int = LOVED_REJECTED_MAX) -> list[dict]:
    """Responses the humans' majority rejected that the model scores highest above the chosen one."""
    rows = []
    for item in items:
        if item.kind == "steps" or not (item.votes or item.adjudication is not None):
            continue
        got = [scores.get(rid) for rid in item.response_ids]
        if any(row is None for row in got):
            continue
        for chosen, rejected in human_majority_pairs(item):
            gap = got[rejected].reward - got[chosen].reward
            if gap > 0:
                rows.append({"item_id": item.id, "chosen_response_id": item.response_ids[chosen],
                             "rejected_response_id": item.response_ids[rejected],
                             "chosen_reward": round(got[chosen].reward, 4),
                             "rejected_reward": round(got[rejected].reward, 4),
                             "p_model_rejected_better": round(sigmoid(gap), 4)})
    rows.sort(key=lambda row: -row["p_model_rejected_better"])
    return rows[:limit]


def shift(train_rewards: list[float], other: dict[int, float]) -> dict:
    """Responses outside the training distribution: reward further than 3 standard deviations from
    the mean reward of the responses the model was trained on. Warns when over 5 % of the others are."""
    if len(train_rewards) < 2:
        return {"warning": False, "n_train": len(train_rewards), "n_other": len(other), "n_outside": 0,
                "share_outside": None, "examples": []}
    mean = sum(train_rewards) / len(train_rewards)
    std = math.sqrt(sum((r - mean) ** 2 for r in train_rewards) / (len(train_rewards) - 1)) or 1e-6
    low, high = mean - SHIFT_Z * std, mean + SHIFT_Z * std
    outside = sorted(((rid, r) for rid, r in other.items() if not low <= r <= high),
                     key=lambda pair: -abs(pair[1] - mean))
    share = len(outside) / len(other) if other else 0.0
    return {
        "warning": bool(other) and share > SHIFT_WARN_SHARE, "n_train": len(train_rewards), "n_other": len(other),
        "n_outside": len(outside), "share_outside": round(share, 4), "train_mean": round(mean, 4),
        "train_std": round(std, 4), "low": round(low, 4), "high": round(high, 4),
        "examples": [{"response_id": rid, "reward": round(r, 4)} for rid, r in outside[:10]],
    }


def group_votes(rows) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for item_id, annotator, value in rows:
        out[item_id].append((annotator, value))
    return out
