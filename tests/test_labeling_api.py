"""The labelling API: next item, submit, skip, my labels; roles, errors, what is never shown, query counts."""
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Membership, Role
from apps.accounts.services import token_create
from apps.datasets.models import Item, ItemResponse
from apps.datasets.services import import_file
from apps.labeling.models import Assignment, AssignmentStatus, Label
from tests.conftest import make_user

SCORES = {"accuracy": [4, 2], "coherence": [5, 3]}


def load(project, n=3, *, gold=0, fmt="native"):
    """``n`` pairs; the first ``gold`` are gold items. Responses carry model names, which must never show."""
    rows = [
        {"id": f"q{i}", "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Q{i}?"}],
         "responses": [{"text": f"Answer {i} first", "model": "gpt-secret"}, {"text": f"Answer {i} second", "model": "claude-secret"}],
         **({"gold": {"preference": 1, "scores": SCORES}} if i < gold else {})}
        for i in range(n)
    ]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="items.jsonl", fmt=fmt)
    assert batch.status == "accepted", batch.errors


def client_for(user) -> APIClient:
    _token, key = token_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def url(project, rest):
    return f"/api/projects/{project.slug}/{rest}"


def next_item(client, project):
    return client.post(url(project, "assignments/next/"))


def submit(client, project, assignment_id, body=None, **kwargs):
    body = {"preference": 1, "scores": SCORES, **(body or {})}
    return client.post(url(project, f"assignments/{assignment_id}/submit/"), body, format="json", **kwargs)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    if code:
        assert error["code"] == code, error
    return error


@pytest.fixture
def ann(project, annotator):
    return client_for(annotator)


# --- next item ---------------------------------------------------------------------------------------------


def test_next_shows_the_item_in_its_shown_order_and_hides_what_would_bias(project, annotator, ann):
    project.gold_rate = 1.0
    project.save()
    load(project, n=2, gold=2)
    response = next_item(ann, project)
    assert response.status_code == 200
    data = response.json()
    assignment = Assignment.objects.get(annotator=annotator)
    assert set(data) == {"id", "expires_at", "rubric_version", "item", "step_rules"}
    assert data["id"] == assignment.pk and data["rubric_version"] == 1
    assert data["expires_at"].startswith(assignment.expires_at.strftime("%Y-%m-%dT%H:%M"))
    item = data["item"]
    assert set(item) == {"id", "kind", "prompt", "responses"} and item["kind"] == "pair"
    assert item["id"] == assignment.item_id
    number = Item.objects.get(pk=assignment.item_id).external_id.removeprefix("q")
    assert item["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Q{number}?"}]
    canonical = dict(ItemResponse.objects.filter(item_id=assignment.item_id).values_list("position", "response__text"))
    assert [r["letter"] for r in item["responses"]] == ["A", "B"]
    assert [r["text"] for r in item["responses"]] == [canonical[p] for p in assignment.shown_order]
    assert all(set(r) == {"letter", "text", "steps"} and r["steps"] is None for r in item["responses"])
    # A gold item with a hidden answer: nothing in the payload says so, nor which model wrote what.
    assert Item.objects.get(pk=assignment.item_id).is_gold
    raw = response.content.decode()
    for secret in ("gold", "secret", "reference", "position", "preferred", "external", "q0", "q1", "metadata"):
        assert secret not in raw, secret


def test_next_never_leaks_the_trl_reference_of_the_chosen_side(project, ann):
    rows = [{"prompt": f"Q{i}?", "chosen": f"good {i}", "rejected": f"bad {i}", "margin": 2.5} for i in range(3)]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="trl.jsonl", fmt="trl")
    assert batch.status == "accepted" and Item.objects.filter(reference__isnull=False).count() == 3
    raw = next_item(ann, project).content.decode()
    assert "good" in raw and "bad" in raw
    for secret in ("reference", "margin", "2.5", "trl", "chosen", "rejected", "preferred"):
        assert secret not in raw, secret


def test_next_keeps_the_open_assignment_and_says_204_when_nothing_is_left(project, ann):
    load(project, n=1)
    first = next_item(ann, project).json()
    assert next_item(ann, project).json()["id"] == first["id"]  # a reload keeps it
    assert submit(ann, project, first["id"]).status_code == 201
    empty = next_item(ann, project)
    assert empty.status_code == 204 and empty.content == b""


