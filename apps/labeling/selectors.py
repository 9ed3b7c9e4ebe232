"""Reads for labelling: what an assignment shows, an annotator's progress and recent labels."""
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
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


# --- The queue's hot reads, in hand-written SQL ------------------------------------------------------------------
# Each runs on every item an annotator is given, so they skip the ORM's per-call query compilation (which
# cost more CPU than the queries themselves) and build the same model instances the ORM would, through
# the fields' own converters. Plain SQL over the models' tables and columns: portable.


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def sql_columns(model, alias: str) -> str:
    """The select list of all the model's concrete columns, in field order, for ``from_row``."""
    return ", ".join(f"{alias}.{qn(field.column)}" for field in model._meta.concrete_fields)


def sql_table(model) -> str:
    return qn(model._meta.db_table)


@lru_cache(maxsize=None)
def _row_shape(model, vendor: str):
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return [field.attname for field in fields], converters


def from_row(model, row, start: int = 0):
    """The model instance whose columns (``sql_columns`` order) start at ``row[start]``, and where the next begin."""
    attnames, converters = _row_shape(model, connection.vendor)
    end = start + len(attnames)
    values = list(row[start:end])
    for index, found, column in converters:
        for convert in found:
            values[index] = convert(values[index], column, connection)
    return model.from_db(connection.alias, attnames, values), end


def item_view(item: Item, shown_order: list[int]) -> ItemView:
    """One query for the responses (the item's prompt is expected to be loaded with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.{qn('position')}, {sql_columns(Response, 'r')} FROM {sql_table(ItemResponse)} s "
            f"JOIN {sql_table(Response)} r ON r.id = s.response_id WHERE s.item_id = %s",
            [item.pk],
        )
        by_position = {row[0]: from_row(Response, row, 1)[0] for row in cursor.fetchall()}
    shown = [ShownResponse(LETTERS[i], pos, by_position[pos]) for i, pos in enumerate(shown_order)]
    return ItemView(item=item, prompt=item.prompt, responses=shown, shown_order=shown_order)


def open_assignment(project: Project, user) -> Assignment | None:
    """The annotator's open assignment in the project (live or expired), with its item and prompt."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql_columns(Assignment, 'a')}, {sql_columns(Item, 'i')}, {sql_columns(Prompt, 'p')} "
            f"FROM {sql_table(Assignment)} a JOIN {sql_table(Item)} i ON i.id = a.item_id "
            f"JOIN {sql_table(Prompt)} p ON p.id = i.prompt_id "
            "WHERE a.project_id = %s AND a.annotator_id = %s AND a.status = %s",
            [project.pk, user.pk, AssignmentStatus.OPEN],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    assignment, end = from_row(Assignment, row)
    item, end = from_row(Item, row, end)
    item.prompt = from_row(Prompt, row, end)[0]
    assignment.item = item
    return assignment


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
    count = len(label.ranks) if label.ranks else len(next(iter((label.scores or {}).values()), [None, None]))
    order = label.shown_order or list(range(count))
    preference = label.preference
    if preference is not None and order and order[0] != 0:
        preference = -preference
    return {
        "preference": preference,
        "ranks": to_shown(label.ranks, order) if label.ranks else None,
        "step_ratings": label.step_ratings,
        "step_notes": label.step_notes,
        "final_answer_correct": label.final_answer_correct,
        "finish_reason": label.finish_reason,
        "scores": {key: to_shown(values, order) for key, values in (label.scores or {}).items()},
        "rationale": label.rationale,
        "flags": label.flags,
    }


@lru_cache(maxsize=1024)
def _rubric_number(version_id: int) -> int | None:
    return RubricVersion.objects.filter(pk=version_id).values_list("number", flat=True).first()


def rubric_number(version_id: int | None) -> int | None:
    """The number of a rubric version, cached in the process: a version never changes once written."""
    return _rubric_number(version_id) if version_id else None


def my_labels(project: Project, user) -> QuerySet[Label]:
    """The annotator's current labels in the project, newest first."""
    return (
        Label.objects.filter(item__project=project, annotator=user, is_current=True)
        .select_related("item__prompt")
        .order_by("-created_at", "-pk")
    )


def label_item_view(label: Label) -> ItemView:
    """The label's item as its annotator saw it (canonical order for a label given without an assignment)."""
    order = label.shown_order or list(
        ItemResponse.objects.filter(item_id=label.item_id).order_by("position").values_list("position", flat=True)
    )
    return item_view(label.item, order)


def current_version(label: Label) -> Label | None:
    """The version of this annotator's label on the item that is current now (the label itself if it is)."""
    if label.is_current:
        return label
    return Label.objects.filter(item_id=label.item_id, annotator_id=label.annotator_id, is_current=True).first()


@lru_cache(maxsize=256)
def _rubric_snapshot(version_id: int) -> tuple[RubricVersion | None, tuple[RubricDimension, ...]]:
    version, dimensions = rubric_of(version_id)
    return version, tuple(dimensions)


def rubric_snapshot(version_id: int | None) -> tuple[RubricVersion | None, list[RubricDimension]]:
    """``rubric_of``, cached in the process (a version never changes once written): the workbench
    shows it on every item. Treat the objects as read-only."""
    if not version_id:
        return None, []
    version, dimensions = _rubric_snapshot(version_id)
    return version, list(dimensions)
