"""Reads for labelling: what an assignment shows, an annotator's progress and recent labels."""
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.datasets.models import Item, ItemResponse, Prompt, Response
from apps.projects.models import Project, RubricDimension, RubricVersion

from .judgements import to_shown
from .models import Assignment, AssignmentStatus, Label

LETTERS = "ABCDEFGH"


class _ItemResponses:
    """An item's responses by canonical position, read in one query on first use: validating a submitted form
    needs only how many responses were shown and their letters, rendering needs the texts."""

    def __init__(self, item_id: int):
        self.item_id = item_id
        self._by_position: dict[int, Response] | None = None

    def __getitem__(self, position: int) -> Response:
        if self._by_position is None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT s.{qn('position')}, {sql_columns(Response, 'r')} FROM {sql_table(ItemResponse)} s "
                    f"JOIN {sql_table(Response)} r ON r.id = s.response_id WHERE s.item_id = %s",
                    [self.item_id],
                )
                self._by_position = {row[0]: from_row(Response, row, 1)[0] for row in cursor.fetchall()}
        return self._by_position[position]


@dataclass
class ShownResponse:
    letter: str
    canonical_position: int
    responses: _ItemResponses

    @property
    def response(self) -> Response:
        return self.responses[self.canonical_position]


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
    return _sql_columns(model, alias, connection.vendor)


@lru_cache(maxsize=None)
def _sql_columns(model, alias: str, vendor: str) -> str:
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
    """The item in the shown order; one query reads the responses when a text is first needed (the item's
    prompt is expected to be loaded with it)."""
    responses = _ItemResponses(item.pk)
    shown = [ShownResponse(LETTERS[i], pos, responses) for i, pos in enumerate(shown_order)]
    return ItemView(item=item, prompt=item.prompt, responses=shown, shown_order=shown_order)


def _assignment_with_item(where: str, params: list) -> Assignment | None:
    """One assignment (``where`` over alias ``a``) with its item and prompt, in one hand-written query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql_columns(Assignment, 'a')}, {sql_columns(Item, 'i')}, {sql_columns(Prompt, 'p')} "
            f"FROM {sql_table(Assignment)} a JOIN {sql_table(Item)} i ON i.id = a.item_id "
            f"JOIN {sql_table(Prompt)} p ON p.id = i.prompt_id WHERE {where}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    assignment, end = from_row(Assignment, row)
    item, end = from_row(Item, row, end)
    item.prompt = from_row(Prompt, row, end)[0]
    assignment.item = item
    return assignment


def open_assignment(project: Project, user) -> Assignment | None:
    """The annotator's open assignment in the project (live or expired), with its item and prompt."""
    return _assignment_with_item(
        "a.project_id = %s AND a.annotator_id = %s AND a.status = %s", [project.pk, user.pk, AssignmentStatus.OPEN]
    )


