"""The project detail page and the settings page."""
import pytest

from apps.datasets.models import Item, Prompt
from apps.projects.models import Project
from tests.conftest import login

ANON_REDIRECT = 302


def _settings(project, **changes):
    data = {
        "name": project.name, "description": project.description, "task_type": project.task_type,
        "ranking_k": project.ranking_k, "overlap": project.overlap, "gold_rate": project.gold_rate,
        "lease_minutes": project.lease_minutes, "preference_scale": project.preference_scale,
        "rationale": project.rationale, "step_split": project.step_split,
    }
    for flag in ("randomize_sides", "allow_rank_ties", "stop_at_first_error"):
        if getattr(project, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_detail_access(client, project, users, who, status):
    assert login(client, users[who]).get("/projects/helpfulness/").status_code == status


def test_detail_anonymous_redirects_to_login(client, project):
    response = client.get("/projects/helpfulness/")
    assert response.status_code == ANON_REDIRECT
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_project_is_404(client, lead):
    assert login(client, lead).get("/projects/nope/").status_code == 404


def test_detail_shows_settings_guidelines_rubric_counts_and_members(client, project, annotator):
    Item.objects.create(
        project=project, kind="pair", content_hash="h1",
        prompt=Prompt.objects.create(project=project, messages=[{"role": "user", "content": "hi"}], content_hash="p"),
    )
    html = login(client, annotator).get("/projects/helpfulness/").content.decode()
    assert "<h1>Helpfulness</h1>" in html
    assert "Prefer the <strong>more helpful</strong> answer." in html
    assert "Factual accuracy" in html and "<code>accuracy</code>" in html
    assert "<td>1</td><td>Mostly false</td>" in html and "<td>5</td><td>All true</td>" in html
    assert "<dd>2 labels per item</dd>" in html
    assert "<dd>1 (0 gold)</dd>" in html
    assert "A, tie or B" in html
    assert "<td>padmin</td>" in html and "<td>lead</td>" in html


def test_detail_links_to_data_pages_for_lead_only(client, project, lead, annotator):
    lead_html = login(client, lead).get("/projects/helpfulness/").content.decode()
    assert 'href="/projects/helpfulness/import/"' in lead_html
    assert 'href="/projects/helpfulness/items/"' in lead_html
    assert 'href="/projects/helpfulness/rubric/"' in lead_html
    annotator_html = login(client, annotator).get("/projects/helpfulness/").content.decode()
    assert "/import/" not in annotator_html
    assert "/items/" not in annotator_html
    assert "/edit/" not in annotator_html


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_edit_page_access(client, project, users, who, status):
    assert login(client, users[who]).get("/projects/helpfulness/edit/").status_code == status


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403)])
def test_edit_post_refused_below_lead(client, project, users, who, status):
    response = login(client, users[who]).post("/projects/helpfulness/edit/", _settings(project, overlap=5))
    assert response.status_code == status
    project.refresh_from_db()
    assert project.overlap == 2


def test_edit_anonymous_redirects(client, project):
    assert client.post("/projects/helpfulness/edit/", _settings(project)).status_code == ANON_REDIRECT


def test_edit_form_is_prefilled(client, project, lead):
    html = login(client, lead).get("/projects/helpfulness/edit/").content.decode()
    assert 'name="overlap" value="2"' in html
    assert 'value="Helpfulness"' in html


def test_lead_saves_settings(client, project, lead):
    response = login(client, lead).post(
        "/projects/helpfulness/edit/",
        _settings(project, name="Helpfulness v2", overlap=4, gold_rate=0.2, randomize_sides=None, rationale="off"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.overlap, project.gold_rate) == ("Helpfulness v2", 4, 0.2)
    assert (project.randomize_sides, project.rationale, project.slug) == (False, "off", "helpfulness")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"overlap": 0}, "Ensure this value is greater than or equal to 1."),
        ({"gold_rate": 1.5}, "Ensure this value is less than or equal to 1.0."),
        ({"ranking_k": 9}, "Ensure this value is less than or equal to 8."),
        ({"lease_minutes": 7 * 24 * 60 + 1}, "Ensure this value is less than or equal to 10080."),
    ],
)
def test_edit_bad_input_shows_field_errors_and_saves_nothing(client, project, lead, changes, message):
    response = login(client, lead).post("/projects/helpfulness/edit/", _settings(project, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Project.objects.get(pk=project.pk).overlap == 2


def test_task_type_is_frozen_once_items_exist(client, project, lead):
    prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": "q"}], content_hash="p")
    Item.objects.create(project=project, kind="pair", prompt=prompt, content_hash="h")
    response = login(client, lead).post("/projects/helpfulness/edit/", _settings(project, task_type="ranking"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Cannot change once the project has items." in html
    assert "<h1>Settings of Helpfulness</h1>" in html
    assert Project.objects.get(pk=project.pk).task_type == "pairwise"
