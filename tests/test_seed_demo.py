"""``manage.py seed_demo``: demo users, projects and items, idempotent, on SQLite and on PostgreSQL."""
import os
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import Membership, Role, User
from apps.core.demo import seeding
from apps.core.demo.projects import USERS
from apps.datasets.models import ImportBatch, Item, ItemKind
from apps.labeling.models import Label, LabelSource
from apps.projects.models import Project, RubricVersion
from apps.projects.services import current_rubric

ROOT = Path(__file__).resolve().parent.parent
PAIRWISE, STEPS = "demo-helpfulness-accuracy", "demo-math-steps"


def manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """manage.py on the embedded defaults: SQLite under tmp_path, no server needed."""
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "HOST", "PORT", "CELERY_TASK_ALWAYS_EAGER",
    }}
    env.update(DJANGO_SETTINGS_MODULE="annotation_platform.settings", DEBUG="1", VAR_DIR=str(tmp_path))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def sqlite_counts(db: Path) -> dict[str, int]:
    queries = {
        "users": "SELECT count(*) FROM accounts_user",
        "memberships": "SELECT count(*) FROM accounts_membership",
        "projects": "SELECT count(*) FROM projects_project",
        "rubric_versions": "SELECT count(*) FROM projects_rubricversion",
        "batches": "SELECT count(*) FROM datasets_importbatch",
        "labels": "SELECT count(*) FROM labeling_label",
        "pair_items": f"SELECT count(*) FROM datasets_item i JOIN projects_project p ON p.id = i.project_id "
                      f"WHERE p.slug = '{PAIRWISE}' AND i.kind = 'pair'",
        "step_items": f"SELECT count(*) FROM datasets_item i JOIN projects_project p ON p.id = i.project_id "
                      f"WHERE p.slug = '{STEPS}' AND i.kind = 'steps'",
        "gold_items": "SELECT count(*) FROM datasets_item WHERE is_gold AND gold_answer IS NOT NULL",
        "demo_users": "SELECT count(*) FROM accounts_user WHERE username IN "
                      "('annotator1', 'annotator2', 'annotator3', 'lead', 'admin')",
        "staff": "SELECT count(*) FROM accounts_user WHERE username = 'admin' AND is_staff AND is_superuser",
    }
    with sqlite3.connect(db) as conn:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in queries.items()}


