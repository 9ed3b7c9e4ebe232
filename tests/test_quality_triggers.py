"""The database triggers behind label counts and the quality summaries: installed after every ``migrate`` (also on
SQLite, which drops a table's triggers when a migration rebuilds it), statement-level on PostgreSQL so bulk loads
are fast, and right on the bulk path (one statement touching many items) as on the one-item path."""
import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from apps.datasets.importers.bulk_insert import insert_rows
from apps.datasets.models import Item, Prompt
from apps.labeling import label_count_sql
from apps.labeling.models import Label
from apps.projects.services import project_create
from apps.quality import live_sql, selectors
from apps.quality.live_sql import SMALL_REFRESH
from apps.quality.models import PatternCount
from apps.quality.trigger_guard import ensure_triggers
from tests.conftest import DEFAULT_DIMENSIONS, make_user
from tests.test_quality_live import _check

ROOT = Path(__file__).resolve().parent.parent
LABEL_COLUMNS = ["item_id", "annotator_id", "preference", "scores", "flags", "shown_order", "active_ms", "rationale"]


def _items(project, n):
    prompts = insert_rows(Prompt, ["project_id", "messages", "content_hash"],
                          [(project.pk, [{"role": "user", "content": "q"}], f"t{project.pk}-{i}") for i in range(n)])
    ids = insert_rows(Item, ["project_id", "kind", "prompt_id", "external_id", "content_hash", "overlap"],
                      [(project.pk, "pair", p, f"e{i}", f"t{project.pk}-{i}", project.overlap)
                       for i, p in enumerate(prompts)])
    return ids


def _rows(rng, item_ids, annotators, per_item):
    return [(item_id, a.pk, rng.choice([-2, -1, 0, 1, 2]),
             {"accuracy": [rng.randint(1, 5), rng.randint(1, 5)]}, rng.choice([[], ["unsafe"]]),
             rng.choice([[0, 1], [1, 0]]), rng.randint(500, 9000), "")
            for item_id in item_ids for a in annotators[:per_item]]


@pytest.fixture
def annotators(db):
    return [make_user(f"trig{i}") for i in range(3)]


@pytest.fixture
def project(lead):
    return project_create(user=lead, name="Triggers", dimensions=DEFAULT_DIMENSIONS, overlap=3)


def _labels_counts(item_ids):
    return dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "labels_count"))


def test_bulk_statements_over_many_items_keep_summaries_equal_to_recomputation(project, annotators):
    rng = random.Random(4)
    item_ids = _items(project, SMALL_REFRESH + 20)  # more items in one statement than the one-by-one path takes
    insert_rows(Label, LABEL_COLUMNS, _rows(rng, item_ids, annotators, 2))
    _check()
    Label.objects.filter(item__project=project).update(preference=1, flags=["unsafe"])  # one UPDATE, many items
    _check()
    insert_rows(Label, LABEL_COLUMNS, _rows(rng, item_ids[:70], annotators[2:], 1), use_copy=False)
    _check()
    Label.objects.filter(item_id__in=item_ids[::2]).delete()  # one DELETE, many items
    _check()
    board = selectors.project_dashboard(project)
    assert board["headline"]["labels"] == Label.objects.filter(item__project=project, is_current=True).count()


def test_label_counts_follow_bulk_inserts_updates_and_deletes(project, annotators):
    rng = random.Random(5)
    item_ids = _items(project, 30)
    insert_rows(Label, LABEL_COLUMNS, _rows(rng, item_ids, annotators, 3))
    assert set(_labels_counts(item_ids).values()) == {3}
    Label.objects.filter(item_id__in=item_ids[:10], annotator=annotators[0]).update(is_current=False)
    counts = _labels_counts(item_ids)
    assert [counts[i] for i in item_ids[:10]] == [2] * 10 and counts[item_ids[10]] == 3
    Label.objects.filter(item_id__in=item_ids[5:15], is_current=True).delete()
    counts = _labels_counts(item_ids)
    assert [counts[i] for i in item_ids[5:15]] == [0] * 10 and counts[item_ids[15]] == 3


def test_a_bulk_insert_that_would_overfill_an_item_is_refused_whole(project, annotators):
    item_ids = _items(project, 3)
    insert_rows(Label, LABEL_COLUMNS, _rows(random.Random(6), item_ids[:1], annotators, 3))
    extra = make_user("trig-extra")
    rows = _rows(random.Random(7), item_ids, [extra], 1)  # one label for each item; the first one is full
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Label, LABEL_COLUMNS, rows)
    assert _labels_counts(item_ids) == {item_ids[0]: 3, item_ids[1]: 0, item_ids[2]: 0}


def test_dashboard_item_count_is_kept_without_counting_items(project, annotators, django_assert_max_num_queries):
    item_ids = _items(project, 12)
    Item.objects.filter(pk__in=item_ids[:2]).delete()
    with django_assert_max_num_queries(5):
        board = selectors.project_dashboard(project)
    assert board["headline"]["items"] == 10
    assert PatternCount.objects.get(project_id=project.pk, metric="items").units == 10


