"""Every change of guidelines or rubric makes version n+1 and leaves version n as it was."""
from apps.projects.models import RubricVersion
from apps.projects.services import DimensionSpec, rubric_update
from tests.conftest import DEFAULT_DIMENSIONS, login, rubric_form_data

PAGE = "/projects/helpfulness/rubric/"
API = "/api/projects/helpfulness/rubric/"

API_DIMENSIONS = [
    {"key": "accuracy", "name": "Factual accuracy", "description": "Are the claims true?",
     "scale_min": 1, "scale_max": 5, "anchors": {"1": "Mostly false", "5": "All true"}},
    {"key": "coherence", "name": "Coherence", "description": "Is it well organised?",
     "scale_min": 1, "scale_max": 5, "anchors": {"1": "Incoherent", "5": "Clear"}},
]
PAGE_DIMENSIONS = [
    {"key": "accuracy", "name": "Factual accuracy", "description": "Are the claims true?",
     "anchors": "1: Mostly false\n5: All true"},
    {"key": "coherence", "name": "Coherence", "description": "Is it well organised?",
     "anchors": "1: Incoherent\n5: Clear"},
]
GUIDELINES = "Prefer the **more helpful** answer."


def snapshot(version: RubricVersion):
    return (
        version.guidelines, version.note,
        [(d.position, d.key, d.name, d.description, d.scale_min, d.scale_max, d.anchors)
         for d in version.dimensions.order_by("position")],
    )


def test_editing_guidelines_makes_version_2_and_keeps_version_1(project, lead):
    v1 = project.rubric_versions.get(number=1)
    before = snapshot(v1)
    v2 = rubric_update(project, user=lead, guidelines="Be strict.", dimensions=DEFAULT_DIMENSIONS, note="stricter")
    assert v2.number == 2
    assert snapshot(RubricVersion.objects.get(pk=v1.pk)) == before
    assert snapshot(v2)[0] == "Be strict."
    assert snapshot(v2)[2] == before[2]


def test_editing_one_anchor_makes_a_new_version(project, lead):
    changed = [DimensionSpec(**{**DEFAULT_DIMENSIONS[0].__dict__, "anchors": {"1": "Wrong", "5": "All true"}}),
               DEFAULT_DIMENSIONS[1]]
    v2 = rubric_update(project, user=lead, guidelines=GUIDELINES, dimensions=changed)
    assert v2.number == 2
    assert v2.dimensions.get(key="accuracy").anchors == {"1": "Wrong", "5": "All true"}
    assert project.rubric_versions.get(number=1).dimensions.get(key="accuracy").anchors == {
        "1": "Mostly false", "5": "All true",
    }


def test_reordering_alone_makes_a_new_version(project, lead):
    v2 = rubric_update(project, user=lead, guidelines=GUIDELINES, dimensions=list(reversed(DEFAULT_DIMENSIONS)))
    assert v2.number == 2
    assert list(v2.dimensions.order_by("position").values_list("key", flat=True)) == ["coherence", "accuracy"]


def test_no_change_makes_no_version(project, lead):
    same = rubric_update(project, user=lead, guidelines=GUIDELINES, dimensions=DEFAULT_DIMENSIONS)
    assert same.number == 1
    assert project.rubric_versions.count() == 1


def test_blank_anchors_count_as_absent(project, lead):
    specs = [DimensionSpec(**{**d.__dict__, "anchors": {**d.anchors, "3": ""}}) for d in DEFAULT_DIMENSIONS]
    assert rubric_update(project, user=lead, guidelines=GUIDELINES, dimensions=specs).number == 1


def test_page_then_api_agree(client, api, project, lead):
    login(client, lead).post(PAGE, rubric_form_data("From the page", PAGE_DIMENSIONS, note="page edit"))
    api.force_authenticate(lead)
    body = api.get(API).json()
    assert body["number"] == 2
    assert body["guidelines"] == "From the page"
    assert body["note"] == "page edit"
    assert [{k: d[k] for k in API_DIMENSIONS[0]} for d in body["dimensions"]] == API_DIMENSIONS
    # Sending back exactly what the page saved changes nothing.
    response = api.put(API, {"guidelines": "From the page", "dimensions": API_DIMENSIONS}, format="json")
    assert response.status_code == 200
    assert response.json()["number"] == 2
    assert project.rubric_versions.count() == 2


def test_api_then_page_agree(client, api, project, lead):
    api.force_authenticate(lead)
    response = api.put(API, {"guidelines": "From the API", "dimensions": API_DIMENSIONS[:1]}, format="json")
    assert response.status_code == 201
    assert response.json()["number"] == 2
    html = login(client, lead).get(PAGE).content.decode()
    assert "From the API</textarea>" in html
    assert 'name="dims-0-key" value="accuracy"' in html
    assert 'name="dims-1-key"' in html and 'name="dims-1-key" value=' not in html  # only the blank row
    # Saving the page as shown changes nothing.
    client.post(PAGE, rubric_form_data("From the API", PAGE_DIMENSIONS[:1]))
    assert project.rubric_versions.count() == 2


def test_api_unchanged_put_returns_the_current_version(api, project, lead):
    api.force_authenticate(lead)
    response = api.put(API, {"guidelines": GUIDELINES, "dimensions": API_DIMENSIONS}, format="json")
    assert response.status_code == 200
    assert response.json()["number"] == 1
    assert project.rubric_versions.count() == 1


def test_versions_are_numbered_per_project(project, ranking_project, lead):
    rubric_update(project, user=lead, guidelines="a", dimensions=[])
    other = rubric_update(ranking_project, user=lead, guidelines="b", dimensions=[])
    assert other.number == 2
    assert project.rubric_versions.count() == 2 and ranking_project.rubric_versions.count() == 2


def test_browser_line_endings_do_not_count_as_a_change(client, project, lead):
    rubric_update(project, user=lead, guidelines="Line one\n\nLine two", dimensions=DEFAULT_DIMENSIONS)
    crlf = [{**PAGE_DIMENSIONS[0], "description": "Are the claims true?"}, PAGE_DIMENSIONS[1]]
    login(client, lead).post(PAGE, rubric_form_data("Line one\r\n\r\nLine two", crlf))
    assert project.rubric_versions.count() == 2


def test_crlf_is_stored_as_lf(project, lead):
    v2 = rubric_update(project, user=lead, guidelines="a\r\nb", dimensions=[
        DimensionSpec("k", "K", "x\r\ny"),
    ])
    assert v2.guidelines == "a\nb"
    assert v2.dimensions.get().description == "x\ny"
