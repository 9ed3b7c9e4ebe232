"""Reads for datasets: a project's items and its import batches, and the streamed reads of exports."""
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from apps.labeling.models import Label
from apps.projects.models import Project
from apps.quality.models import Adjudication, DawidSkeneLabel

from .models import ImportBatch, Item, ItemKind, ItemResponse, Prompt


def items_of(project: Project, *, kind: str | None = None) -> QuerySet[Item]:
    """The project's items in id order, with their prompt and their responses in canonical order."""
    items = Item.objects.filter(project=project)
    if kind is not None:
        items = items.filter(kind=kind)
    slots = ItemResponse.objects.select_related("response").order_by("position")
    return items.select_related("prompt").prefetch_related(Prefetch("slots", queryset=slots)).order_by("id")


def item_responses(item: Item) -> list:
    """The item's responses in canonical order (position 0 first)."""
    return [slot.response for slot in item.slots.all()]


def import_batches_of(project: Project, *, status: str = "") -> QuerySet[ImportBatch]:
    """The project's imports, newest first; only those with ``status`` (an ImportBatch.Status value) when given."""
    batches = ImportBatch.objects.filter(project=project).select_related("uploaded_by").order_by("-created_at", "-id")
    return batches.filter(status=status) if status else batches


def import_batch_of(project: Project, batch_id: int) -> ImportBatch | None:
    return import_batches_of(project).filter(pk=batch_id).first()


@dataclass(frozen=True)
class ItemFilters:
    kind: str = ""
    gold: str = ""  # "", "yes", "no"
    q: str = ""

    @classmethod
    def from_query(cls, params) -> "ItemFilters":
        kind = params.get("kind", "")
        gold = params.get("gold", "")
        return cls(
            kind=kind if kind in ItemKind.values else "",
            gold=gold if gold in ("yes", "no") else "",
            q=params.get("q", "").replace("\x00", "").strip()[:200],  # PostgreSQL text holds no NUL
        )

    def as_query(self) -> str:
        return urlencode({k: v for k, v in (("kind", self.kind), ("gold", self.gold), ("q", self.q)) if v})


def items_for_listing(project, filters: ItemFilters = ItemFilters()) -> QuerySet[Item]:
    """Items with their response and current-label counts, for the item browser and API."""
    items = (
        Item.objects.filter(project=project)
        .select_related("prompt")
        .annotate(
            response_count=Count("slots", distinct=True),
            label_count=Count("labels", filter=Q(labels__is_current=True), distinct=True),
        )
        .order_by("id")
    )
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.gold:
        items = items.filter(is_gold=filters.gold == "yes")
    if filters.q:
        items = items.filter(Q(external_id__icontains=filters.q) | Q(prompt__messages__icontains=filters.q))
    return items