def test_seed_on_the_embedded_sqlite_database_prints_logins_and_is_idempotent(tmp_path):
    migrated = manage(tmp_path, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr

    started = time.monotonic()
    first = manage(tmp_path, "seed_demo")
    elapsed = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert elapsed < 20
    for user in USERS:
        assert f"{user.username:<12} {user.password:<17} {user.role}" in first.stdout
    assert "http://127.0.0.1:8000/accounts/login/" in first.stdout
    assert "Project 'Demo: helpfulness & accuracy' (demo-helpfulness-accuracy): created; 222 items, 11 gold" \
        in first.stdout
    counts = sqlite_counts(tmp_path / "db.sqlite3")

    second = manage(tmp_path, "seed_demo")
    assert second.returncode == 0, second.stderr
    assert "already there" in second.stdout and "imported now" not in second.stdout
    assert "annotator1   annotator1-demo" in second.stdout
    assert sqlite_counts(tmp_path / "db.sqlite3") == counts

    assert counts["pair_items"] >= 200
    assert counts["step_items"] == 40
    assert counts["gold_items"] == 11 + 4
    assert counts["demo_users"] == 5 and counts["staff"] == 1
    assert counts["projects"] == 2 and counts["rubric_versions"] == 2 and counts["batches"] == 2
    assert counts["memberships"] == 10
    assert counts["labels"] == 6


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_users_have_their_roles_in_both_projects(seeded):
    for demo in USERS:
        user = User.objects.get(username=demo.username)
        assert user.check_password(demo.password)
        assert user.is_active and not user.is_external
        assert (user.is_staff, user.is_superuser) == (demo.staff, demo.staff)
        roles = dict(Membership.objects.filter(user=user).values_list("project__slug", "role"))
        assert roles == {PAIRWISE: demo.role, STEPS: demo.role}
    assert User.objects.get(username="admin").is_staff
    assert Membership.objects.get(user__username="lead", project__slug=PAIRWISE).role == Role.LEAD


def test_pairwise_project_has_its_settings_a_three_dimension_rubric_with_anchors_and_guidelines(seeded):
    project = Project.objects.get(slug=PAIRWISE)
    assert project.name == "Demo: helpfulness & accuracy"
    assert (project.task_type, project.preference_scale, project.overlap, project.gold_rate,
            project.randomize_sides) == ("pairwise", "five", 3, 0.05, True)
    rubric = current_rubric(project)
    dimensions = list(rubric.dimensions.all())
    assert [d.key for d in dimensions] == ["factual-accuracy", "coherence", "instruction-following"]
    for dimension in dimensions:
        assert (dimension.scale_min, dimension.scale_max) == (1, 5)
        assert all(len(dimension.anchor_for(point)) > 20 for point in dimension.points), dimension.anchors
    assert "## The preference scale" in rubric.guidelines and "| **Tie** |" in rubric.guidelines


def test_pairwise_project_holds_over_200_items_of_three_kinds_and_gold_on_both_sides(seeded):
    items = Item.objects.filter(project__slug=PAIRWISE)
    assert items.count() >= 200
    assert set(items.values_list("kind", flat=True)) == {ItemKind.PAIR}
    categories = set(items.values_list("metadata__category", flat=True))
    assert categories == {"arithmetic", "factual", "instruction-following"}
    assert all(item.slots.count() == 2 for item in items[:20])

    gold = items.filter(is_gold=True)
    assert 9 <= gold.count() <= 13
    answers = [item.gold_answer["preference"] for item in gold]
    assert set(answers) == {2, -2}, "the better response is sometimes first and sometimes second"

    conversations = [item for item in items.select_related("prompt") if item.prompt.is_multi_turn]
    assert len(conversations) >= 20
    legacy = Label.objects.filter(item__project__slug=PAIRWISE, annotator__username="ext-legacy-vendor")
    assert legacy.count() == 6 and set(legacy.values_list("source", flat=True)) == {LabelSource.IMPORT}


def test_step_project_holds_solutions_split_into_steps_with_gold_marks(seeded):
    project = Project.objects.get(slug=STEPS)
    assert project.name == "Demo: math steps"
    assert (project.task_type, project.stop_at_first_error) == ("steps", True)
    assert "Stop at the first error" in current_rubric(project).guidelines
    items = Item.objects.filter(project=project).prefetch_related("responses")
    assert items.count() == 40
    assert set(items.values_list("kind", flat=True)) == {ItemKind.STEPS}
    for item in items:
        (response,) = item.responses.all()
        assert len(response.steps) >= 3
        if item.is_gold:
            assert len(item.gold_answer["steps"]) == len(response.steps)
    gold_marks = [item.gold_answer["steps"] for item in items if item.is_gold]
    assert len(gold_marks) == 4
    assert any(-1 in marks for marks in gold_marks) and any(-1 not in marks for marks in gold_marks)


def test_seeding_twice_changes_nothing(seeded):
    def snapshot():
        return {
            model.__name__: model.objects.count()
            for model in (User, Membership, Project, RubricVersion, Item, ImportBatch, Label)
        } | {"passwords": list(User.objects.order_by("username").values_list("password", flat=True))}

    before = snapshot()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert snapshot() == before
    assert out.getvalue().count("already there") == 2
    assert "Users created" not in out.getvalue()
    assert "Users created: annotator1, annotator2, annotator3, lead, admin." in seeded


def test_a_rejected_demo_file_stops_the_seed_and_leaves_nothing_behind(db, monkeypatch):
    bad_row = {"id": "broken", "prompt": "2 + 2?", "responses": [{"text": "4"}, {"text": "5"}], "typo": 1}
    monkeypatch.setattr(seeding, "pairwise_rows", lambda seed: [bad_row])
    with pytest.raises(CommandError, match=r"demo-helpfulness-accuracy was rejected: line 1: unknown field 'typo'"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists() and not Project.objects.exists() and not ImportBatch.objects.exists()
