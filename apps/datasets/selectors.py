"""Reads for datasets: a project's items and its import batches."""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from apps.labeling.models import Label
from apps.projects.models import Project

from .models import ImportBatch, Item, ItemKind, ItemResponse


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


def import_batches_of(project: Project) -> QuerySet[ImportBatch]:
    """The project's imports, newest first."""
    return ImportBatch.objects.filter(project=project).select_related("uploaded_by").order_by("-created_at", "-id")


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
            q=params.get("q", "").strip()[:200],
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