def test_the_order_shown_is_randomised_per_assignment(project):
    load(project, n=40)
    project.overlap = 1
    project.save()
    Item.objects.update(overlap=1)
    orders = set()
    for i in range(12):
        user = make_user(f"r{i}")
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
        client = client_for(user)
        for _ in range(3):
            data = next_item(client, project).json()
            orders.add(tuple(Assignment.objects.get(pk=data["id"]).shown_order))
            assert submit(client, project, data["id"]).status_code == 201
    assert orders == {(0, 1), (1, 0)}


# --- roles ---------------------------------------------------------------------------------------------------


def _all_calls(project, assignment_id, label_id):
    body = {"preference": 1, "scores": SCORES}
    return [
        ("post", url(project, "assignments/next/"), None),
        ("post", url(project, f"assignments/{assignment_id}/submit/"), body),
        ("post", url(project, f"assignments/{assignment_id}/skip/"), {"reason": "x"}),
        ("get", url(project, "labels/mine/"), None),
        ("get", url(project, f"labels/mine/{label_id}/"), None),
        ("put", url(project, f"labels/mine/{label_id}/"), body),
        ("patch", url(project, f"labels/mine/{label_id}/"), {"rationale": "x"}),
    ]


def test_anonymous_gets_401_and_a_bad_token_401_everywhere(project, annotator, ann):
    load(project, n=2)
    a = next_item(ann, project).json()["id"]
    label = submit(ann, project, a).json()["id"]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token ap_not-a-real-key")
    for client in (APIClient(), bad):
        for method, path, body in _all_calls(project, a, label):
            response = getattr(client, method)(path, body, format="json")
            assert_error(response, 401)
            assert response["WWW-Authenticate"] == "Token"
    assert Label.objects.count() == 1


def test_an_outsider_gets_404_everywhere_even_with_real_ids(project, annotator, outsider, ann):
    load(project, n=2)
    a = next_item(ann, project).json()["id"]
    label = submit(ann, project, a).json()["id"]
    client = client_for(outsider)
    for method, path, body in _all_calls(project, a, label):
        assert_error(getattr(client, method)(path, body, format="json"), 404, "not_found")
    assert_error(client.post("/api/projects/no-such-project/assignments/next/"), 404, "not_found")
    assert Label.objects.count() == 1 and Assignment.objects.count() == 1


@pytest.mark.parametrize("who", ["annotator", "lead", "padmin", "staff"])
def test_every_member_role_and_staff_may_label(project, users, who):
    load(project, n=1)
    client = client_for(users[who])
    data = next_item(client, project).json()
    created = submit(client, project, data["id"])
    assert created.status_code == 201
    assert Label.objects.get().annotator == users[who]
    assert client.get(url(project, "labels/mine/")).json()["count"] == 1


def test_another_annotators_assignment_and_label_are_404(project, annotator, lead, ann):
    load(project, n=2)
    a = next_item(ann, project).json()["id"]
    label = submit(ann, project, a).json()["id"]
    other = client_for(lead)
    b = next_item(other, project).json()["id"]
    assert_error(submit(other, project, a), 404, "not_found")
    assert_error(ann.post(url(project, f"assignments/{b}/skip/"), {"reason": "x"}, format="json"), 404)
    assert_error(other.get(url(project, f"labels/mine/{label}/")), 404)
    assert_error(other.patch(url(project, f"labels/mine/{label}/"), {"rationale": "mine"}, format="json"), 404)
    assert Label.objects.get().rationale == ""


# --- submit ----------------------------------------------------------------------------------------------------


