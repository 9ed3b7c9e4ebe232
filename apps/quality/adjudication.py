"""Adjudication: a lead's final label for an item whose annotators disagree.

Writes (``adjudicate``) and reads (the item with every current label side by side, current
adjudication and its history). Everything is in the item's canonical response order: positions are
shown as "Response 1", "Response 2", …, never as the A/B an annotator happened to see.

An adjudication is checked like a label (``labeling.judgements.check``, with the canonical order as
the shown one) against the project's current rubric. Recording one for an item that already has one
keeps the old row (no longer current) and links the new one to it; the database allows one current
adjudication per item. Exports (``datasets.exporters``) take the current adjudication in place of
the majority of the labels.
"""
from dataclasses import dataclass, fields, replace
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from apps.audit.services import record_event
from apps.datasets.models import Item, ItemResponse
from apps.labeling.forms import seconds
from apps.labeling.judgements import FLAGS, Judgement, check
from apps.labeling.models import Label
from apps.labeling.rubric_cache import rubric_rules
from apps.labeling.step_marks import required_steps
from apps.projects.models import Project, RubricDimension
from apps.projects.services import current_rubric

from .models import Adjudication
from .selectors import aggregated_labels, disagreement_queue

MAX_NOTE = 5000
PREFERENCE_TEXT = {2: "1 ≫ 2", 1: "1 > 2", 0: "tie", -1: "2 > 1", -2: "2 ≫ 1"}
STEP_MARKS = {1: "✓", 0: "○", -1: "✗", None: "·"}
STEP_FIELDS = ("step_ratings", "step_notes", "final_answer_correct", "finish_reason")


class AdjudicationRefused(Exception):
    """An adjudication that cannot be recorded (no such item); ``message`` says why."""

    def __init__(self, message: str, code: str = "not_found"):
        super().__init__(message)
        self.message, self.code = message, code


# --- writes ----------------------------------------------------------------------------------------------


class _Rules:
    """The project as ``check`` reads it, except that no rationale is asked: the lead's reason is the note."""

    rationale = "optional"

    def __init__(self, project: Project):
        self._project = project

    def __getattr__(self, name):
        return getattr(self._project, name)


def _without_step_marks(judgement: Judgement) -> Judgement:
    """The judgement without what belongs to step marking (checked apart) and without a rationale."""
    cleared = {f.name: ("" if f.name == "finish_reason" else None) for f in fields(judgement) if f.name in STEP_FIELDS}
    return replace(judgement, rationale="", **cleared)


def _step_ratings(ratings, step_count: int, project: Project) -> list:
    """An adjudication's step ratings: one of 1, 0, -1 per step, every step up to the first wrong one
    rated ("stop at first error" projects store the later ones null). Error notes, the final answer and
    the finish reason stay with the annotators' labels."""
    if not isinstance(ratings, list) or len(ratings) != step_count:
        raise ValidationError({"step_ratings": f"Rate each of the {step_count} steps."})
    if any(isinstance(v, bool) or v not in (1, 0, -1, None) for v in ratings):
        raise ValidationError({"step_ratings": "A step rating is 1 (correct), 0 (neutral) or -1 (wrong)."})
    ratings = list(ratings)
    needed = required_steps(ratings, stop_at_first_error=project.stop_at_first_error)
    ratings[needed:] = [None] * (step_count - needed)
    if any(v is None for v in ratings[:needed]):
        raise ValidationError({"step_ratings": "Rate every step" + (
            " up to the first wrong one." if project.stop_at_first_error else ".")})
    return ratings


def _shape(item: Item) -> tuple[int, int]:
    """How many responses the item holds, and how many steps (steps items only)."""
    slots = list(ItemResponse.objects.filter(item=item).values_list("response__steps", flat=True))
    steps = len(slots[0] or []) if item.kind == "steps" and slots else 0
    return len(slots), steps


