"""Reads for datasets: a project's items and its import batches."""
from django.db.models import Prefetch, QuerySet

from apps.projects.models import Project

from .models import ImportBatch, Item, ItemResponse


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
