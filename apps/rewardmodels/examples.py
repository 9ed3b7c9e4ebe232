"""Training examples from a project's labels: the data a run hands to ``worker.ml``.

Pairs (outcome model):
- A pair item's current labels each vote in canonical order (a label's preference, -2..2). The
  majority rule is the exports' (``datasets.exporters.majority``): the side with more votes than
  each of the other two outcomes (first, tie, second) is chosen.
- ``target`` = P(chosen is better) = (votes for chosen + half the tie votes) / all votes: 1.0 when
  unanimous, 0.67 for a 2-1 split. ``margin`` = the majority's mean strength toward the chosen side,
  never below 0 (used only when the run's ``use_margin`` is on).
- No majority (a tie is the most common answer, or the sides split evenly) is a tie: dropped when
  the run's ``tie_policy`` is "drop", otherwise a pair with target 0.5 (trained toward equal reward).
- A ranking item gives every pair of its responses: each label votes +1/-1/0 from its ranks, then
  the same rule (as the ``ranking_pairs`` export).
- An item with a current adjudication (``apps.quality``) takes the lead's answer as a unanimous
  verdict in place of the labels' majority.

Steps (process model): per step, the most common rating of the current labels (+1, 0, -1); a step
nobody rated, or split evenly between ratings, is None (not trained on).

Every example's ``meta`` holds the label ids it came from, the annotators' votes relative to the
chosen side (``{"ann": +1 | -1 | 0}``, read by the evaluation's model-vs-annotator figures), the
item and response ids and the source. ``group`` is the prompt id, so the held-out split never puts
one prompt on both sides. The labels that produced at least one example are the run's snapshot.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.apps import apps as django_apps

from apps.datasets.exporters.majority import FIRST, verdict
from apps.datasets.importers.pairing import preference_from_ranks
from apps.datasets.models import Item, ItemKind, ItemResponse
from apps.labeling.models import Label
from worker.ml.data import PreferencePair, StepExample

from .models import ModelKind

CHUNK = 1000
ITEM_KINDS = {ModelKind.OUTCOME: (ItemKind.PAIR, ItemKind.RANKING), ModelKind.PROCESS: (ItemKind.STEPS,)}


@dataclass
class Dataset:
    examples: list
    label_ids: list[int]
    adjudication_ids: list[int]
    counts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Vote:
    label_id: int
    annotator: str
    value: int


def snapshot_label_ids(project, kind: str) -> list[int]:
    """Ids of the current labels a run of ``kind`` can learn from, in id order."""
    return list(
        Label.objects.filter(item__project=project, item__kind__in=ITEM_KINDS[kind], is_current=True)
        .order_by("id").values_list("id", flat=True)
    )


def adjudication_model():
    """``apps.quality``'s Adjudication, or None while that app has none."""
    try:
        return django_apps.get_model("quality", "Adjudication")
    except LookupError:
        return None


def _adjudications(item_ids) -> dict[int, dict]:
    model = adjudication_model()
    if model is None:
        return {}
    rows = model.objects.filter(item_id__in=item_ids, is_current=True)
    return {row["item_id"]: row for row in rows.values("id", "item_id", "preference", "ranks", "step_ratings")}


def soft_target(votes: list[int], winner: int) -> float:
    toward = 1 if winner == FIRST else -1
    chosen = sum(1 for v in votes if v * toward > 0)
    ties = sum(1 for v in votes if v == 0)
    return round((chosen + 0.5 * ties) / len(votes), 4) if votes else 1.0


def pair_from_votes(votes: list[Vote], *, tie_policy: str) -> tuple[int, int, float, float] | None:
    """(chosen, rejected, target, margin) over positions 0/1 from signed votes; None when dropped."""
    values = [v.value for v in votes]
    if not values:
        return None
    result = verdict(values)
    if result.winner is None:
        if tie_policy != "equal":
            return None
        return 0, 1, 0.5, 0.0
    chosen, rejected = (0, 1) if result.winner == FIRST else (1, 0)
    return chosen, rejected, soft_target(values, result.winner), max(0.0, float(result.margin or 0.0))