def item_with_content(project, pk) -> Item:
    """One item of the project with prompt and responses in canonical order; 404 when not there."""
    slots = ItemResponse.objects.select_related("response").order_by("position")
    item = (
        Item.objects.filter(project=project, pk=pk)
        .select_related("prompt", "import_batch")
        .prefetch_related(Prefetch("slots", queryset=slots))
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def labels_of(item: Item) -> QuerySet[Label]:
    return (
        Label.objects.filter(item=item, is_current=True)
        .select_related("annotator", "rubric_version")
        .order_by("created_at")
    )


# -- exports: streamed reads, a bounded chunk at a time ---------------------------------------------

EXPORT_CHUNK = 2000
LABEL_EXPORT_FIELDS = (
    "id", "item_id", "item__external_id", "item__kind", "item__is_gold", "annotator__username", "preference",
    "ranks", "step_ratings", "scores", "rationale", "flags", "shown_order", "active_ms", "rubric_version__number",
    "source", "is_current", "version", "previous_id", "assignment_id", "created_at",
)
ITEM_LABEL_FIELDS = (
    "id", "item_id", "annotator__username", "preference", "ranks", "flags", "shown_order", "created_at",
)
ADJUDICATION_FIELDS = ("item_id", "preference", "ranks", "step_ratings", "scores", "flags")


def labels_for_export(project: Project, *, current_only: bool = False,
                      chunk_size: int | None = None) -> Iterator[dict]:
    """Every label of the project (all versions unless ``current_only``) as a flat dict, in the order
    stored, read through a server-side cursor ``chunk_size`` rows at a time."""
    labels = Label.objects.filter(item__project=project)
    if current_only:
        labels = labels.filter(is_current=True)
    return labels.order_by("id").values(*LABEL_EXPORT_FIELDS).iterator(chunk_size=chunk_size or EXPORT_CHUNK)


@dataclass(frozen=True)
class ExportResponse:
    text: str
    model: str


@dataclass(frozen=True)
class ExportItem:
    """An item with what an export needs: prompt messages, responses in canonical order, and its current
    labels (dicts of ``ITEM_LABEL_FIELDS``, oldest first)."""

    id: int
    external_id: str
    kind: str
    is_gold: bool
    messages: list[dict]
    responses: list[ExportResponse]
    labels: list[dict]
    adjudication: dict | None = None  # the current adjudicated label (``ADJUDICATION_FIELDS``), if any
    dawid_skene: dict | None = None  # when asked for: the item's Dawid-Skene label ``{value, label_ids}``, if any

    @property
    def question_id(self) -> str:
        return self.external_id or str(self.id)


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def labelled_items_for_export(project: Project, *, kind: str, include_gold: bool = True,
                              chunk_size: int | None = None, with_dawid_skene: bool = False) -> Iterator[ExportItem]:
    """The project's items of ``kind`` that have current labels, in id order, ``chunk_size`` items at a
    time: one cursor over the items, then four queries per chunk (prompts, responses, labels, current
    adjudications), five with their Dawid-Skene labels (``with_dawid_skene``)."""
    chunk_size = chunk_size or EXPORT_CHUNK
    items = Item.objects.filter(project=project, kind=kind, labels_count__gt=0)
    if not include_gold:
        items = items.filter(is_gold=False)
    rows = items.order_by("id").values_list("id", "external_id", "is_gold", "prompt_id").iterator(chunk_size=chunk_size)
    for chunk in _batches(rows, chunk_size):
        ids = [row[0] for row in chunk]
        prompts = dict(Prompt.objects.filter(pk__in={row[3] for row in chunk}).values_list("id", "messages"))
        responses: dict[int, list[ExportResponse]] = {pk: [] for pk in ids}
        slots = ItemResponse.objects.filter(item_id__in=ids).order_by("item_id", "position")
        for item_id, text, model in slots.values_list("item_id", "response__text", "response__model_name"):
            responses[item_id].append(ExportResponse(text, model))
        labels: dict[int, list[dict]] = {pk: [] for pk in ids}
        current = Label.objects.filter(item_id__in=ids, is_current=True).order_by("item_id", "created_at", "id")
        for label in current.values(*ITEM_LABEL_FIELDS):
            labels[label["item_id"]].append(label)
        adjudicated = Adjudication.objects.filter(item_id__in=ids, is_current=True).values(*ADJUDICATION_FIELDS)
        adjudications = {row["item_id"]: row for row in adjudicated}
        aggregated = {}
        if with_dawid_skene:
            aggregated = {row["item_id"]: row for row in
                          DawidSkeneLabel.objects.filter(item_id__in=ids).values("item_id", "value", "label_ids")}
        for item_id, external_id, is_gold, prompt_id in chunk:
            yield ExportItem(item_id, external_id, kind, is_gold, prompts[prompt_id], responses[item_id],
                             labels[item_id], adjudications.get(item_id), aggregated.get(item_id))


def has_conversational_prompt(project: Project, *, kind: str) -> bool:
    """Whether any prompt of the project's items of ``kind`` holds more than one message (several
    turns, or a system message before the question)."""
    return Prompt.objects.filter(items__project=project, items__kind=kind, messages__1__has_key="role").exists()


# -- step exports ---------------------------------------------------------------------------------

STEP_LABEL_FIELDS = (
    "id", "item_id", "annotator__username", "step_ratings", "step_notes", "final_answer_correct", "finish_reason",
    "rationale", "flags", "active_ms", "metadata", "source", "is_current", "version", "previous_id",
    "assignment_id", "created_at",
)


@dataclass(frozen=True)
class StepExportItem:
    """A step item with what the step exports need: the prompt, the solution's steps, the item's metadata
    (``prm800k_question`` when imported from PRM800K) and its labels (dicts of ``STEP_LABEL_FIELDS``, in id
    order: current ones only unless asked for every version)."""

    id: int
    external_id: str
    is_gold: bool
    messages: list[dict]
    steps: list[str]
    metadata: dict
    labels: list[dict]

    @property
    def prompt_text(self) -> str:
        """The question: the last user turn (as ``Prompt.text``)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message.get("content", "")
        return self.messages[-1].get("content", "") if self.messages else ""


def step_items_for_export(project: Project, *, include_gold: bool = True, current_only: bool = True,
                          chunk_size: int | None = None) -> Iterator[StepExportItem]:
    """The project's step items that have labels, in id order, ``chunk_size`` items at a time: one cursor over
    the items, then three queries per chunk (prompts, steps, labels)."""
    chunk_size = chunk_size or EXPORT_CHUNK
    items = Item.objects.filter(project=project, kind=ItemKind.STEPS, labels_count__gt=0)
    if not include_gold:
        items = items.filter(is_gold=False)
    rows = items.order_by("id").values_list("id", "external_id", "is_gold", "prompt_id", "metadata").iterator(
        chunk_size=chunk_size)
    for chunk in _batches(rows, chunk_size):
        ids = [row[0] for row in chunk]
        prompts = dict(Prompt.objects.filter(pk__in={row[3] for row in chunk}).values_list("id", "messages"))
        steps = dict(ItemResponse.objects.filter(item_id__in=ids, position=0).values_list("item_id", "response__steps"))
        labels: dict[int, list[dict]] = {pk: [] for pk in ids}
        found = Label.objects.filter(item_id__in=ids)
        if current_only:
            found = found.filter(is_current=True)
        for label in found.order_by("item_id", "id").values(*STEP_LABEL_FIELDS):
            labels[label["item_id"]].append(label)
        for item_id, external_id, is_gold, prompt_id, metadata in chunk:
            yield StepExportItem(item_id, external_id, is_gold, prompts[prompt_id], steps.get(item_id) or [],
                                 metadata or {}, labels[item_id])