@transaction.atomic
def adjudicate(*, project: Project, user, item_id: int, judgement: Judgement, note: str = "",
               rubric_version_id: int | None = None) -> Adjudication:
    """Record ``user``'s adjudicated label for the item (``judgement`` in CANONICAL order).

    Raises ValidationError (field → message) when the judgement does not fit the item, the project's
    scale or the rubric, and AdjudicationRefused when the item is not in the project. The item row is
    locked, so two leads adjudicating at once are taken one after the other: both are kept, the later
    is current.
    """
    if not -(2**63) <= item_id < 2**63:
        raise AdjudicationRefused("No such item in this project.")
    item = Item.objects.select_for_update().filter(pk=item_id, project=project).first()
    if item is None:
        raise AdjudicationRefused("No such item in this project.")
    if rubric_version_id is None:
        version = current_rubric(project)
        rubric_version_id = version.pk if version else None
    count, steps = _shape(item)
    step_ratings = _step_ratings(judgement.step_ratings, steps, project) if item.kind == "steps" else None
    # Steps are checked above; ``check`` takes the preference or ranks, the rubric scores and the flags.
    canonical = check(
        _without_step_marks(judgement), kind="steps-adjudicated" if item.kind == "steps" else item.kind,
        shown_order=list(range(count)), step_count=steps, project=_Rules(project),
        dimensions=rubric_rules(rubric_version_id),
    )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"Keep the note under {MAX_NOTE} characters."})
    old = Adjudication.objects.select_for_update().filter(item=item, is_current=True).first()
    if old is not None:
        Adjudication.objects.filter(pk=old.pk).update(is_current=False)
    try:
        adjudication = Adjudication.objects.create(
            item=item, adjudicator=user, rubric_version_id=rubric_version_id, preference=canonical.preference,
            ranks=canonical.ranks, step_ratings=step_ratings, scores=canonical.scores,
            flags=canonical.flags, note=note, version=old.version + 1 if old else 1, previous=old,
        )
    except IntegrityError as error:  # pragma: no cover - the item lock makes this a last line of defence
        raise AdjudicationRefused("Someone else adjudicated this item at the same moment; reload.",
                                  "conflict") from error
    record_event("adjudication.recorded", project=project, target=adjudication, actor=user,
                 detail={"item_id": item.pk, "version": adjudication.version, "replaces": old.pk if old else None})
    return adjudication


# --- reads -----------------------------------------------------------------------------------------------


def adjudications_of(project: Project, *, item_id: int | None = None, current_only: bool = False) -> QuerySet:
    """The project's adjudications, newest first, with adjudicator and rubric version."""
    rows = Adjudication.objects.filter(item__project=project)
    if item_id is not None:
        rows = rows.filter(item_id=item_id)
    if current_only:
        rows = rows.filter(is_current=True)
    return rows.select_related("adjudicator", "rubric_version", "item").order_by("-created_at", "-id")


def adjudication_get(project: Project, adjudication_id: int) -> Adjudication | None:
    return adjudications_of(project).filter(pk=adjudication_id).first()


def adjudicated_item_ids(project: Project, item_ids) -> set[int]:
    return set(
        Adjudication.objects.filter(item__project=project, item_id__in=list(item_ids), is_current=True)
        .values_list("item_id", flat=True)
    )


def next_to_adjudicate(project: Project, *, exclude: int | None = None, window: int = 200) -> int | None:
    """The item highest in the disagreement queue that has no adjudication yet (among its first ``window``)."""
    rows = [row["item_id"] for row in disagreement_queue(project, limit=window, offset=0, with_aggregates=False)
            if row["item_id"] != exclude]
    done = adjudicated_item_ids(project, rows)
    return next((item_id for item_id in rows if item_id not in done), None)


def prompt_texts(item_ids) -> dict[int, str]:
    """Each item's question (its prompt's last user turn), for lists."""
    rows = Item.objects.filter(pk__in=list(item_ids)).select_related("prompt").only("id", "prompt__messages")
    return {item.pk: item.prompt.text for item in rows}


