"""Raw labels export: one row per label, every version, field by field."""
from datetime import timedelta

from django.utils import timezone
from export_fixtures import annotators, export, import_rows, label

from apps.labeling.models import Assignment, AssignmentStatus, Label
from apps.projects.services import current_rubric, project_create

ROWS = [
    {"id": "p1", "prompt": "Name a prime.", "responses": [{"text": "7", "model": "m-a"}, {"text": "8", "model": "m-b"}],
     "labels": [{"annotator": "vendor", "preference": 1, "scores": {"accuracy": [5, 3]}, "rationale": "7 is prime"}]},
    {"prompt": "Name an even number.", "responses": ["2", "3"], "gold": {"preference": 1}},
]


def test_every_version_with_its_fields(project, annotator):
    items = import_rows(project, ROWS)
    first, gold = items["p1"], items[""]
    rubric = current_rubric(project)
    assignment = Assignment.objects.create(project=project, item=first, annotator=annotator, shown_order=[1, 0],
                                           status=AssignmentStatus.SUBMITTED,
                                           expires_at=timezone.now() + timedelta(minutes=30))
    old = label(first, annotator, preference=-2, shown_order=[1, 0], scores={"accuracy": [2, 4], "coherence": [3, 5]},
                active_ms=5300, rationale="8 is even", flags=["unsafe"], rubric_version=rubric, assignment=assignment)
    Label.objects.filter(pk=old.pk).update(is_current=False)
    new = label(first, annotator, preference=1, shown_order=[1, 0], scores={"accuracy": [5, 1], "coherence": [4, 4]},
                active_ms=1200, rubric_version=rubric, version=2, previous=old, source="api")
    gold_label = label(gold, annotator, preference=0, shown_order=[0, 1], flags=["both_unacceptable"])
    vendor = Label.objects.get(annotator__username="ext-vendor")
    other = project_create(user=None, name="Elsewhere")
    label(import_rows(other, [{"id": "x", "prompt": "q", "responses": ["a", "b"]}])["x"], annotator, preference=1)

    rows = export(project, "labels")

    assert [row["label_id"] for row in rows] == [vendor.pk, old.pk, new.pk, gold_label.pk]
    assert rows[0] == {
        "label_id": vendor.pk, "item_id": first.pk, "item_external_id": "p1", "kind": "pair", "is_gold": False,
        "annotator": "ext-vendor", "preference": 1, "ranks": None, "step_ratings": None,
        "scores": {"accuracy": [5, 3]}, "rationale": "7 is prime", "flags": [], "shown_order": None,
        "active_ms": None, "rubric_version": 1, "source": "import", "is_current": True, "version": 1,
        "previous_id": None, "assignment_id": None, "created_at": vendor.created_at.isoformat(),
    }
    assert rows[1] == {
        "label_id": old.pk, "item_id": first.pk, "item_external_id": "p1", "kind": "pair", "is_gold": False,
        "annotator": "annotator", "preference": -2, "ranks": None, "step_ratings": None,
        "scores": {"accuracy": [2, 4], "coherence": [3, 5]}, "rationale": "8 is even", "flags": ["unsafe"],
        "shown_order": [1, 0], "active_ms": 5300, "rubric_version": 1, "source": "ui", "is_current": False,
        "version": 1, "previous_id": None, "assignment_id": assignment.pk, "created_at": old.created_at.isoformat(),
    }
    assert rows[2] == {
        "label_id": new.pk, "item_id": first.pk, "item_external_id": "p1", "kind": "pair", "is_gold": False,
        "annotator": "annotator", "preference": 1, "ranks": None, "step_ratings": None,
        "scores": {"accuracy": [5, 1], "coherence": [4, 4]}, "rationale": "", "flags": [],
        "shown_order": [1, 0], "active_ms": 1200, "rubric_version": 1, "source": "api", "is_current": True,
        "version": 2, "previous_id": old.pk, "assignment_id": None, "created_at": new.created_at.isoformat(),
    }
    assert (rows[3]["item_id"], rows[3]["item_external_id"], rows[3]["is_gold"], rows[3]["preference"],
            rows[3]["flags"], rows[3]["rubric_version"]) == (gold.pk, "", True, 0, ["both_unacceptable"], None)
    assert rows[0]["created_at"].endswith("+00:00")


def test_current_only_leaves_out_superseded_versions(project):
    item = import_rows(project, ROWS)["p1"]
    (alice,) = annotators(project, "alice")
    old = label(item, alice, preference=1, shown_order=[0, 1])
    Label.objects.filter(pk=old.pk).update(is_current=False)
    new = label(item, alice, preference=-1, shown_order=[0, 1], version=2, previous=old)
    assert [(r["label_id"], r["version"]) for r in export(project, "labels", current_only="true")] == [
        (Label.objects.get(annotator__username="ext-vendor").pk, 1), (new.pk, 2),
    ]
    assert len(export(project, "labels")) == 3


def test_ranking_and_step_labels_keep_their_shape(ranking_project, step_project, lead):
    import_rows(ranking_project, [{"id": "r", "prompt": "Sort", "responses": ["a", "b", "c"],
                                   "labels": [{"annotator": "v", "ranks": [2, 1, 3]}]}])
    import_rows(step_project, [{"id": "s", "prompt": "2+2", "responses": ["2+2\n=4"],
                                "labels": [{"annotator": "v", "steps": [1, -1]}]}])
    (ranked,) = export(ranking_project, "labels")
    (stepped,) = export(step_project, "labels")
    assert (ranked["kind"], ranked["ranks"], ranked["preference"], ranked["step_ratings"]) == (
        "ranking", [2, 1, 3], None, None)
    assert (stepped["kind"], stepped["step_ratings"], stepped["ranks"], stepped["item_external_id"]) == (
        "steps", [1, -1], None, "s")
