"""Checking planned items against what the project already holds, in a few bulk queries.

An item already in the project (same content hash) is skipped, and so is a repeat of an item
earlier in the file; their labels still count. A label whose annotator already has a current
label on the item is not duplicated. Errors: an external id used for different content, an
item that would get more labels than the project's overlap, an annotator name whose ``ext-``
username belongs to a registered (non-external) user.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from apps.accounts.models import User
from apps.accounts.services import external_username
from apps.datasets.models import Item
from apps.labeling.models import Label
from apps.projects.models import Project

from .label_rules import ProjectRules
from .planning import PlannedItem, PlannedLabel

LOOKUP_CHUNK = 5000


def chunked(values: Iterable, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


@dataclass
class ItemSlot:
    """One distinct item of the import: new (``planned``) or already in the project (``existing_id``)."""

    planned: PlannedItem
    existing_id: int | None = None
    annotators: dict[str, int | None] = field(default_factory=dict)  # username -> line that labelled it (None: before)
    labels: list[PlannedLabel] = field(default_factory=list)


@dataclass
class Resolution:
    slots: list[ItemSlot] = field(default_factory=list)
    items_skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def new_slots(self) -> list[ItemSlot]:
        return [slot for slot in self.slots if slot.existing_id is None]

    @property
    def label_count(self) -> int:
        return sum(len(slot.labels) for slot in self.slots)


def _existing_items(project: Project, hashes: set[str]) -> dict[str, int]:
    found = {}
    for chunk in chunked(hashes):
        found.update(Item.objects.filter(project=project, content_hash__in=chunk).values_list("content_hash", "id"))
    return found


def _existing_external_ids(project: Project, external_ids: set[str]) -> dict[str, str]:
    found = {}
    for chunk in chunked(external_ids):
        found.update(
            Item.objects.filter(project=project, external_id__in=chunk).values_list("external_id", "content_hash")
        )
    return found


def _current_annotators(item_ids: Iterable[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for chunk in chunked(item_ids):
        rows = Label.objects.filter(item_id__in=chunk, is_current=True).values_list("item_id", "annotator__username")
        for item_id, username in rows:
            found.setdefault(item_id, set()).add(username)
    return found


def _registered_names(names: set[str]) -> set[str]:
    """Annotator names whose ``ext-`` username is already taken by a registered user."""
    by_username = {external_username(name): name for name in names}
    taken = User.objects.filter(username__in=list(by_username), is_external=False).values_list("username", flat=True)
    return {by_username[username] for username in taken}


def resolve(project: Project, planned: list[PlannedItem], rules: ProjectRules) -> Resolution:
    result = Resolution()
    existing = _existing_items(project, {item.content_hash for item in planned})
    external_ids = _existing_external_ids(project, {item.external_id for item in planned if item.external_id})
    current = _current_annotators(existing.values())
    registered = _registered_names({label.annotator for item in planned for label in item.labels})
    slots: dict[str, ItemSlot] = {}
    file_ids: dict[str, tuple[str, int]] = {}

    def error(line: int, reason: str) -> None:
        result.errors.append((line, reason))

    for item in planned:
        line = item.line
        if item.external_id:
            owner = external_ids.get(item.external_id)
            earlier = file_ids.setdefault(item.external_id, (item.content_hash, line))
            if owner is not None and owner != item.content_hash:
                error(line, f"id '{item.external_id}' is already used in this project by an item with different content")
                continue
            if earlier[0] != item.content_hash:
                error(line, f"id '{item.external_id}' is also used on line {earlier[1]} for different content")
                continue
        slot = slots.get(item.content_hash)
        if slot is None:
            slot = ItemSlot(planned=item, existing_id=existing.get(item.content_hash))
            if slot.existing_id is not None:
                slot.annotators = dict.fromkeys(current.get(slot.existing_id, ()))
                result.items_skipped += 1
            slots[item.content_hash] = slot
            result.slots.append(slot)
        else:
            result.items_skipped += 1
        for label in item.labels:
            if label.annotator in registered:
                error(line, f"annotator '{label.annotator}': the username '{external_username(label.annotator)}' "
                            "belongs to a registered user, not an external annotator; rename the annotator in the file")
                continue
            username = external_username(label.annotator)
            if username in slot.annotators:
                earlier_line = slot.annotators[username]
                if earlier_line is not None and earlier_line != line:
                    warning = f"annotator '{label.annotator}' already labelled this item on line {earlier_line}; " \
                              "this label is skipped"
                    result.warnings.append((line, warning))
                continue
            slot.annotators[username] = line
            slot.labels.append(label)
            if len(slot.annotators) > rules.overlap:
                error(line, f"too many labels: this item would have {len(slot.annotators)} labels, more than the "
                            f"project's overlap of {rules.overlap}")
    return result