def ranking_text(ranks: list[int] | None) -> str:
    """Canonical ranks → "3 > 1 = 2 > 4" (response numbers, best first)."""
    if not ranks:
        return "—"
    order = sorted(range(len(ranks)), key=lambda i: (ranks[i], i))
    text = str(order[0] + 1)
    for before, after in pairwise(order):
        text += (" = " if ranks[after] == ranks[before] else " > ") + str(after + 1)
    return text


def answer_text(kind: str, *, preference=None, ranks=None, step_ratings=None) -> str:
    """A judgement's answer in canonical terms: "1 > 2", "3 > 1 = 2", "✓ ✓ ✗"."""
    if kind == "pair":
        return PREFERENCE_TEXT.get(preference, "—") if preference is not None else "—"
    if kind == "ranking":
        return ranking_text(ranks)
    if step_ratings is not None:
        return " ".join(STEP_MARKS.get(v, "?") for v in step_ratings)
    return "—"


DIRECTION_TEXT = {"A": "1 > 2", "tie": "tie", "B": "2 > 1"}


def aggregate_text(kind: str, value) -> str:
    """An aggregated label (majority or Dawid-Skene, on ``heavy.headline_value``) in canonical terms: "1 > 2",
    "tie", "3 > 1 = 2", "step 2 wrong first", "no wrong step"; "—" for none."""
    if value is None:
        return "—"
    if kind == "pair":
        return DIRECTION_TEXT.get(value, str(value))
    if kind == "ranking":
        return ranking_text(list(value)) if isinstance(value, (list, tuple)) else str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return "no wrong step" if value < 0 else f"step {value + 1} wrong first"
    return str(value)


def aggregate_summary(kind: str, aggregate: dict | None) -> dict:
    """``selectors.aggregated_labels``' entry of an item with its texts, for the pages: ``{majority_text,
    dawid_skene_text, confidence, computed_at, stale, agree, computed}``."""
    aggregate = aggregate or {}
    ds = aggregate.get("dawid_skene")
    return {
        "majority_text": aggregate_text(kind, aggregate.get("majority")) if aggregate.get("majority") is not None
        else "no majority",
        "dawid_skene_text": aggregate_text(kind, ds["value"]) if ds else "not computed yet",
        "confidence": ds["confidence"] if ds else None, "computed_at": ds["computed_at"] if ds else None,
        "stale": bool(ds and ds["stale"]), "agree": aggregate.get("agree"), "computed": ds is not None,
    }


@dataclass
class JudgementRow:
    """One label or adjudication, ready to show beside the others (canonical order throughout)."""

    who: str
    answer: str
    preference: int | None
    ranks: list | None
    step_ratings: list | None
    scores: list[tuple[str, list]]  # (dimension name, one score per response)
    text: str  # the rationale (labels) or note (adjudications): untrusted, rendered as Markdown
    flags: list[str]
    created_at: object
    shown_first: int | None = None  # canonical number of the response the annotator saw first
    active: str = ""  # active time on the item, for people ("4.2 s")
    source: str = ""
    version: int = 1
    is_current: bool = True


@dataclass
class AdjudicationView:
    item: Item
    responses: list  # Response objects in canonical order
    dimensions: list[RubricDimension]
    labels: list[JudgementRow]
    current: Adjudication | None
    history: list[JudgementRow]
    split: dict  # for pairs: {"first", "tie", "second"} vote counts; ranks/steps: {"distinct": n}
    steps: list[tuple[int, str, list[str], str]]  # steps items: (number, text, mark per label, adjudicated mark)
    aggregate: dict | None = None  # the majority beside the Dawid-Skene label (``aggregate_summary``)


def _scores(scores: dict | None, dimensions: list[RubricDimension]) -> list[tuple[str, list]]:
    scores = scores or {}
    known = [(d.name, scores[d.key]) for d in dimensions if d.key in scores]
    names = {d.key for d in dimensions}
    return known + [(key, value) for key, value in scores.items() if key not in names]


def _flag_names(flags) -> list[str]:
    return [FLAGS.get(flag, flag) for flag in flags or []]


