"""Storing resolved items in bulk: prompts, responses, items, their response slots and labels.

Prompts and responses are shared: one already in the project (same content hash) is reused.
Every query works on chunks or batches, never on one row at a time; rows go in through
``bulk_insert.insert_rows`` (COPY on PostgreSQL). Runs inside the import's transaction.
"""
from apps.accounts.services import external_annotators
from apps.datasets.models import ImportBatch, Item, ItemResponse, Prompt, Response
from apps.labeling.models import Label, LabelSource
from apps.projects.models import Project, RubricVersion

from .bulk_insert import insert_rows
from .resolution import ItemSlot, chunked


def _prompt_ids(project: Project, slots: list[ItemSlot]) -> dict[str, int]:
    wanted = {slot.planned.prompt_hash: slot.planned.messages for slot in slots}
    ids = {}
    for chunk in chunked(wanted):
        ids.update(Prompt.objects.filter(project=project, content_hash__in=chunk).values_list("content_hash", "id"))
    missing = [key for key in wanted if key not in ids]
    created = insert_rows(Prompt, ["project_id", "messages", "content_hash"],
                          [(project.id, wanted[key], key) for key in missing])
    ids.update(zip(missing, created))
    return ids


def _response_ids(project: Project, slots: list[ItemSlot], prompt_ids: dict[str, int]) -> dict[tuple[int, str], int]:
    wanted = {}
    for slot in slots:
        prompt_id = prompt_ids[slot.planned.prompt_hash]
        for response in slot.planned.responses:
            wanted.setdefault((prompt_id, response.content_hash), response)
    ids = {}
    for chunk in chunked({key for _, key in wanted}):
        rows = Response.objects.filter(project=project, content_hash__in=chunk).values_list(
            "prompt_id", "content_hash", "id"
        )
        ids.update(((prompt_id, key), pk) for prompt_id, key, pk in rows)
    missing = [key for key in wanted if key not in ids]
    created = insert_rows(
        Response, ["project_id", "prompt_id", "text", "model_name", "steps", "content_hash", "metadata"],
        [(project.id, prompt_id, r.text, r.model, r.steps, key, r.metadata)
         for (prompt_id, key), r in ((k, wanted[k]) for k in missing)],
    )
    ids.update(zip(missing, created))
    return ids


def _create_items(project: Project, batch: ImportBatch, slots: list[ItemSlot]) -> None:
    """Creates the new slots' items and their response slots; sets ``existing_id`` on each slot."""
    prompt_ids = _prompt_ids(project, slots)
    response_ids = _response_ids(project, slots, prompt_ids)
    item_ids = insert_rows(
        Item,
        ["project_id", "kind", "prompt_id", "external_id", "content_hash", "is_gold", "gold_answer", "reference",
         "priority", "overlap", "metadata", "import_batch_id"],
        [
            (project.id, p.kind, prompt_ids[p.prompt_hash], p.external_id, p.content_hash, p.gold_answer is not None,
             p.gold_answer, p.reference, p.priority, project.overlap, p.metadata, batch.id)
            for p in (slot.planned for slot in slots)
        ],
    )
    item_responses = []
    for slot, item_id in zip(slots, item_ids):
        slot.existing_id = item_id
        prompt_id = prompt_ids[slot.planned.prompt_hash]
        for position, response in enumerate(slot.planned.responses):
            item_responses.append((item_id, response_ids[(prompt_id, response.content_hash)], position))
    insert_rows(ItemResponse, ["item_id", "response_id", "position"], item_responses, return_ids=False)


def write_import(*, project: Project, batch: ImportBatch, slots: list[ItemSlot], rubric: RubricVersion | None) -> None:
    new_slots = [slot for slot in slots if slot.existing_id is None]
    if new_slots:
        _create_items(project, batch, new_slots)
    names = {label.annotator for slot in slots for label in slot.labels}
    if not names:
        return
    users = external_annotators(names)
    rubric_id = rubric.id if rubric else None
    insert_rows(
        Label,
        ["item_id", "annotator_id", "rubric_version_id", "preference", "ranks", "step_ratings", "scores", "rationale",
         "flags", "metadata", "source", "is_current", "version", "import_batch_id", "step_notes",
         "final_answer_correct", "finish_reason", "active_ms"],
        [
            (slot.existing_id, users[label.annotator].id, rubric_id, label.preference, label.ranks,
             label.step_ratings, label.scores, label.rationale, label.flags, label.metadata, LabelSource.IMPORT,
             True, 1, batch.id, label.step_notes, label.final_answer_correct, label.finish_reason, label.active_ms)
            for slot in slots for label in slot.labels
        ],
        return_ids=False,
    )
