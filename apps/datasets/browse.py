"""Reads behind the data pages and API: imports, items with their content, imported labels."""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from apps.labeling.models import Label

from .models import ImportBatch, Item, ItemKind, ItemResponse


def imports_of(project) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(project=project).select_related("uploaded_by").order_by("-created_at")


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


def items_of(project, filters: ItemFilters = ItemFilters()) -> QuerySet[Item]:
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