def _label_row(label: Label, kind: str, dimensions) -> JudgementRow:
    return JudgementRow(
        who=label.annotator.username, preference=label.preference, ranks=label.ranks,
        step_ratings=label.step_ratings,
        answer=answer_text(kind, preference=label.preference, ranks=label.ranks, step_ratings=label.step_ratings),
        scores=_scores(label.scores, dimensions), text=label.rationale, flags=_flag_names(label.flags),
        created_at=label.created_at, shown_first=(label.shown_order[0] + 1) if label.shown_order else None,
        active=seconds(label.active_ms) if label.active_ms is not None else "", source=label.get_source_display(),
        version=label.version,
    )


def _adjudication_row(adjudication: Adjudication, kind: str, dimensions) -> JudgementRow:
    return JudgementRow(
        who=adjudication.adjudicator.username, preference=adjudication.preference, ranks=adjudication.ranks,
        step_ratings=adjudication.step_ratings,
        answer=answer_text(kind, preference=adjudication.preference, ranks=adjudication.ranks,
                           step_ratings=adjudication.step_ratings),
        scores=_scores(adjudication.scores, dimensions), text=adjudication.note,
        flags=_flag_names(adjudication.flags), created_at=adjudication.created_at, version=adjudication.version,
        is_current=adjudication.is_current,
    )


def _split(kind: str, labels: list[Label]) -> dict:
    if kind == "pair":
        votes = [label.preference for label in labels if label.preference is not None]
        return {"first": sum(v > 0 for v in votes), "tie": sum(v == 0 for v in votes),
                "second": sum(v < 0 for v in votes)}
    if kind == "ranking":
        return {"distinct": len({tuple(label.ranks) for label in labels if label.ranks})}
    return {"distinct": len({tuple(label.step_ratings) for label in labels if label.step_ratings is not None})}


def adjudication_view(project: Project, item_id: int) -> AdjudicationView | None:
    """The item with its prompt, responses (canonical order), every current label, the current
    adjudication and all earlier ones; None when the item is not in the project."""
    if not -(2**63) <= item_id < 2**63:
        return None
    item = Item.objects.filter(pk=item_id, project=project).select_related("prompt").first()
    if item is None:
        return None
    responses = [slot.response for slot in ItemResponse.objects.filter(item=item).select_related("response")
                 .order_by("position")]
    version = current_rubric(project)
    dimensions = list(version.dimensions.order_by("position")) if version else []
    labels = list(Label.objects.filter(item=item, is_current=True).select_related("annotator")
                  .order_by("created_at", "id"))
    adjudications = list(Adjudication.objects.filter(item=item).select_related("adjudicator").order_by("-version"))
    current = next((a for a in adjudications if a.is_current), None)
    steps = []
    if item.kind == "steps" and responses:
        def mark(ratings, index):
            return STEP_MARKS.get(ratings[index], "?") if ratings and index < len(ratings) else "·"
        steps = [
            (i + 1, text, [mark(label.step_ratings, i) for label in labels],
             mark(current.step_ratings, i) if current else "")
            for i, text in enumerate(responses[0].steps or [])
        ]
    return AdjudicationView(
        item=item, responses=responses, dimensions=dimensions,
        labels=[_label_row(label, item.kind, dimensions) for label in labels],
        current=current,
        history=[_adjudication_row(a, item.kind, dimensions) for a in adjudications],
        split=_split(item.kind, labels), steps=steps,
        aggregate=aggregate_summary(item.kind, aggregated_labels(project, [item.pk]).get(item.pk)),
    )


def current_values(adjudication: Adjudication | None) -> dict:
    """An adjudication's values in the shape ``labeling.forms.LabelForm`` prefills from (canonical = shown)."""
    if adjudication is None:
        return {}
    return {"preference": adjudication.preference, "ranks": adjudication.ranks,
            "step_ratings": adjudication.step_ratings, "scores": adjudication.scores,
            "flags": adjudication.flags, "rationale": ""}
