"""The guidelines and rubric editor page, its htmx row, and the version pages."""
import pytest

from apps.projects.models import RubricVersion
from tests.conftest import login, rubric_form_data

URL = "/projects/helpfulness/rubric/"

ACCURACY = {"key": "accuracy", "name": "Factual accuracy", "description": "Are the claims true?",
            "anchors": "1: Mostly false\n5: All true"}
COHERENCE = {"key": "coherence", "name": "Coherence", "description": "Is it well organised?",
             "anchors": "1: Incoherent\n5: Clear"}
GUIDELINES = "Prefer the **more helpful** answer."


def versions(project):
    return list(RubricVersion.objects.filter(project=project).order_by("number").values_list("number", flat=True))


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_editor_access(client, project, users, who, status):
    assert login(client, users[who]).get(URL).status_code == status


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403)])
def test_editor_post_refused_below_lead(client, project, users, who, status):
    data = rubric_form_data("Changed", [ACCURACY, COHERENCE])
    assert login(client, users[who]).post(URL, data).status_code == status
    assert versions(project) == [1]


def test_editor_anonymous_redirects(client, project):
    assert client.get(URL).status_code == 302


def test_editor_is_prefilled_with_the_current_version(client, project, lead):
    html = login(client, lead).get(URL).content.decode()
    assert "Prefer the **more helpful** answer.</textarea>" in html
    assert 'name="dims-0-key" value="accuracy"' in html
    assert 'name="dims-1-key" value="coherence"' in html
    assert "1: Mostly false\n5: All true</textarea>" in html
    assert 'name="dims-TOTAL_FORMS" value="3"' in html  # two dimensions and one blank row
    assert 'name="dims-INITIAL_FORMS" value="2"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_saving_a_change_makes_a_new_version(client, project, lead):
    data = rubric_form_data("New guidelines", [ACCURACY, COHERENCE], note="rewrote")
    response = login(client, lead).post(URL, data)
    assert response.status_code == 302
    assert versions(project) == [1, 2]
    v2 = RubricVersion.objects.get(project=project, number=2)
    assert (v2.guidelines, v2.note, v2.created_by) == ("New guidelines", "rewrote", lead)
    assert "Saved as rubric version 2." in client.get(URL).content.decode()


def test_saving_unchanged_makes_no_version(client, project, lead):
    response = login(client, lead).post(URL, rubric_form_data(GUIDELINES, [ACCURACY, COHERENCE]), follow=True)
    assert versions(project) == [1]
    assert "Nothing changed; the rubric stays at version 1." in response.content.decode()


def test_blank_extra_row_is_ignored(client, project, lead):
    blank = {"key": "", "name": "", "description": "", "anchors": "", "ORDER": ""}
    login(client, lead).post(URL, rubric_form_data(GUIDELINES, [ACCURACY, COHERENCE, blank], initial=2))
    assert versions(project) == [1]


def test_adding_removing_and_reordering_dimensions(client, project, lead):
    helpful = {"key": "helpfulness", "name": "Helpfulness", "scale_min": "0", "scale_max": "3",
               "anchors": "0: Useless\n3: Exactly right", "ORDER": "1"}
    data = rubric_form_data(
        GUIDELINES,
        [{**ACCURACY, "DELETE": True}, {**COHERENCE, "ORDER": "2"}, helpful],
        initial=2,
    )
    assert login(client, lead).post(URL, data).status_code == 302
    dims = list(RubricVersion.objects.get(project=project, number=2).dimensions.order_by("position").values(
        "key", "position", "scale_min", "scale_max", "anchors"
    ))
    assert dims == [
        {"key": "helpfulness", "position": 0, "scale_min": 0, "scale_max": 3,
         "anchors": {"0": "Useless", "3": "Exactly right"}},
        {"key": "coherence", "position": 1, "scale_min": 1, "scale_max": 5,
         "anchors": {"1": "Incoherent", "5": "Clear"}},
    ]
    # Version 1 is untouched.
    assert list(RubricVersion.objects.get(project=project, number=1).dimensions.values_list("key", flat=True)) == [
        "accuracy", "coherence",
    ]


