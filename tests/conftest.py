"""Shared fixtures: users in each role and a project to put them in."""
import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Membership, Role, User
from apps.projects.services import DimensionSpec, project_create

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches (login-throttling counters; the progress bar's item counts)."""
    from django.core.cache import cache

    from apps.labeling import selectors

    cache.clear()
    selectors._project_counts.clear()
    yield


def make_user(username: str, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def lead(db):
    return make_user("lead")


@pytest.fixture
def annotator(db):
    return make_user("annotator")


@pytest.fixture
def project_admin(db):
    return make_user("padmin")


@pytest.fixture
def outsider(db):
    """A user with no role in ``project`` (but a role in another project)."""
    return make_user("outsider")


@pytest.fixture
def staff(db):
    return make_user("staff", is_staff=True, is_superuser=True)


DEFAULT_DIMENSIONS = [
    DimensionSpec("accuracy", "Factual accuracy", "Are the claims true?", 1, 5, {"1": "Mostly false", "5": "All true"}),
    DimensionSpec("coherence", "Coherence", "Is it well organised?", 1, 5, {"1": "Incoherent", "5": "Clear"}),
]


@pytest.fixture
def project(lead, annotator, project_admin, outsider):
    project = project_create(
        user=lead, name="Helpfulness", guidelines="Prefer the **more helpful** answer.",
        dimensions=DEFAULT_DIMENSIONS, overlap=2,
    )
    Membership.objects.create(user=annotator, project=project, role=Role.ANNOTATOR)
    Membership.objects.create(user=project_admin, project=project, role=Role.ADMIN)
    other = project_create(user=outsider, name="Other team's project")
    assert other.pk != project.pk
    return project


@pytest.fixture
def step_project(lead):
    return project_create(user=lead, name="Math steps", task_type="steps")


@pytest.fixture
def ranking_project(lead):
    return project_create(user=lead, name="Ranking", task_type="ranking", ranking_k=4)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def users(lead, annotator, project_admin, outsider, staff):
    """Every fixture user by the name the access tables use (``project`` makes their roles)."""
    return {"lead": lead, "annotator": annotator, "padmin": project_admin, "outsider": outsider, "staff": staff}


def rubric_form_data(guidelines: str, dimensions: list[dict], *, initial: int | None = None, note: str = "") -> dict:
    """POST data of the rubric editor: the guidelines and one formset row per dimension dict.

    A dimension dict holds key, name and optionally description, scale_min, scale_max, anchors (the
    textarea text), ORDER and DELETE. ``initial`` is how many rows the page showed as existing ones.
    """
    data = {
        "guidelines": guidelines, "note": note,
        "dims-TOTAL_FORMS": str(len(dimensions)),
        "dims-INITIAL_FORMS": str(len(dimensions) if initial is None else initial),
        "dims-MIN_NUM_FORMS": "0", "dims-MAX_NUM_FORMS": "30",
    }
    for i, dim in enumerate(dimensions):
        row = {"description": "", "scale_min": "1", "scale_max": "5", "anchors": "", "ORDER": str(i + 1), **dim}
        if row.pop("DELETE", False):
            row["DELETE"] = "on"
        data.update({f"dims-{i}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture(autouse=True)
def _reward_model_tasks_off(request, monkeypatch, settings, tmp_path_factory):
    """Under CELERY_TASK_ALWAYS_EAGER, starting a training run or promoting a version would train or rescore a real
    model inside the request. Tests only record those tasks (and keep MODEL_STORE out of var/); the worker test
    (tests/test_rewardmodels_worker.py) runs them for real on a Celery worker."""
    settings.MODEL_STORE = tmp_path_factory.mktemp("model_store")
    if request.module.__name__.endswith("test_rewardmodels_worker"):
        return
    from worker.tasks import rewardmodels as tasks

    for task in (tasks.train, tasks.rescore, tasks.evaluate, tasks.export_scores):
        monkeypatch.setattr(task, "apply_async", lambda *args, **kwargs: type("Sent", (), {"id": "recorded"})())