def test_dashboard_figures_change_with_every_label_although_results_are_cached(project, annotators):
    item_ids = _items(project, 2)
    for a, p in zip(annotators, [2, 2, 2]):
        Label.objects.create(item_id=item_ids[0], annotator=a, preference=p)
    Label.objects.create(item_id=item_ids[1], annotator=annotators[0], preference=-2)
    first = selectors.project_dashboard(project)
    assert selectors.project_dashboard(project)["preference"] == first["preference"]  # a cached read: same figures
    first["preference"]["alpha_ordinal"]["details"]["changed"] = True  # callers may change what they get
    assert "changed" not in selectors.project_dashboard(project)["preference"]["alpha_ordinal"]["details"]
    Label.objects.create(item_id=item_ids[1], annotator=annotators[1], preference=2)
    after = selectors.project_dashboard(project)
    assert after["headline"]["labels"] == first["headline"]["labels"] + 1
    assert after["preference"]["alpha_ordinal"]["value"] != first["preference"]["alpha_ordinal"]["value"]
    selectors.RESULTS.clear()
    assert selectors.project_dashboard(project)["preference"] == after["preference"]


def test_guard_reinstalls_missing_triggers_and_repairs_what_they_keep(project, annotators):
    item_ids = _items(project, 4)
    live_sql.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS labeling_label_count_insert ON labeling_label")
    insert_rows(Label, LABEL_COLUMNS, _rows(random.Random(8), item_ids, annotators, 2))  # nobody counts these
    assert set(_labels_counts(item_ids).values()) == {0}
    assert ensure_triggers(connection, verbosity=0) == {"label_count": True, "quality": True}
    assert live_sql.installed(connection) and label_count_sql.installed(connection)
    assert set(_labels_counts(item_ids).values()) == {2}
    _check()
    assert ensure_triggers(connection, verbosity=0) == {"label_count": False, "quality": False}  # idempotent
    Label.objects.create(item_id=item_ids[0], annotator=make_user("trig-late"), preference=1)
    assert _labels_counts(item_ids)[item_ids[0]] == 3
    _check()


# --- SQLite (``make run``'s embedded database) -----------------------------------------------------------------

def _manage(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "HOST", "PORT", "CELERY_TASK_ALWAYS_EAGER"}}
    env.update(DJANGO_SETTINGS_MODULE="annotation_platform.settings", DEBUG="1", VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


SQLITE_SCRIPT = """
import json
from apps.accounts.models import User
from apps.datasets.models import Item, Prompt
from apps.labeling.models import Label
from apps.projects.services import project_create
from apps.quality import selectors
if not User.objects.filter(username="sq-lead").exists():
    lead = User.objects.create_user(username="sq-lead", password="x", is_staff=True)
    raters = [User.objects.create_user(username=f"sq{i}", password="x") for i in range(3)]
    project = project_create(user=lead, name="SQLite triggers", overlap=3)
    for i in range(2):
        prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}],
                                       content_hash=f"s{i}")
        item = Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash=f"s{i}", overlap=3)
        for rater, pref in zip(raters, [2, 1, -2]):
            Label.objects.create(item=item, annotator=rater, preference=pref)
from apps.projects.models import Project
project = Project.objects.get(name="SQLite triggers")
board = selectors.project_dashboard(project)
print(json.dumps({"counts": sorted(Item.objects.filter(project=project).values_list("labels_count", flat=True)),
                  "labels": board["headline"]["labels"], "items": board["headline"]["items"],
                  "alpha": board["headline"]["alpha"]["value"]}))
"""

TRIGGERS = {"labeling_label_count_insert", "labeling_label_count_delete", "labeling_label_count_update",
            "quality_label_insert", "quality_label_delete", "quality_label_update", "quality_item_insert",
            "quality_item_delete"}


def _sqlite_triggers(db):
    with sqlite3.connect(db) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_sqlite_keeps_every_trigger_after_migrate_and_repairs_lost_ones(tmp_path):
    _manage(tmp_path, "migrate", "--noinput")
    db = tmp_path / "db.sqlite3"
    assert TRIGGERS <= _sqlite_triggers(db)  # labeling/0004 rebuilt labeling_label after 0003 made its triggers
    first = json.loads(_manage(tmp_path, "shell", "-c", SQLITE_SCRIPT).strip().splitlines()[-1])
    assert first["counts"] == [3, 3] and first["labels"] == 6 and first["items"] == 2
    assert first["alpha"] is not None

    with sqlite3.connect(db) as conn:  # what a table rebuild does: the triggers go; then labels change unseen
        for name in TRIGGERS:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DELETE FROM labeling_label WHERE id = (SELECT min(id) FROM labeling_label)")
    _manage(tmp_path, "migrate", "--noinput")
    assert TRIGGERS <= _sqlite_triggers(db)
    repaired = json.loads(_manage(tmp_path, "shell", "-c", SQLITE_SCRIPT).strip().splitlines()[-1])
    assert repaired["counts"] == [2, 3] and repaired["labels"] == 5 and repaired["items"] == 2