def step_majority(ratings: list[list]) -> list[int | None]:
    """Most common rating per step over the labels; None when nobody rated it or the top is shared."""
    length = max((len(r) for r in ratings), default=0)
    out: list[int | None] = []
    for i in range(length):
        counts = Counter(r[i] for r in ratings if i < len(r) and r[i] is not None).most_common()
        if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
            out.append(None)
        else:
            out.append(int(counts[0][0]))
    return out


def _source(reference) -> str:
    reference = reference or {}
    return str(reference.get("dataset") or reference.get("source") or "native")


def build_examples(project, kind: str, *, label_ids: list[int] | None = None, tie_policy: str = "drop") -> Dataset:
    """The training examples of ``kind`` from the given labels (default: the project's current ones)."""
    if label_ids is None:
        label_ids = snapshot_label_ids(project, kind)
    wanted = set(label_ids)
    by_item: dict[int, list[dict]] = defaultdict(list)
    ids = sorted(wanted)
    for start in range(0, len(ids), CHUNK):
        rows = (Label.objects.filter(pk__in=ids[start:start + CHUNK], item__project=project)
                .values("id", "item_id", "annotator__username", "preference", "ranks", "step_ratings"))
        for row in rows:
            by_item[row["item_id"]].append(row)
    dataset = Dataset([], [], [], Counter())
    item_ids = sorted(by_item)
    for start in range(0, len(item_ids), CHUNK):
        _build_chunk(dataset, item_ids[start:start + CHUNK], by_item, kind=kind, tie_policy=tie_policy)
    dataset.label_ids = sorted(set(dataset.label_ids))
    dataset.counts = dict(dataset.counts, examples=len(dataset.examples), labels_used=len(dataset.label_ids),
                          labels_read=len(wanted))
    return dataset


def _build_chunk(dataset: Dataset, item_ids: list[int], by_item, *, kind: str, tie_policy: str) -> None:
    items = {row["id"]: row for row in Item.objects.filter(pk__in=item_ids, kind__in=ITEM_KINDS[kind])
             .values("id", "kind", "prompt_id", "prompt__messages", "reference")}
    slots: dict[int, list[dict]] = defaultdict(list)
    for row in (ItemResponse.objects.filter(item_id__in=list(items)).order_by("item_id", "position")
                .values("item_id", "response_id", "response__text", "response__steps")):
        slots[row["item_id"]].append(row)
    adjudicated = _adjudications(list(items))
    for item_id in item_ids:
        item = items.get(item_id)
        if item is None:
            continue
        labels = sorted(by_item[item_id], key=lambda row: row["id"])
        dataset.counts["items"] += 1
        adjudication = adjudicated.get(item_id)
        common = {"item_id": item_id, "source": _source(item["reference"])}
        if adjudication:
            dataset.counts["adjudicated_items"] += 1
        if item["kind"] == ItemKind.STEPS:
            made = _step_example(dataset, item, slots[item_id], labels, adjudication, common)
        else:
            made = _pairs(dataset, item, slots[item_id], labels, adjudication, common, tie_policy=tie_policy)
        if made:
            dataset.label_ids.extend(row["id"] for row in labels)
            if adjudication:
                dataset.adjudication_ids.append(adjudication["id"])


