"""Reads for labelling: what an assignment shows, an annotator's progress and recent labels."""
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.datasets.models import Item, ItemResponse, Prompt, Response
from apps.projects.models import Project, RubricDimension, RubricVersion

from .judgements import to_shown
from .models import Assignment, AssignmentStatus, Label

LETTERS = "ABCDEFGH"


@dataclass
class ShownResponse:
    letter: str
    canonical_position: int
    response: Response


@dataclass
class ItemView:
    """An item as one annotator sees it: responses in their shown order, lettered A, B, …"""

    item: Item
    prompt: Prompt
    responses: list[ShownResponse]
    shown_order: list[int]

    @property
    def steps(self) -> list[str]:
        return (self.responses[0].response.steps or []) if self.item.kind == "steps" else []


def item_view(item: Item, shown_order: list[int]) -> ItemView:
    """One query for the responses (the item's prompt is expected to be loaded with it)."""
    slots = list(ItemResponse.objects.filter(item=item).select_related("response").order_by("position"))
    by_position = {slot.position: slot.response for slot in slots}
    shown = [ShownResponse(LETTERS[i], pos, by_position[pos]) for i, pos in enumerate(shown_order)]
    return ItemView(item=item, prompt=item.prompt, responses=shown, shown_order=shown_order)


def open_assignment(project: Project, user) -> Assignment | None:
    return (
        Assignment.objects.filter(project=project, annotator=user, status=AssignmentStatus.OPEN)
        .select_related("item__prompt")
        .first()
    )


def assignment_of(project: Project, user, assignment_id: int) -> Assignment | None:
    return (
        Assignment.objects.filter(project=project, annotator=user, pk=assignment_id)
        .select_related("item__prompt")
        .first()
    )


def rubric_of(version_id: int | None) -> tuple[RubricVersion | None, list[RubricDimension]]:
    if not version_id:
        return None, []
    version = RubricVersion.objects.filter(pk=version_id).prefetch_related(
        Prefetch("dimensions", queryset=RubricDimension.objects.order_by("position"))
    ).first()
    return version, list(version.dimensions.all()) if version else []


@dataclass
class Progress:
    labelled_by_me: int
    assigned_to_me: int
    left_in_project: int
    total_items: int

    @property
    def percent_done(self) -> int:
        """Share of the project's label slots filled (all annotators)."""
        return 0 if not self.total_items else round(100 * (self.total_items - self.left_in_project) / self.total_items)


def progress(project: Project, user) -> Progress:
    now = timezone.now()
    counts = Item.objects.filter(project=project).aggregate(
        total=Count("pk"), left=Count("pk", filter=Q(labels_count__lt=F("overlap")))
    )
    mine = Label.objects.filter(item__project=project, annotator=user, is_current=True).count()
    assigned = Assignment.objects.filter(
        project=project, annotator=user, status=AssignmentStatus.OPEN, expires_at__gt=now
    ).count()
    return Progress(mine, assigned, counts["left"], counts["total"])


def recent_labels(project: Project, user, limit: int = 20) -> QuerySet[Label]:
    return (
        Label.objects.filter(item__project=project, annotator=user, is_current=True)
        .select_related("item__prompt")
        .order_by("-created_at")[:limit]
    )


def label_of(project: Project, user, label_id: int) -> Label | None:
    return (
        Label.objects.filter(pk=label_id, item__project=project, annotator=user)
        .select_related("item__prompt", "rubric_version")
        .first()
    )


def label_history(label: Label) -> list[Label]:
    """This label and the versions it replaced, newest first."""
    history, current = [], label
    while current is not None:
        history.append(current)
        current = current.previous
    return history


def shown_values(label: Label) -> dict:
    """A stored label turned back into the order its annotator saw, to prefill an edit form."""
    order = label.shown_order or list(range(len(next(iter(label.scores.values()), [None, None]))))
    preference = label.preference
    if preference is not None and order and order[0] != 0:
        preference = -preference
    return {
        "preference": preference,
        "ranks": to_shown(label.ranks, order) if label.ranks else None,
        "step_ratings": label.step_ratings,
        "scores": {key: to_shown(values, order) for key, values in (label.scores or {}).items()},
        "rationale": label.rationale,
        "flags": label.flags,
    }
