"""/api/projects/ and /api/projects/{slug}/: list, create with rubric, read, patch, delete."""
import pytest
from django.contrib.auth.models import Permission

from apps.accounts.models import Membership, Role
from apps.datasets.models import Item, Prompt
from apps.labeling.models import Label
from apps.projects.models import Project, RubricVersion
from tests.conftest import make_user

DETAIL = "/api/projects/helpfulness/"
NEW = {
    "name": "Math steps",
    "task_type": "steps",
    "step_split": "markers",
    "stop_at_first_error": True,
    "overlap": 2,
    "guidelines": "Mark each step.",
    "dimensions": [{"key": "clarity", "name": "Clarity", "scale_min": 0, "scale_max": 2, "anchors": {"0": "Opaque"}}],
}


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_list_is_paginated_and_only_mine(api, project, annotator):
    body = as_user(api, annotator).get("/api/projects/").json()
    assert body["count"] == 1 and body["next"] is None
    (row,) = body["results"]
    assert (row["slug"], row["role"], row["item_count"], row["rubric_version"]) == ("helpfulness", "annotator", 0, 1)
    assert row["overlap"] == 2 and row["task_type"] == "pairwise"


def test_staff_list_everything(api, project, staff):
    body = as_user(api, staff).get("/api/projects/").json()
    assert [(r["slug"], r["role"]) for r in body["results"]] == [
        ("helpfulness", "admin"), ("other-teams-project", "admin"),
    ]


def test_list_pages(api, staff, lead):
    from apps.projects.services import project_create

    for i in range(51):
        project_create(user=lead, name=f"P{i:02}")
    body = as_user(api, staff).get("/api/projects/").json()
    assert body["count"] == 51 and len(body["results"]) == 50
    assert body["next"].endswith("/api/projects/?page=2")
    assert len(api.get("/api/projects/?page=2").json()["results"]) == 1


def test_list_filters_by_name_or_slug_my_role_and_task_type(api, project, lead, annotator, staff):
    from apps.projects.services import project_create

    project_create(user=lead, name="Math steps", task_type="steps", slug="arith")
    Membership.objects.create(user=annotator, project=project_create(user=staff, name="Ranked answers",
                                                                     task_type="ranking"), role=Role.LEAD)

    def slugs(user, **query):
        response = as_user(api, user).get("/api/projects/", query)
        assert response.status_code == 200, response.content
        return [row["slug"] for row in response.json()["results"]]

    assert slugs(annotator) == ["helpfulness", "ranked-answers"]
    assert slugs(annotator, role="lead") == ["ranked-answers"]
    assert slugs(annotator, role="annotator") == ["helpfulness"]
    assert slugs(annotator, role="admin") == []
    assert slugs(lead, q="MATH") == ["arith"]  # the name, any case
    assert slugs(lead, q="ari") == ["arith"]  # or the slug
    assert slugs(lead, q="help\x00ful") == ["helpfulness"]  # NUL dropped, as the other text filters drop it
    assert slugs(lead, task_type="steps") == ["arith"]
    assert slugs(staff, role="admin", task_type="ranking") == ["ranked-answers"]  # staff: admin everywhere
    assert slugs(staff, role="lead") == []
    assert slugs(staff, q="other") == ["other-teams-project"]


