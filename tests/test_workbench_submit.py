"""Submitting and skipping from the item page: stored in canonical order, the next item swapped in,
bad input answered with a message and nothing stored."""
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.datasets.services import import_file
from apps.labeling.models import Assignment, AssignmentStatus, Label
from apps.labeling.services import next_assignment
from tests.conftest import login, make_user

HTMX = {"HTTP_HX_REQUEST": "true"}


def load(project, n=3):
    rows = [{"id": f"r{i}", "prompt": f"Question {i}?", "responses": [f"first answer {i}", f"second answer {i}"]}
            for i in range(n)]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="x.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors


def answer(assignment, **extra):
    data = {
        "assignment_id": str(assignment.pk), "preference": "1", "score-accuracy-0": "5", "score-accuracy-1": "2",
        "score-coherence-0": "4", "score-coherence-1": "3", "rationale": "A is right", "flags": ["unsafe"],
        "active_ms": "5300",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def work_url(project):
    return reverse("labeling:work", args=[project.slug])


@pytest.fixture
def first(project, annotator):
    load(project)
    assignment = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=assignment.pk).update(shown_order=[1, 0])
    assignment.refresh_from_db()
    return assignment


def test_htmx_submit_stores_canonical_label_and_swaps_in_the_next_item(client, annotator, work_url, first):
    response = login(client, annotator).post(work_url, answer(first), **HTMX)
    assert response.status_code == 200
    label = Label.objects.get(annotator=annotator)
    assert label.item_id == first.item_id and label.shown_order == [1, 0]
    assert label.preference == -1  # "A is better", and A was canonical response 1
    assert label.scores == {"accuracy": [2, 5], "coherence": [3, 4]}
    assert (label.rationale, label.flags, label.active_ms, label.source) == ("A is right", ["unsafe"], 5300, "ui")
    assert label.rubric_version.project_id == first.project_id
    html = response.content.decode()
    following = Assignment.objects.get(annotator=annotator, status=AssignmentStatus.OPEN)
    assert following.item_id != first.item_id
    assert html.startswith('<div id="workbench"') and "<html" not in html
    assert f'name="assignment_id" value="{following.pk}"' in html and "Saved." in html
    assert '<strong data-count="mine">1</strong> labelled by you' in html
    assert json.loads(response["HX-Trigger"]) == {"label-saved": {"id": label.pk}}


def test_a_repeated_submit_announces_the_label_stored_first_and_keeps_the_next_item(
    client, annotator, work_url, first
):
    login(client, annotator)
    client.post(work_url, answer(first), **HTMX)
    following = Assignment.objects.get(annotator=annotator, status=AssignmentStatus.OPEN)
    again = client.post(work_url, answer(first), **HTMX)  # double click, network retry
    label = Label.objects.get(annotator=annotator)
    assert json.loads(again["HX-Trigger"]) == {"label-saved": {"id": label.pk}}
    assert Assignment.objects.get(annotator=annotator, status=AssignmentStatus.OPEN).pk == following.pk
    assert f'name="assignment_id" value="{following.pk}"' in again.content.decode()


def test_the_project_counts_on_the_progress_bar_are_reused_for_a_few_seconds(
    client, annotator, work_url, first, settings
):
    from apps.datasets.models import Item

    settings.LABEL_PROGRESS_COUNTS_TTL = 60
    login(client, annotator)
    html = client.post(work_url, answer(first), **HTMX).content.decode()
    assert '<strong data-count="left">3</strong> of 3 items' in html  # overlap 3: one label leaves all open
    Item.objects.filter(project=first.project).update(overlap=1)  # now the labelled item is complete
    html = client.get(work_url, **HTMX).content.decode()
    assert '<strong data-count="left">3</strong> of 3 items' in html  # counted before, reused
    assert '<strong data-count="mine">1</strong> labelled by you' in html  # the annotator's own: exact
    settings.LABEL_PROGRESS_COUNTS_TTL = 0
    html = client.get(work_url, **HTMX).content.decode()
    assert '<strong data-count="left">2</strong> of 3 items' in html


def test_plain_post_redirects_to_the_next_item(client, annotator, work_url, first):
    response = login(client, annotator).post(work_url, answer(first))
    assert response.status_code == 302 and response["Location"] == work_url
    assert Label.objects.filter(annotator=annotator).count() == 1
    assert "Saved." in client.get(work_url).content.decode()


def test_submitting_twice_stores_one_label(client, annotator, work_url, first):
    login(client, annotator)
    client.post(work_url, answer(first), **HTMX)
    client.post(work_url, answer(first), **HTMX)
    assert Label.objects.filter(annotator=annotator).count() == 1


@pytest.mark.parametrize("bad, message", [
    ({"preference": "left"}, "Preference: “left” is not one of the choices."),
    ({"preference": "7"}, "Preference: “7” is not one of the choices."),
    ({"score-accuracy-0": "five"}, "Factual accuracy, response A: “five” is not one of the choices."),
    ({"score-accuracy-1": "9"}, "Factual accuracy, response B: “9” is not one of the choices."),
    ({"active_ms": "soon"}, "Active time must be a whole number of milliseconds."),
    ({"flags": ["everything"]}, "Flag “everything” is not one of the choices."),
])
def test_unparseable_input_is_400_with_a_message_and_nothing_stored(client, annotator, work_url, first, bad, message):
    response = login(client, annotator).post(work_url, answer(first, **bad), **HTMX)
    assert response.status_code == 400
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html and message in html
    assert f'name="assignment_id" value="{first.pk}"' in html
    assert not Label.objects.exists()