def assignment_of(project: Project, user, assignment_id: int) -> Assignment | None:
    """The annotator's assignment with its item and prompt (read on every label posted)."""
    if not -(2**63) <= assignment_id < 2**63:
        return None  # beyond any id: not a database error
    return _assignment_with_item(
        "a.id = %s AND a.project_id = %s AND a.annotator_id = %s", [assignment_id, project.pk, user.pk]
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


_project_counts: dict[int, tuple[float, int, int]] = {}  # project id -> (read at, items, items left)


def _item_counts(project: Project) -> tuple[int, int]:
    """(items, items still needing labels) of the project, counted at most every ``LABEL_PROGRESS_COUNTS_TTL`` seconds per process.

    Counting a project's items reads all of them (200,000 at the size the queue is built for), and the
    progress bar is redrawn after every label; the annotator's own counts stay exact."""
    now = time.monotonic()
    cached = _project_counts.get(project.pk)
    if cached is None or now - cached[0] >= settings.LABEL_PROGRESS_COUNTS_TTL:
        counts = Item.objects.filter(project=project).aggregate(
            total=Count("pk"), left=Count("pk", filter=Q(labels_count__lt=F("overlap")))
        )
        cached = _project_counts[project.pk] = (now, counts["total"], counts["left"])
    return cached[1], cached[2]


def progress(project: Project, user) -> Progress:
    """The annotator's labels and live leases in the project (one query), and the project's item counts."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {sql_table(Label)} l JOIN {sql_table(Item)} i ON i.id = l.item_id "
            "WHERE l.annotator_id = %s AND l.is_current AND i.project_id = %s), "
            f"(SELECT COUNT(*) FROM {sql_table(Assignment)} a WHERE a.annotator_id = %s AND a.project_id = %s "
            "AND a.status = %s AND a.expires_at > %s)",
            [user.pk, project.pk, user.pk, project.pk, AssignmentStatus.OPEN, timezone.now()],
        )
        mine, assigned = cursor.fetchone()
    total, left = _item_counts(project)
    return Progress(mine, assigned, left, total)


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


def my_labels(project: Project, user, filters: "LabelFilters | None" = None) -> QuerySet[Label]:
    """The annotator's labels in the project, newest first: the current ones unless ``filters`` (whose
    ``annotator`` is not used: always ``user``) ask for every version."""
    rows = (
        Label.objects.filter(item__project=project, annotator=user)
        .select_related("item__prompt")
        .order_by("-created_at", "-pk")
    )
    return _narrowed_labels(rows, filters or LabelFilters())


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


# --- what leads and admins read across the project: assignments (leases) and labels ----------------------------

LEASE_STATES = ("live", "lapsed")  # open assignments whose lease still holds a slot, or has run out


@dataclass(frozen=True)
class AssignmentFilters:
    status: str = ""  # an AssignmentStatus value or one of LEASE_STATES
    annotator: str = ""  # username
    item_id: int | None = None


def project_assignments(project: Project, filters: AssignmentFilters = AssignmentFilters()) -> QuerySet[Assignment]:
    """The project's assignments, newest first, with who holds them and the label each produced."""
    rows = (
        Assignment.objects.filter(project=project)
        .select_related("annotator", "label")
        .only("id", "item_id", "status", "created_at", "expires_at", "finished_at", "skip_reason",
              "annotator__username", "label__id")
        .order_by("-created_at", "-pk")
    )
    now = timezone.now()
    if filters.status == "live":
        rows = rows.filter(status=AssignmentStatus.OPEN, expires_at__gt=now)
    elif filters.status == "lapsed":
        rows = rows.filter(status=AssignmentStatus.OPEN, expires_at__lte=now)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.annotator:
        rows = rows.filter(annotator__username=filters.annotator)
    if filters.item_id is not None:
        rows = rows.filter(item_id=filters.item_id)
    return rows


@dataclass(frozen=True)
class LabelFilters:
    annotator: str = ""  # username
    item_id: int | None = None
    all_versions: bool = False  # False: current labels only; True: the versions edits replaced too
    created_after: object = None  # aware datetime, inclusive
    created_before: object = None  # aware datetime, exclusive


def project_labels(project: Project, filters: LabelFilters = LabelFilters()) -> QuerySet[Label]:
    """The project's labels (every annotator's, in canonical order as stored), newest first. For leads and
    admins only: callers check the role (annotators read their own through ``my_labels``)."""
    rows = (
        Label.objects.filter(item__project=project)
        .select_related("annotator", "rubric_version")
        .order_by("-created_at", "-pk")
    )
    if filters.annotator:
        rows = rows.filter(annotator__username=filters.annotator)
    return _narrowed_labels(rows, filters)


def _narrowed_labels(rows: QuerySet[Label], filters: LabelFilters) -> QuerySet[Label]:
    """``rows`` narrowed by the filters every label list takes: versions, item, creation time."""
    if not filters.all_versions:
        rows = rows.filter(is_current=True)
    if filters.item_id is not None:
        rows = rows.filter(item_id=filters.item_id)
    if filters.created_after is not None:
        rows = rows.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        rows = rows.filter(created_at__lt=filters.created_before)
    return rows