@pytest.mark.parametrize("query", [{"role": "owner"}, {"task_type": "essay"}, {"q": "x" * 201}, {"role": "\x00"}])
def test_list_bad_filters_are_400_naming_the_parameter(api, project, lead, query):
    response = as_user(api, lead).get("/api/projects/", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and next(iter(query)) in error["details"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_401(api, project, method):
    assert getattr(api, method)("/api/projects/").status_code == 401


def test_create_with_rubric_in_one_body(api, project, lead):
    response = as_user(api, lead).post("/api/projects/", NEW, format="json")
    body = response.json()
    assert response.status_code == 201
    assert (body["slug"], body["role"], body["rubric_version"]) == ("math-steps", "lead", 1)
    created = Project.objects.get(slug="math-steps")
    assert (created.task_type, created.step_split, created.stop_at_first_error, created.overlap) == (
        "steps", "markers", True, 2,
    )
    version = created.rubric_versions.get()
    assert version.guidelines == "Mark each step."
    dim = version.dimensions.get()
    assert (dim.key, dim.scale_min, dim.scale_max, dim.anchors) == ("clarity", 0, 2, {"0": "Opaque"})
    assert Membership.objects.get(project=created, user=lead).role == Role.LEAD


def test_create_with_an_explicit_slug(api, project, lead):
    response = as_user(api, lead).post("/api/projects/", {"name": "X", "slug": "my-x"}, format="json")
    assert response.json()["slug"] == "my-x"


@pytest.mark.parametrize("slug", ["helpfulness", "new"])
def test_create_with_a_taken_slug_is_400(api, project, lead, slug):
    response = as_user(api, lead).post("/api/projects/", {"name": "X", "slug": slug}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "slug: This slug is taken."


def test_staff_creates_without_becoming_a_member(api, staff):
    response = as_user(api, staff).post("/api/projects/", {"name": "Staff project"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "admin"
    assert not Membership.objects.exists()


@pytest.mark.parametrize("who", ["annotator"])
def test_create_refused_without_the_right(api, project, users, who):
    response = as_user(api, users[who]).post("/api/projects/", NEW, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Project.objects.filter(name="Math steps").exists()


def test_create_allowed_by_the_django_permission(api, db):
    user = make_user("creator")
    user.user_permissions.add(Permission.objects.get(codename="add_project"))
    assert as_user(api, user).post("/api/projects/", {"name": "Perm"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"overlap": 0}, "overlap"),
        ({"overlap": "many"}, "overlap"),
        ({"gold_rate": 1.5}, "gold_rate"),
        ({"gold_rate": "NaN"}, "gold_rate"),
        ({"ranking_k": 9}, "ranking_k"),
        ({"lease_minutes": 0}, "lease_minutes"),
        ({"task_type": "essay"}, "task_type"),
        ({"preference_scale": "ten"}, "preference_scale"),
        ({"rationale": "always"}, "rationale"),
        ({"name": ""}, "name"),
        ({"colour": "blue"}, "colour"),
        ({"dimensions": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]}, "dimensions"),
        ({"dimensions": [{"key": "a", "name": "A", "anchors": {"9": "x"}}]}, "dimensions"),
        ({"dimensions": [{"key": "a", "name": "A", "scale_min": 3, "scale_max": 3}]}, "dimensions"),
        ({"dimensions": [{"key": "not a slug", "name": "A"}]}, "dimensions"),
        ({"dimensions": "accuracy"}, "dimensions"),
    ],
)
def test_create_bad_input_is_400_naming_the_field(api, project, lead, changes, field):
    response = as_user(api, lead).post("/api/projects/", {**NEW, **changes}, format="json")
    body = response.json()
    assert response.status_code == 400
    assert body["error"]["code"] == "invalid"
    assert field in body["error"]["details"]
    assert body["error"]["message"].startswith(f"{field}: ")
    assert not Project.objects.filter(slug="math-steps").exists()


def test_create_without_name_is_400(api, project, lead):
    response = as_user(api, lead).post("/api/projects/", {"task_type": "pairwise"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["name"] == ["This field is required."]


@pytest.mark.parametrize("body", ["{oops", "[1, 2]", '"just a string"'])
def test_malformed_or_non_object_bodies_are_400(api, project, lead, body):
    response = as_user(api, lead).post("/api/projects/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "details"}


# --- detail


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_get_access(api, project, users, who, status):
    assert as_user(api, users[who]).get(DETAIL).status_code == status


def test_get_anonymous_is_401(api, project):
    assert api.get(DETAIL).status_code == 401


def test_get_unknown_is_404_in_the_error_shape(api, project, lead):
    response = as_user(api, lead).get("/api/projects/nope/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_get_returns_settings_and_my_role(api, project, lead):
    body = as_user(api, lead).get(DETAIL).json()
    assert body["name"] == "Helpfulness" and body["role"] == "lead" and body["rubric_version"] == 1
    assert body["gold_rate"] == 0.05 and body["preference_scale"] == "tie"


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_patch_access(api, project, users, who, status):
    response = as_user(api, users[who]).patch(DETAIL, {"overlap": 5}, format="json")
    assert response.status_code == status
    project.refresh_from_db()
    assert project.overlap == (5 if status == 200 else 2)


def test_patch_changes_only_what_is_sent(api, project, lead):
    body = as_user(api, lead).patch(DETAIL, {"gold_rate": 0.25, "randomize_sides": False}, format="json").json()
    assert (body["gold_rate"], body["randomize_sides"], body["overlap"]) == (0.25, False, 2)


@pytest.mark.parametrize(
    "body, field",
    [({"overlap": 0}, "overlap"), ({"gold_rate": 1.5}, "gold_rate"), ({"ranking_k": 9}, "ranking_k"),
     ({"slug": "renamed"}, "slug"), ({"name": None}, "name")],
)
def test_patch_bad_input_is_400(api, project, lead, body, field):
    response = as_user(api, lead).patch(DETAIL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_patch_task_type_frozen_once_items_exist(api, project, lead):
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}], content_hash="p")
    Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="h")
    response = as_user(api, lead).patch(DETAIL, {"task_type": "ranking"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "task_type: Cannot change once the project has items."


def test_patch_preference_scale_frozen_once_labels_exist(api, project, lead, annotator):
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}], content_hash="p")
    item = Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="h")
    Label.objects.create(item=item, annotator=annotator, preference=1)
    response = as_user(api, lead).patch(DETAIL, {"preference_scale": "binary"}, format="json")
    assert response.status_code == 400
    assert "preference_scale" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 403), ("padmin", 204), ("staff", 204)]
)
def test_delete_only_for_project_admin_or_staff(api, project, users, who, status):
    assert as_user(api, users[who]).delete(DETAIL).status_code == status
    assert Project.objects.filter(slug="helpfulness").exists() is (status != 204)