@pytest.mark.parametrize(
    "dims, message",
    [
        ([ACCURACY, {**COHERENCE, "key": "accuracy"}], "Another dimension already uses the key “accuracy”."),
        ([{**ACCURACY, "anchors": "7: Superb"}], "Line 1: 7 is not a point of the scale 1 to 5."),
        ([{**ACCURACY, "anchors": "good: yes"}], "Line 1: start with a scale point and a colon"),
        ([{**ACCURACY, "anchors": "1: a\n1: b"}], "Line 2: point 1 has two anchors."),
        ([{**ACCURACY, "scale_min": "5", "scale_max": "1"}], "The top of the scale must be above its bottom."),
        ([{**ACCURACY, "scale_max": "11"}], "Ensure this value is less than or equal to 10."),
        ([{**ACCURACY, "key": "Not a slug!"}], "Enter a valid “slug”"),
        ([{**ACCURACY, "name": ""}], "This field is required."),
    ],
)
def test_bad_dimensions_show_errors_and_save_nothing(client, project, lead, dims, message):
    response = login(client, lead).post(URL, rubric_form_data("Changed", dims, initial=2))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Nothing was saved." in html
    assert versions(project) == [1]


def test_duplicate_keys_also_show_a_formset_error(client, project, lead):
    html = login(client, lead).post(
        URL, rubric_form_data("x", [ACCURACY, {**COHERENCE, "key": "accuracy"}])
    ).content.decode()
    assert "Each rubric dimension needs its own key." in html


def test_history_lists_every_version(client, project, lead):
    login(client, lead).post(URL, rubric_form_data("v2", [ACCURACY, COHERENCE], note="second"))
    html = client.get(URL).content.decode()
    assert 'href="/projects/helpfulness/rubric/versions/2/">v2</a> <span class="badge ok">current</span>' in html
    assert 'href="/projects/helpfulness/rubric/versions/1/">v1</a>' in html
    assert "<td>second</td>" in html and "<td>Initial version</td>" in html
    assert "<td>lead</td>" in html


# --- htmx row


def test_add_row_returns_a_blank_dimension_and_bumps_the_form_count(client, project, lead):
    response = login(client, lead).get(URL + "row/", {"dims-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="dims-3-key"' in html and 'name="dims-3-anchors"' in html and 'name="dims-3-ORDER"' in html
    assert 'id="id_dims-TOTAL_FORMS" hx-swap-oob="true"' in html
    assert 'name="dims-TOTAL_FORMS" value="4"' in html
    assert "<html" not in html


def test_editor_button_asks_for_a_row_with_htmx(client, project, lead):
    html = login(client, lead).get(URL).content.decode()
    assert 'hx-get="/projects/helpfulness/rubric/row/"' in html
    assert 'hx-include="#id_dims-TOTAL_FORMS"' in html


@pytest.mark.parametrize("value", ["", "x", "-1", "30"])
def test_add_row_with_a_bad_count_is_404(client, project, lead, value):
    assert login(client, lead).get(URL + "row/", {"dims-TOTAL_FORMS": value}).status_code == 404


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403), ("lead", 200)])
def test_add_row_access(client, project, users, who, status):
    assert login(client, users[who]).get(URL + "row/", {"dims-TOTAL_FORMS": "1"}).status_code == status


def test_a_row_added_by_htmx_is_saved(client, project, lead):
    extra = {"key": "safety", "name": "Safety", "anchors": "1: Harmful"}
    data = rubric_form_data(GUIDELINES, [ACCURACY, COHERENCE, extra], initial=2)
    login(client, lead).post(URL, data)
    assert list(project.rubric_versions.get(number=2).dimensions.values_list("key", flat=True)) == [
        "accuracy", "coherence", "safety",
    ]


# --- version pages


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_version_page_access(client, project, users, who, status):
    assert login(client, users[who]).get(URL + "versions/1/").status_code == status


def test_version_page_anonymous_redirects(client, project):
    assert client.get(URL + "versions/1/").status_code == 302


def test_unknown_version_is_404(client, project, lead):
    assert login(client, lead).get(URL + "versions/9/").status_code == 404


def test_old_version_page_shows_what_it_said(client, project, lead):
    login(client, lead).post(URL, rubric_form_data("Totally **new**", [COHERENCE], initial=2))
    old = client.get(URL + "versions/1/").content.decode()
    new = client.get(URL + "versions/2/").content.decode()
    assert "Prefer the <strong>more helpful</strong> answer." in old
    assert "Factual accuracy" in old
    assert "superseded by v2" in old
    assert "Totally <strong>new</strong>" in new
    assert "Factual accuracy" not in new
    assert '<span class="badge ok">current</span>' in new