def _pairs(dataset, item, slots, labels, adjudication, common, *, tie_policy) -> int:
    if item["kind"] == ItemKind.PAIR:
        positions = [(0, 1)] if len(slots) == 2 else []
    else:
        positions = list(combinations(range(len(slots)), 2))
    made = 0
    for i, j in positions:
        votes = []
        for row in labels:
            if item["kind"] == ItemKind.PAIR and row["preference"] is not None:
                votes.append(Vote(row["id"], row["annotator__username"], int(row["preference"])))
            elif item["kind"] == ItemKind.RANKING and row["ranks"] and len(row["ranks"]) > max(i, j):
                votes.append(Vote(row["id"], row["annotator__username"], preference_from_ranks(row["ranks"], i, j)))
        decided = votes
        if adjudication is not None:
            if item["kind"] == ItemKind.PAIR and adjudication["preference"] is not None:
                decided = [Vote(0, "adjudication", int(adjudication["preference"]))]
            elif item["kind"] == ItemKind.RANKING and adjudication["ranks"]:
                decided = [Vote(0, "adjudication", preference_from_ranks(adjudication["ranks"], i, j))]
        if not decided:
            continue
        picked = pair_from_votes(decided, tie_policy=tie_policy)
        if picked is None:
            dataset.counts["ties_dropped"] += 1
            continue
        first, second, target, margin = picked
        chosen, rejected = (i, j) if first == 0 else (j, i)
        if target == 0.5:
            dataset.counts["ties_kept"] += 1
        elif target < 1.0:
            dataset.counts["soft_targets"] += 1
        toward = 1 if first == 0 else -1
        annotators = {v.annotator: (v.value * toward > 0) - (v.value * toward < 0) for v in votes}
        dataset.examples.append(PreferencePair(
            prompt=item["prompt__messages"], chosen=slots[chosen]["response__text"],
            rejected=slots[rejected]["response__text"], target=target, margin=margin,
            group=f"prompt:{item['prompt_id']}",
            meta={**common, "dimension": "overall", "label_ids": [v.label_id for v in votes],
                  "annotators": annotators,
                  "response_ids": [slots[chosen]["response_id"], slots[rejected]["response_id"]]},
        ))
        made += 1
    return made


def _step_example(dataset, item, slots, labels, adjudication, common) -> int:
    if not slots or not slots[0]["response__steps"]:
        return 0
    steps = slots[0]["response__steps"]
    if adjudication is not None and adjudication["step_ratings"] is not None:
        majority = list(adjudication["step_ratings"])
    else:
        ratings = [row["step_ratings"] for row in labels if row["step_ratings"] is not None]
        if not ratings:
            return 0
        majority = step_majority(ratings)
    majority = (majority + [None] * len(steps))[:len(steps)]
    if all(value is None for value in majority):
        return 0
    dataset.examples.append(StepExample(
        prompt=item["prompt__messages"], steps=list(steps), labels=majority, group=f"prompt:{item['prompt_id']}",
        meta={**common, "label_ids": [row["id"] for row in labels], "response_ids": [slots[0]["response_id"]]},
    ))
    return 1


def dimension_pairs(project, *, groups: set[str] | None = None) -> list[PreferencePair]:
    """Evaluation pairs per rubric dimension: for each pair item, the response with the higher mean
    score on a dimension (over the current labels that scored both) is "chosen" for that dimension
    (``meta["dimension"]`` = its key). Equal means give no pair. Only prompts in ``groups`` when given."""
    rows = (Label.objects.filter(item__project=project, item__kind=ItemKind.PAIR, is_current=True)
            .exclude(scores={}).values("item_id", "scores"))
    sums: dict[tuple[int, str], list[list[float]]] = defaultdict(list)
    for row in rows:
        for key, values in (row["scores"] or {}).items():
            if isinstance(values, list) and len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
                sums[(row["item_id"], key)].append(values)
    item_ids = {item_id for item_id, _ in sums}
    items = {row["id"]: row for row in Item.objects.filter(pk__in=item_ids).values("id", "prompt_id", "prompt__messages", "reference")}
    slots: dict[int, list[dict]] = defaultdict(list)
    for row in (ItemResponse.objects.filter(item_id__in=item_ids).order_by("item_id", "position")
                .values("item_id", "response_id", "response__text")):
        slots[row["item_id"]].append(row)
    pairs = []
    for (item_id, key), scored in sorted(sums.items()):
        item, both = items.get(item_id), slots.get(item_id, [])
        group = f"prompt:{item['prompt_id']}" if item else ""
        if item is None or len(both) != 2 or (groups is not None and group not in groups):
            continue
        first = sum(v[0] for v in scored) / len(scored)
        second = sum(v[1] for v in scored) / len(scored)
        if first == second:
            continue
        chosen, rejected = (0, 1) if first > second else (1, 0)
        pairs.append(PreferencePair(
            prompt=item["prompt__messages"], chosen=both[chosen]["response__text"], rejected=both[rejected]["response__text"],
            group=group, meta={"item_id": item_id, "dimension": key, "source": _source(item["reference"]),
                               "response_ids": [both[chosen]["response_id"], both[rejected]["response_id"]]},
        ))
    return pairs