@pytest.mark.parametrize("assignment_id", ["", "abc", "-4", "99999999"])
def test_bad_assignment_id_is_400_and_the_current_item_stays(client, annotator, work_url, first, assignment_id):
    response = login(client, annotator).post(work_url, {**answer(first), "assignment_id": assignment_id}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "not yours or does not exist" in html and f'value="{first.pk}"' in html
    assert not Label.objects.exists()


def test_incomplete_judgement_is_422_and_keeps_what_was_entered(client, annotator, work_url, first):
    data = answer(first, **{"score-coherence-1": "", "preference": None, "rationale": "my reasons"})
    response = login(client, annotator).post(work_url, data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose which response is better." in html and "Score “Coherence” for each response." in html
    assert 'name="score-accuracy-0" value="5" data-key="5" checked' in html
    assert 'class="score-group missing"' in html
    assert ">my reasons</textarea>" in html and 'value="unsafe" checked' in html
    assert 'name="active_ms" value="5300"' in html  # the timer goes on from here
    assert not Label.objects.exists()


def test_required_rationale_is_enforced(client, project, annotator, work_url, first):
    project.rationale = "required"
    project.save()
    response = login(client, annotator).post(work_url, answer(first, rationale="  "), **HTMX)
    assert response.status_code == 422 and "asks for a rationale" in response.content.decode()


def test_no_js_validation_error_renders_the_full_page(client, annotator, work_url, first):
    response = login(client, annotator).post(work_url, answer(first, preference=None))
    assert response.status_code == 422 and "<html" in response.content.decode()


def test_lost_lease_is_refused_with_its_message_and_a_fresh_item(client, project, annotator, lead, work_url):
    load(project, n=2)
    project.overlap = 1
    project.save()
    from apps.datasets.models import Item
    Item.objects.filter(project=project).update(overlap=1)
    late = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taker = next_assignment(project=project, user=lead)
    assert taker.item_id == late.item_id
    response = login(client, annotator).post(work_url, answer(late), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "someone else took it" in html
    fresh = Assignment.objects.get(annotator=annotator, status=AssignmentStatus.OPEN)
    assert fresh.item_id != late.item_id and f'value="{fresh.pk}"' in html
    assert not Label.objects.filter(annotator=annotator).exists()


def test_skip_with_a_reason_moves_on(client, annotator, project, first):
    response = login(client, annotator).post(
        reverse("labeling:skip", args=[project.slug]), {"assignment_id": first.pk, "reason": "Not my language"}, **HTMX
    )
    assert response.status_code == 200 and "Skipped." in response.content.decode()
    first.refresh_from_db()
    assert (first.status, first.skip_reason) == (AssignmentStatus.SKIPPED, "Not my language")
    assert Assignment.objects.get(annotator=annotator, status=AssignmentStatus.OPEN).item_id != first.item_id


def test_skip_without_a_reason_is_refused_and_the_item_stays(client, annotator, project, first):
    response = login(client, annotator).post(
        reverse("labeling:skip", args=[project.slug]), {"assignment_id": first.pk, "reason": " "}, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why you skip this item." in html and '<details class="skip" open>' in html
    first.refresh_from_db()
    assert first.status == AssignmentStatus.OPEN


def test_plain_skip_redirects(client, annotator, project, first, work_url):
    response = login(client, annotator).post(
        reverse("labeling:skip", args=[project.slug]), {"assignment_id": first.pk, "reason": "Too long"}
    )
    assert response.status_code == 302 and response["Location"] == work_url


def test_last_submit_swaps_in_all_done(client, project, annotator, work_url):
    load(project, n=1)
    assignment = next_assignment(project=project, user=annotator)
    html = login(client, annotator).post(work_url, answer(assignment), **HTMX).content.decode()
    assert "All done" in html and "You have labelled <strong>1</strong> item here" in html


def test_someone_elses_assignment_cannot_be_answered(client, project, annotator, work_url):
    load(project, n=2)
    other = make_user("other")
    from apps.accounts.models import Membership, Role
    Membership.objects.create(user=other, project=project, role=Role.ANNOTATOR)
    theirs = next_assignment(project=project, user=other)
    response = login(client, annotator).post(work_url, answer(theirs), **HTMX)
    assert response.status_code == 400 and not Label.objects.exists()


def test_submit_and_next_item_cost_a_bounded_number_of_queries(client, annotator, work_url, first, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.LABEL_PROGRESS_COUNTS_TTL = 3600  # however slow the machine, the counts stay cached
    login(client, annotator).get(work_url)
    with CaptureQueriesContext(connection) as shown:
        client.get(work_url, **HTMX)
    with CaptureQueriesContext(connection) as submitted:
        assert client.post(work_url, answer(first), **HTMX).status_code == 200

    def count(ctx):
        return len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]])
    # session, user, project, open assignment, responses, progress (1; the item counts are cached a few
    # seconds); the rubric is cached
    assert count(shown) <= 6
    # session, user, project, the assignment, its lock, label insert, status update, next pick and insert,
    # progress, responses; + the rubric's rules, read once per process and version
    assert count(submitted) <= 12