def test_submit_stores_canonical_and_answers_in_shown_order_idempotently(project, annotator, ann):
    load(project, n=1)
    data = next_item(ann, project).json()
    Assignment.objects.filter(pk=data["id"]).update(shown_order=[1, 0])
    body = {"preference": 1, "scores": {"accuracy": [5, 1], "coherence": [4, 2]}, "rationale": " B rambles ",
            "flags": ["cannot_judge"], "active_ms": 5400}
    first = submit(ann, project, data["id"], body)
    assert first.status_code == 201
    label = Label.objects.get()
    # Stored canonical: "A is better" with A = canonical 1 means the first canonical response is worse.
    assert (label.preference, label.scores, label.shown_order) == (
        -1, {"accuracy": [1, 5], "coherence": [2, 4]}, [1, 0])
    assert (label.rationale, label.flags, label.active_ms, label.source) == ("B rambles", ["cannot_judge"], 5400, "api")
    assert label.rubric_version.number == 1 and label.assignment_id == data["id"]
    out = first.json()
    assert out == {
        "id": label.pk, "item": data["item"]["id"], "assignment": data["id"], "version": 1, "is_current": True,
        "rubric_version": 1, "preference": 1, "ranks": None, "step_ratings": None, "step_notes": None,
        "first_wrong_step": None, "final_answer_correct": None, "finish_reason": "",
        "scores": {"accuracy": [5, 1], "coherence": [4, 2]}, "rationale": "B rambles", "flags": ["cannot_judge"],
        "active_ms": 5400, "created_at": out["created_at"],
    }
    again = submit(ann, project, data["id"], body)  # double click / network retry
    assert again.status_code == 200 and again.json() == out
    assert Label.objects.count() == 1
    assert Assignment.objects.get(pk=data["id"]).status == AssignmentStatus.SUBMITTED
    assert Item.objects.get().labels_count == 1


def test_submit_after_the_lease_was_taken_is_409_lease_lost(project, annotator, lead, ann):
    project.overlap = 1
    project.save()
    load(project, n=1)
    late = next_item(ann, project).json()["id"]
    other = client_for(lead)
    assert next_item(other, project).status_code == 204  # the only slot is leased
    Assignment.objects.filter(pk=late).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = next_item(other, project).json()
    assert taken["item"]["id"] == Assignment.objects.get(pk=late).item_id
    error = assert_error(submit(ann, project, late), 409, "lease_lost")
    assert "someone else" in error["message"]
    assert submit(other, project, taken["id"]).status_code == 201
    assert_error(submit(ann, project, late), 409)  # still refused; the item is full now
    assert Label.objects.get().annotator == lead
    assert next_item(ann, project).status_code == 204  # nothing left for them: the expired one is retired
    assert Assignment.objects.get(pk=late).status == AssignmentStatus.EXPIRED


def test_a_late_submit_nobody_competed_for_is_taken(project, ann):
    load(project, n=1)
    a = next_item(ann, project).json()["id"]
    Assignment.objects.filter(pk=a).update(expires_at=timezone.now() - timedelta(minutes=5))
    assert submit(ann, project, a).status_code == 201