def test_delete_takes_items_labels_and_versions(api, project, staff, annotator, lead):
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}], content_hash="p")
    item = Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="h")
    version = project.rubric_versions.get()
    first = Label.objects.create(item=item, annotator=annotator, preference=1, rubric_version=version,
                                 is_current=False)
    Label.objects.create(item=item, annotator=annotator, preference=-1, rubric_version=version, previous=first,
                         version=2)
    assert as_user(api, staff).delete(DETAIL).status_code == 204
    assert not Label.objects.exists() and not Item.objects.exists()
    assert not RubricVersion.objects.filter(project_id=project.pk).exists()
    assert Project.objects.filter(slug="other-teams-project").exists()


def test_delete_takes_adjudications_and_model_versions_too(api, project, staff, lead, settings):
    """Adjudications protect their rubric version and model versions their run: deleting used to answer 409."""
    from apps.datasets.services import import_native_rows
    from apps.labeling.judgements import Judgement
    from apps.quality.adjudication import adjudicate
    from apps.quality.models import Adjudication
    from apps.rewardmodels import services as models
    from apps.rewardmodels.models import ModelVersion, RunStatus, Score, TrainingRun

    import_native_rows(project=project, user=lead, rows=[
        {"id": "x", "prompt": "q", "responses": ["a", "b"],
         "labels": [{"annotator": "r1", "preference": 1}, {"annotator": "r2", "preference": -1}]}])
    item = Item.objects.get(project=project)
    scores = {d.key: [3, 3] for d in project.rubric_versions.get().dimensions.all()}
    adjudicate(project=project, user=lead, item_id=item.pk, judgement=Judgement(preference=1, scores=scores))
    run = TrainingRun.objects.create(project=project, kind="outcome", status=RunStatus.RUNNING)
    (settings.MODEL_STORE / "v1").mkdir(parents=True)
    version = models.run_succeed(run.pk, path="v1", metrics={})
    models.scores_replace(version, [{"response_id": item.slots.first().response_id, "reward": 1.0}])
    assert as_user(api, staff).delete(DETAIL).status_code == 204
    assert not Project.objects.filter(slug="helpfulness").exists()
    for model in (Adjudication, ModelVersion, TrainingRun, Score, Item, Label):
        assert not model.objects.exists(), model


def test_ranking_k_is_free_on_a_pairwise_project_with_items(api, project, lead):
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}], content_hash="p")
    Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="h")
    assert as_user(api, lead).patch(DETAIL, {"ranking_k": 6}, format="json").status_code == 200


def test_ranking_k_is_frozen_on_a_ranking_project_with_items(api, ranking_project, lead):
    prompt = Prompt.objects.create(project=ranking_project, messages=[{"role": "user", "content": "q"}],
                                   content_hash="p")
    Item.objects.create(project=ranking_project, kind="ranking", prompt=prompt, content_hash="h")
    response = as_user(api, lead).patch("/api/projects/ranking/", {"ranking_k": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "ranking_k: Cannot change once the project has items."
