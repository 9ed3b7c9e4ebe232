"""The annotator's pages: home, the item page, all done, and who may open them."""
import json

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Role
from apps.datasets.services import import_file
from apps.labeling.models import Assignment, AssignmentStatus
from apps.labeling.services import next_assignment
from tests.conftest import login


def load(project, rows):
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="x.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors


def pairs(n):
    return [{"id": f"r{i}", "prompt": f"Question {i}?", "responses": [f"first answer {i}", f"second answer {i}"]}
            for i in range(n)]


def test_home_lists_my_projects_with_progress(client, project, annotator, lead):
    load(project, pairs(3))
    page = login(client, annotator).get(reverse("labeling:home"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Helpfulness" in html and "Other team" not in html
    assert reverse("labeling:work", args=[project.slug]) in html and "Start labelling" in html
    assert 'aria-valuenow="0"' in html and "<strong>3</strong> of 3 items left" in html


def test_nav_links_to_the_annotator_home(client, annotator):
    page = login(client, annotator).get(reverse("projects:list"))
    assert f'href="{reverse("labeling:home")}"' in page.content.decode()


def test_item_page_shows_the_responses_in_the_stored_shown_order(client, project, annotator):
    load(project, pairs(1))
    assignment = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=assignment.pk).update(shown_order=[1, 0])
    html = login(client, annotator).get(reverse("labeling:work", args=[project.slug])).content.decode()
    assert html.index("Response A") < html.index("second answer 0") < html.index("Response B") < html.index("first answer 0")
    assert f'name="assignment_id" value="{assignment.pk}"' in html


@pytest.mark.parametrize("scale, labels", [
    ("binary", ["A", "B"]),
    ("tie", ["A", "Tie", "B"]),
    ("five", ["A ≫ B", "A &gt; B", "Tie", "B &gt; A", "B ≫ A"]),
])
def test_item_page_offers_the_projects_preference_scale(client, project, annotator, scale, labels):
    project.preference_scale = scale
    project.save()
    load(project, pairs(1))
    html = login(client, annotator).get(reverse("labeling:work", args=[project.slug])).content.decode()
    values = {"binary": [1, -1], "tie": [1, 0, -1], "five": [2, 1, 0, -1, -2]}[scale]
    for key, (value, label) in enumerate(zip(values, labels), start=1):
        assert f'name="preference" value="{value}" data-key="{key}"' in html
        assert f"<kbd>{key}</kbd><span>{label}</span>" in html
    assert html.count('name="preference"') == len(values)


def test_item_page_has_a_score_per_dimension_and_response_with_anchors(client, project, annotator):
    load(project, pairs(1))
    html = login(client, annotator).get(reverse("labeling:work", args=[project.slug])).content.decode()
    for name in ("score-accuracy-0", "score-accuracy-1", "score-coherence-0", "score-coherence-1"):
        assert html.count(f'name="{name}"') == 5
    assert 'title="1 · Mostly false"' in html and "Mostly false" in html
    assert 'name="rationale"' in html and "(optional)" in html
    assert all(f'value="{flag}"' in html for flag in ("unsafe", "both_unacceptable", "cannot_judge"))
    assert "Prefer the <strong>more helpful</strong> answer." in html  # the guidelines panel


def test_required_rationale_is_marked_required_and_off_hides_it(client, project, annotator):
    load(project, pairs(1))
    login(client, annotator)
    project.rationale = "required"
    project.save()
    assert 'name="rationale" rows="3" required' in client.get(reverse("labeling:work", args=[project.slug])).content.decode()
    project.rationale = "off"
    project.save()
    assert 'name="rationale"' not in client.get(reverse("labeling:work", args=[project.slug])).content.decode()


def test_reload_shows_the_same_item(client, project, annotator):
    load(project, pairs(3))
    login(client, annotator)
    client.get(reverse("labeling:work", args=[project.slug]))
    client.get(reverse("labeling:work", args=[project.slug]))
    assert Assignment.objects.filter(annotator=annotator).count() == 1


def test_multi_turn_prompt_is_shown_as_chat_turns(client, project, annotator):
    load(project, [{"prompt": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                               {"role": "user", "content": "Add 2 and 2"}], "responses": ["4", "5"]}])
    html = login(client, annotator).get(reverse("labeling:work", args=[project.slug])).content.decode()
    assert html.count('class="turn turn-') == 3 and "turn-assistant" in html and "turn-last" in html


def test_empty_queue_shows_all_done_with_counts(client, project, annotator):
    page = login(client, annotator).get(reverse("labeling:work", args=[project.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "All done" in html and "You have labelled <strong>0</strong> items here" in html
    assert 'class="label-form"' not in html


def test_every_member_role_may_label(client, project, lead):
    load(project, pairs(1))
    page = login(client, lead).get(reverse("labeling:work", args=[project.slug]))
    assert page.status_code == 200 and Assignment.objects.filter(annotator=lead, status=AssignmentStatus.OPEN).exists()


@pytest.mark.parametrize("name, args", [
    ("labeling:work", []), ("labeling:mine", []), ("labeling:edit", [1]),
])
def test_outsiders_get_404(client, project, outsider, name, args):
    load(project, pairs(1))
    response = login(client, outsider).get(reverse(name, args=[project.slug, *args]))
    assert response.status_code == 404
    assert not Assignment.objects.filter(annotator=outsider).exists()


def test_outsider_cannot_post_a_label_or_skip(client, project, outsider):
    load(project, pairs(1))
    login(client, outsider)
    assert client.post(reverse("labeling:work", args=[project.slug]), {"assignment_id": "1"}).status_code == 404
    assert client.post(reverse("labeling:skip", args=[project.slug]), {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("name, args", [
    ("labeling:home", []), ("labeling:work", ["helpfulness"]), ("labeling:mine", ["helpfulness"]),
])
def test_anonymous_users_are_sent_to_log_in(client, project, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_home_without_projects_says_so(client, db):
    from tests.conftest import make_user
    page = login(client, make_user("newcomer")).get(reverse("labeling:home"))
    assert "not in any project yet" in page.content.decode()


def test_a_member_of_two_projects_sees_both(client, project, annotator, step_project):
    Membership.objects.create(user=annotator, project=step_project, role=Role.ANNOTATOR)
    html = login(client, annotator).get(reverse("labeling:home")).content.decode()
    assert "Helpfulness" in html and "Math steps" in html
