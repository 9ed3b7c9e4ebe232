"""My recent labels: the list, reopening one in the order it was shown, and editing it as a new version."""
import json

import pytest
from django.urls import reverse

from apps.datasets.services import import_file
from apps.labeling.judgements import Judgement
from apps.labeling.models import Assignment, Label
from apps.labeling.services import next_assignment, submit_label
from apps.projects.services import current_rubric
from tests.conftest import login, make_user


@pytest.fixture
def labelled(project, annotator):
    rows = [{"id": "r1", "prompt": "Capital of Australia?", "responses": ["Sydney", "Canberra"]}]
    import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(), filename="x.jsonl",
                fmt="native")
    assignment = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=assignment.pk).update(shown_order=[1, 0])
    judgement = Judgement(preference=1, scores={"accuracy": [5, 1], "coherence": [4, 4]}, rationale="Canberra",
                          active_ms=4000)
    return submit_label(project=project, user=annotator, assignment_id=assignment.pk, judgement=judgement,
                        rubric_version_id=current_rubric(project).pk)


def edit_url(project, label):
    return reverse("labeling:edit", args=[project.slug, label.pk])


def test_mine_lists_my_labels_with_prompt_and_answer_as_shown(client, project, annotator, labelled):
    assert labelled.preference == -1  # canonical: the second response (Canberra) is better
    html = login(client, annotator).get(reverse("labeling:mine", args=[project.slug])).content.decode()
    assert "Capital of Australia?" in html
    assert '<td class="answer">A &gt; B</td>' in html  # as the annotator saw it
    assert edit_url(project, labelled) in html


def test_edit_page_is_prefilled_in_the_shown_order(client, project, annotator, labelled):
    html = login(client, annotator).get(edit_url(project, labelled)).content.decode()
    assert html.index("Canberra") < html.index("Sydney")  # A is Canberra for this annotator
    assert 'name="preference" value="1" data-key="1" checked' in html
    assert 'name="score-accuracy-0" value="5" data-key="5" checked' in html
    assert 'name="score-accuracy-1" value="1" data-key="1" checked' in html
    assert ">Canberra</textarea>" in html and "Version history" in html


def test_editing_stores_a_new_version_and_keeps_the_old(client, project, annotator, labelled):
    data = {"preference": "-1", "score-accuracy-0": "2", "score-accuracy-1": "3", "score-coherence-0": "4",
            "score-coherence-1": "4", "rationale": "changed my mind", "active_ms": "1500"}
    response = login(client, annotator).post(edit_url(project, labelled), data)
    new = Label.objects.get(annotator=annotator, is_current=True)
    assert response.status_code == 302 and response["Location"] == edit_url(project, new)
    assert (new.version, new.previous_id, new.preference) == (2, labelled.pk, 1)
    assert new.scores == {"accuracy": [3, 2], "coherence": [4, 4]} and new.active_ms == 5500
    labelled.refresh_from_db()
    assert not labelled.is_current and labelled.preference == -1
    html = client.get(edit_url(project, new)).content.decode()
    assert "Saved as version 2" in html and "v1" in html and "v2" in html and "changed my mind" in html


def test_an_old_version_redirects_to_the_current_one(client, project, annotator, labelled):
    login(client, annotator).post(edit_url(project, labelled), {
        "preference": "0", "score-accuracy-0": "2", "score-accuracy-1": "3", "score-coherence-0": "4",
        "score-coherence-1": "4"})
    new = Label.objects.get(annotator=annotator, is_current=True)
    response = client.get(edit_url(project, labelled))
    assert response.status_code == 302 and response["Location"] == edit_url(project, new)


def test_invalid_edit_is_refused_and_nothing_changes(client, project, annotator, labelled):
    response = login(client, annotator).post(edit_url(project, labelled), {"preference": "1"})
    assert response.status_code == 422 and "Score “Factual accuracy” for each response." in response.content.decode()
    response = client.post(edit_url(project, labelled), {"preference": "x"})
    assert response.status_code == 400
    assert Label.objects.filter(annotator=annotator).count() == 1


def test_another_annotators_label_is_404(client, project, labelled):
    from apps.accounts.models import Membership, Role
    other = make_user("other")
    Membership.objects.create(user=other, project=project, role=Role.ANNOTATOR)
    assert login(client, other).get(edit_url(project, labelled)).status_code == 404
    assert client.post(edit_url(project, labelled), {"preference": "1"}).status_code == 404
