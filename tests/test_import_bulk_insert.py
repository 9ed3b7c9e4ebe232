"""The COPY fast path on PostgreSQL and the portable bulk_create fallback store the same thing."""
import json

import pytest
from django.db import IntegrityError, transaction

from apps.datasets.importers import bulk_insert
from apps.datasets.models import Item, Prompt
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label
from apps.projects.services import DimensionSpec, project_create

ROWS = [
    {"id": "a", "prompt": [{"role": "user", "content": "é?"}], "responses": [{"text": "x", "model": "m"}, "y"],
     "gold": {"preference": -1}, "metadata": {"k": [1, None]},
     "labels": [{"annotator": "v", "preference": 1, "scores": {"accuracy": [3, None]}}]},
    {"prompt": "plain", "responses": ["u", "w"]},
]


def snapshot(project):
    items = []
    for item in items_of(project):
        label = Label.objects.filter(item=item).first()
        items.append((
            item.kind, item.external_id, item.is_gold, item.gold_answer, item.reference, item.metadata,
            item.prompt.messages, [(r.text, r.model_name, r.steps, r.metadata) for r in item_responses(item)],
            label and (label.annotator.username, label.preference, label.scores, label.is_current, label.version,
                       label.source, label.rubric_version_id is not None, label.created_at is not None),
        ))
    return items


def run(project):
    data = "\n".join(json.dumps(r) for r in ROWS).encode()
    return import_file(project=project, user=None, data=data, filename="r.jsonl")


def test_copy_and_bulk_create_agree(project, lead, monkeypatch):
    assert run(project).status == "accepted"
    other = project_create(user=lead, name="Fallback", dimensions=[DimensionSpec("accuracy", "Accuracy")], overlap=2)
    monkeypatch.setattr(bulk_insert, "_uses_copy", lambda: False)
    assert run(other).status == "accepted"
    assert snapshot(other) == snapshot(project)
    assert Item.objects.filter(project=project).first().created_at is not None


def test_copy_ids_follow_the_sequence(project):
    run(project)
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "later"}], content_hash="h")
    assert prompt.id > max(Prompt.objects.exclude(pk=prompt.pk).values_list("id", flat=True))


def test_a_database_conflict_in_copy_is_a_django_integrity_error(project):
    rows = [(project.id, [{"role": "user", "content": "x"}], "same-hash")] * 2
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert.insert_rows(Prompt, ["project_id", "messages", "content_hash"], rows)