def test_submit_on_a_skipped_assignment_is_409(project, ann):
    load(project, n=2)
    a = next_item(ann, project).json()["id"]
    assert ann.post(url(project, f"assignments/{a}/skip/"), {"reason": "Cannot judge code"}, format="json").status_code == 200
    assert_error(submit(ann, project, a), 409, "lease_lost")
    assert not Label.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"preference": "much"}, "preference"),
    ({"preference": True}, "preference"),
    ({"preference": 2}, "preference"),  # outside the tie scale (-1, 0, 1)
    ({"preference": None}, "preference"),
    ({"scores": {"accuracy": [9, 1], "coherence": [3, 3]}}, "scores"),
    ({"scores": {"accuracy": [1, 1]}}, "scores"),  # a dimension missing
    ({"scores": {"accuracy": [1, 1], "coherence": [3, 3], "verbosity": [1, 1]}}, "scores"),
    ({"scores": {"accuracy": ["a", 1], "coherence": [3, 3]}}, "scores"),
    ({"scores": {"accuracy": [1, 1, 1], "coherence": [3, 3, 3]}}, "scores"),
    ({"scores": [[1, 1]]}, "scores"),
    ({"scores": {"accuracy": 3, "coherence": [3, 3]}}, "scores"),
    ({"flags": ["boring"]}, "flags"),
    ({"flags": "unsafe"}, "flags"),
    ({"active_ms": -5}, "active_ms"),
    ({"active_ms": 10**12}, "active_ms"),
    ({"rationale": "x" * 5001}, "rationale"),
    ({"rationale": "null \x00 byte"}, "rationale"),
    ({"ranks": "1,2"}, "ranks"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_submit_bodies_are_400_naming_the_field_and_store_nothing(project, ann, body, field):
    load(project, n=1)
    a = next_item(ann, project).json()["id"]
    error = assert_error(submit(ann, project, a, body), 400)
    assert field in error["details"], error
    assert not Label.objects.exists()
    assert Assignment.objects.get(pk=a).status == AssignmentStatus.OPEN


def test_malformed_or_non_object_json_and_other_media_types_are_4xx(project, ann):
    load(project, n=1)
    a = next_item(ann, project).json()["id"]
    path = url(project, f"assignments/{a}/submit/")
    assert_error(ann.post(path, '{"preference": 1,', content_type="application/json"), 400, "parse_error")
    assert_error(ann.post(path, "[1, 2]", content_type="application/json"), 400)
    assert_error(ann.post(path, '"text"', content_type="application/json"), 400)
    assert_error(ann.post(path, "preference=1", content_type="application/x-www-form-urlencoded"), 415)
    assert not Label.objects.exists()


def test_unknown_or_out_of_range_ids_are_404(project, ann):
    load(project, n=1)
    next_item(ann, project)
    assert_error(submit(ann, project, 987654321), 404, "not_found")
    assert_error(submit(ann, project, 10**30), 404, "not_found")  # beyond bigint: still not a 500
    assert_error(ann.get(url(project, f"labels/mine/{10**30}/")), 404)
    assert_error(ann.post(url(project, f"assignments/{10**30}/skip/"), {"reason": "x"}, format="json"), 404)


def test_a_project_that_requires_a_rationale_refuses_a_label_without_one(project, ann):
    project.rationale = "required"
    project.save()
    load(project, n=1)
    a = next_item(ann, project).json()["id"]
    assert_error(submit(ann, project, a, {"rationale": "   "}), 400)
    assert submit(ann, project, a, {"rationale": "A cites a source"}).status_code == 201


def test_ranking_and_step_items_through_the_api(ranking_project, step_project, lead):
    client = client_for(lead)
    rows = [{"prompt": "Rank?", "responses": ["one", "two", "three", "four"]}]
    import_file(project=ranking_project, user=None, data=json.dumps(rows[0]).encode(), filename="r.jsonl", fmt="native")
    data = next_item(client, ranking_project).json()
    assert [r["letter"] for r in data["item"]["responses"]] == ["A", "B", "C", "D"]
    order = Assignment.objects.get(pk=data["id"]).shown_order
    assert_error(client.post(url(ranking_project, f"assignments/{data['id']}/submit/"), {"ranks": [1, 1, 2, 3]},
                             format="json"), 400)
    ok = client.post(url(ranking_project, f"assignments/{data['id']}/submit/"), {"ranks": [1, 2, 3, 4]}, format="json")
    assert ok.status_code == 201 and ok.json()["ranks"] == [1, 2, 3, 4]
    stored = Label.objects.get(item__project=ranking_project).ranks
    assert [stored[position] for position in order] == [1, 2, 3, 4]

    step_row = {"prompt": "2+2?", "responses": [{"steps": ["2+2 is 4", "so 4"]}]}
    import_file(project=step_project, user=None, data=json.dumps(step_row).encode(), filename="s.jsonl", fmt="native")
    data = next_item(client, step_project).json()
    assert data["item"]["kind"] == "steps" and data["item"]["responses"][0]["steps"] == ["2+2 is 4", "so 4"]
    path = url(step_project, f"assignments/{data['id']}/submit/")
    assert_error(client.post(path, {"step_ratings": [1]}, format="json"), 400)
    assert_error(client.post(path, {"step_ratings": [1, 2]}, format="json"), 400)
    ok = client.post(path, {"step_ratings": [1, -1], "step_notes": [None, {"category": "logical error"}],
                            "final_answer_correct": False}, format="json")
    assert ok.status_code == 201 and Label.objects.get(item__project=step_project).step_ratings == [1, -1]


# --- skip --------------------------------------------------------------------------------------------------------


def test_skip_records_the_reason_and_moves_on(project, ann):
    load(project, n=2)
    a = next_item(ann, project).json()
    path = url(project, f"assignments/{a['id']}/skip/")
    assert_error(ann.post(path, {"reason": "   "}, format="json"), 400)
    assert_error(ann.post(path, {}, format="json"), 400)
    response = ann.post(path, {"reason": "  Code I cannot read  "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["skip_reason"]) == (a["id"], "skipped", "Code I cannot read")
    assert Assignment.objects.get(pk=a["id"]).status == AssignmentStatus.SKIPPED
    assert_error(ann.post(path, {"reason": "again"}, format="json"), 409, "not_open")
    b = next_item(ann, project).json()
    assert b["item"]["id"] != a["item"]["id"]


# --- my labels -----------------------------------------------------------------------------------------------------


def _label_three(client, project):
    ids = []
    for _ in range(3):
        a = next_item(client, project).json()["id"]
        ids.append(submit(client, project, a).json()["id"])
    return ids


def test_my_labels_lists_only_my_current_labels_newest_first(project, annotator, lead, ann):
    load(project, n=4)
    mine = _label_three(ann, project)
    _label_three(client_for(lead), project)
    ann.patch(url(project, f"labels/mine/{mine[0]}/"), {"rationale": "edited"}, format="json")
    page = ann.get(url(project, "labels/mine/"))
    assert page.status_code == 200
    data = page.json()
    edited = Label.objects.get(previous_id=mine[0]).pk
    assert data["count"] == 3 and [r["id"] for r in data["results"]] == [edited, mine[2], mine[1]]
    first = data["results"][0]
    assert first["version"] == 2 and first["rationale"] == "edited"
    assert first["prompt"] == Label.objects.get(pk=edited).item.prompt.text
    assert data["next"] is None and data["previous"] is None
    assert_error(ann.get(url(project, "labels/mine/?page=9")), 404)


def test_editing_through_the_api_keeps_history(project, annotator, ann):
    load(project, n=1)
    data = next_item(ann, project).json()
    Assignment.objects.filter(pk=data["id"]).update(shown_order=[1, 0])
    v1 = submit(ann, project, data["id"], {"preference": -1, "rationale": "B is right"}).json()
    path = url(project, f"labels/mine/{v1['id']}/")
    detail = ann.get(path).json()
    assert detail["history"] == [] and detail["preference"] == -1
    shown = detail["shown_item"]
    assert [r["text"] for r in shown["responses"]] == ["Answer 0 second", "Answer 0 first"]

    put = ann.put(path, {"preference": 1, "scores": {"accuracy": [5, 5], "coherence": [1, 1]}}, format="json")
    assert put.status_code == 200
    v2 = put.json()
    assert (v2["version"], v2["preference"], v2["rationale"], v2["is_current"]) == (2, 1, "", True)
    assert [h["id"] for h in v2["history"]] == [v1["id"]] and v2["history"][0]["rationale"] == "B is right"

    patch = ann.patch(url(project, f"labels/mine/{v2['id']}/"), {"rationale": "On reflection, A",
                                                                 "scores": {"coherence": [2, 2]}}, format="json")
    assert patch.status_code == 200
    v3 = patch.json()
    assert (v3["version"], v3["preference"], v3["rationale"]) == (3, 1, "On reflection, A")
    assert v3["scores"] == {"accuracy": [5, 5], "coherence": [2, 2]}
    assert [h["version"] for h in v3["history"]] == [2, 1]

    stored = Label.objects.order_by("version")
    assert [(v.version, v.is_current, v.preference) for v in stored] == [(1, False, 1), (2, False, -1), (3, True, -1)]
    assert Item.objects.get().labels_count == 1
    # An old version cannot be edited, and a bad edit stores nothing.
    assert_error(ann.put(path, {"preference": 1, "scores": SCORES}, format="json"), 409, "not_current")
    assert_error(ann.patch(url(project, f"labels/mine/{v3['id']}/"), {"preference": 7}, format="json"), 400)
    assert Label.objects.count() == 3
    # The old version is still readable, marked as replaced.
    old = ann.get(path).json()
    assert old["is_current"] is False and old["version"] == 1


def test_my_labels_filter_by_item_creation_time_and_versions(project, annotator, lead, ann):
    load(project, n=4)
    mine = _label_three(ann, project)
    _label_three(client_for(lead), project)  # another annotator's labels never show, whatever the filters
    edited = ann.patch(url(project, f"labels/mine/{mine[0]}/"), {"rationale": "edited"}, format="json").json()["id"]

    def ids(**query):
        response = ann.get(url(project, "labels/mine/"), query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    item = Label.objects.get(pk=mine[1]).item_id
    assert ids(item=item) == [mine[1]]
    assert ids(item=Label.objects.get(pk=mine[0]).item_id) == [edited]
    assert ids(item=Label.objects.get(pk=mine[0]).item_id, versions="all") == [edited, mine[0]]
    assert ids(versions="all") == [edited, mine[2], mine[1], mine[0]]
    assert ids(versions="current") == [edited, mine[2], mine[1]]
    Label.objects.filter(pk=mine[1]).update(created_at=timezone.now() - timedelta(days=3))
    cut = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(created_before=cut) == [mine[1]]
    assert ids(created_after=cut) == [edited, mine[2]]
    assert ids(created_after=cut, item=item) == []
    assert ids(annotator="lead") == [edited, mine[2], mine[1]]  # not a filter here: always the caller's own


@pytest.mark.parametrize("query", [{"item": "x"}, {"item": "0"}, {"item": str(2**64)}, {"versions": "some"},
                                   {"created_after": "yesterday"}, {"created_before": "2024-13-40T00:00:00"}])
def test_bad_my_label_filters_are_a_clear_400(project, ann, query):
    error = assert_error(ann.get(url(project, "labels/mine/"), query), 400)
    assert next(iter(query)) in error["details"]


# --- query counts ----------------------------------------------------------------------------------------------------


def _statements(ctx):
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("gold", [False, True])
def test_next_and_submit_stay_within_their_query_budget(project, ann, gold):
    project.gold_rate = 1.0 if gold else 0.0
    project.save()
    load(project, n=6, gold=6 if gold else 0)
    # Warm up: the token's last-use stamp (written at most once a minute) and the per-process rubric caches.
    warm = next_item(ann, project).json()["id"]
    assert submit(ann, project, warm).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        response = next_item(ann, project)
    assert response.status_code == 200
    assert len(_statements(ctx)) <= 6, _statements(ctx)
    with CaptureQueriesContext(connection) as ctx:
        created = submit(ann, project, response.json()["id"])
    assert created.status_code == 201
    assert len(_statements(ctx)) <= 8, _statements(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert submit(ann, project, response.json()["id"]).status_code == 200
    assert len(_statements(ctx)) <= 8, _statements(ctx)
    with CaptureQueriesContext(connection) as ctx:
        assert next_item(ann, project).json()["id"] == next_item(ann, project).json()["id"]  # reload: cheaper
    assert len(_statements(ctx)) <= 2 * 6


def test_the_query_count_header_counts_every_statement_of_the_request(project, annotator):
    from django.conf import settings

    load(project, n=2)
    _token, key = token_create(user=annotator, name="header")

    def fresh_client():  # a client loads the middleware at its first request
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    next_item(fresh_client(), project)  # stamp the token's last use
    middleware = ["apps.core.query_count.QueryCountMiddleware", *settings.MIDDLEWARE]
    with override_settings(QUERY_COUNT_HEADER=True, MIDDLEWARE=middleware):
        with CaptureQueriesContext(connection) as ctx:
            response = next_item(fresh_client(), project)
        # Inside the test's transaction the services' atomic blocks are savepoints, which count here too.
        assert int(response["X-DB-Queries"]) == len(ctx.captured_queries) > len(_statements(ctx)) >= 4
    with override_settings(QUERY_COUNT_HEADER=False, MIDDLEWARE=middleware):
        assert "X-DB-Queries" not in next_item(fresh_client(), project)  # off unless asked for
    assert "X-DB-Queries" not in next_item(fresh_client(), project)


def test_the_labelling_endpoints_are_documented(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    for path in ("/api/projects/{slug}/assignments/next/:", "/api/projects/{slug}/assignments/{id}/submit/:",
                 "/api/projects/{slug}/assignments/{id}/skip/:", "/api/projects/{slug}/labels/mine/:",
                 "/api/projects/{slug}/labels/mine/{id}/:"):
        assert path in schema, path
    for operation in ("assignments_next", "assignments_submit", "assignments_skip", "labels_mine_list",
                      "labels_mine_retrieve", "labels_mine_update", "labels_mine_partial_update"):
        assert f"operationId: {operation}" in schema, operation
