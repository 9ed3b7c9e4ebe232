"""The labelling queue through its services: next item, submit, skip, edit, lease expiry."""
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Membership, Role
from apps.datasets.models import Item
from apps.datasets.services import import_file
from apps.labeling.judgements import Judgement
from apps.labeling.models import Assignment, AssignmentStatus, Label
from apps.labeling.services import LabelRefused, edit_label, next_assignment, skip_assignment, submit_label
from apps.projects.services import current_rubric
from tests.conftest import make_user


def load(project, n=4, gold=0):
    rows = [{"id": f"r{i}", "prompt": f"Question {i}?", "responses": [f"Answer {i} one", f"Answer {i} two"],
             **({"gold": {"preference": 1}} if i < gold else {})} for i in range(n)]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="r.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors


def judged(preference=1, project=None):
    scores = {"accuracy": [4, 3], "coherence": [5, 5]}
    return Judgement(preference=preference, scores=scores)


def annotators(project, n):
    users = [make_user(f"ann{i}") for i in range(n)]
    Membership.objects.bulk_create(Membership(user=u, project=project, role=Role.ANNOTATOR) for u in users)
    return users


def submit(project, user, assignment, preference=1):
    return submit_label(project=project, user=user, assignment_id=assignment.pk, judgement=judged(preference),
                        rubric_version_id=current_rubric(project).pk)


def test_each_annotator_gets_each_item_once_and_overlap_is_respected(project):
    load(project, n=3)  # overlap 2
    users = annotators(project, 3)
    done = {u.pk: [] for u in users}
    for _ in range(3):
        for user in users:
            a = next_assignment(project=project, user=user)
            if a is not None:
                submit(project, user, a)
                done[user.pk].append(a.item_id)
    for items in done.values():
        assert len(items) == len(set(items))
    assert sorted(Item.objects.filter(project=project).values_list("labels_count", flat=True)) == [2, 2, 2]
    assert all(next_assignment(project=project, user=u) is None for u in users)


def test_reload_keeps_the_open_assignment(project, annotator):
    load(project)
    first = next_assignment(project=project, user=annotator)
    assert next_assignment(project=project, user=annotator).pk == first.pk


def test_submit_twice_stores_one_label(project, annotator):
    load(project)
    a = next_assignment(project=project, user=annotator)
    one, two = submit(project, annotator, a), submit(project, annotator, a)
    assert one.pk == two.pk and Label.objects.count() == 1


def test_preference_is_stored_in_canonical_order(project, annotator):
    load(project)
    a = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=a.pk).update(shown_order=[1, 0])
    label = submit(project, annotator, a, preference=1)  # "A is better", A being canonical 1
    assert label.preference == -1 and label.shown_order == [1, 0]
    assert label.scores == {"accuracy": [3, 4], "coherence": [5, 5]}


def test_expired_lease_frees_the_slot_and_late_submit_is_refused(project, annotator, lead):
    project.overlap = 1
    project.save()
    Item.objects.filter(project=project).update(overlap=1)
    load(project, n=1)
    Item.objects.update(overlap=1)
    late = next_assignment(project=project, user=annotator)
    assert next_assignment(project=project, user=lead) is None  # the only slot is leased
    Assignment.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taker = next_assignment(project=project, user=lead)
    assert taker is not None and taker.item_id == late.item_id
    with pytest.raises(LabelRefused) as refused:
        submit(project, annotator, late)
    assert refused.value.code == "lease_lost"
    submit(project, lead, taker)
    assert Label.objects.filter(item_id=late.item_id).count() == 1


def test_late_submit_is_taken_when_nobody_took_the_slot(project, annotator):
    load(project, n=1)
    a = next_assignment(project=project, user=annotator)
    Assignment.objects.filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    assert submit(project, annotator, a).item_id == a.item_id


def test_skip_frees_the_item_and_the_annotator_moves_on(project, annotator):
    load(project, n=2)
    a = next_assignment(project=project, user=annotator)
    skip_assignment(project=project, user=annotator, assignment_id=a.pk, reason="Cannot read code")
    b = next_assignment(project=project, user=annotator)
    assert b.item_id != a.item_id
    assert Assignment.objects.get(pk=a.pk).status == AssignmentStatus.SKIPPED


def test_bad_judgements_are_validation_errors(project, annotator):
    load(project)
    a = next_assignment(project=project, user=annotator)
    rubric = current_rubric(project).pk
    for bad in (Judgement(preference=2, scores=judged().scores), Judgement(preference=1),
                Judgement(preference=1, scores={"accuracy": [9, 1], "coherence": [1, 1]})):
        with pytest.raises(ValidationError):
            submit_label(project=project, user=annotator, assignment_id=a.pk, judgement=bad, rubric_version_id=rubric)
    assert not Label.objects.exists()


def test_edit_keeps_the_old_version(project, annotator):
    load(project)
    a = next_assignment(project=project, user=annotator)
    first = submit(project, annotator, a)
    second = edit_label(project=project, user=annotator, label_id=first.pk, judgement=judged(-1),
                        rubric_version_id=current_rubric(project).pk)
    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.version, second.previous_id) == (False, True, 2, first.pk)
    assert Item.objects.get(pk=a.item_id).labels_count == 1


def test_database_refuses_labels_beyond_overlap_from_any_code_path(project):
    load(project, n=1)
    item = Item.objects.get(project=project)
    users = annotators(project, 3)
    Label.objects.create(item=item, annotator=users[0])
    Label.objects.create(item=item, annotator=users[1])
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.create(item=item, annotator=users[2])
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.bulk_create([Label(item=item, annotator=users[2])])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO labeling_label (item_id, annotator_id, scores, flags, metadata, rationale, source, "
            "is_current, version, created_at) VALUES (%s, %s, '{}', '[]', '{}', '', 'api', true, 1, now())",
            [item.pk, users[2].pk],
        )
    assert Item.objects.get(pk=item.pk).labels_count == 2


def test_next_item_costs_few_queries(project, annotator):
    load(project, n=5)
    with CaptureQueriesContext(connection) as ctx:
        a = next_assignment(project=project, user=annotator)
    # The test's own transaction turns the service's BEGIN/COMMIT into savepoints: not counted.
    queries = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert a is not None and len(queries) <= 4, queries  # open lookup, pick (gold, then not), insert


def test_a_pick_that_lost_the_race_for_the_last_slot_picks_again(project, annotator, lead, monkeypatch):
    """The pick reads leases in a snapshot taken before it locks the item; the insert re-checks the slot."""
    from apps.labeling import services

    project.overlap = 1
    project.save()
    load(project, n=2)
    Item.objects.update(overlap=1)
    taken = next_assignment(project=project, user=lead)
    real_pick, calls = services._pick, []

    def stale_pick(project, user, *, gold, now):  # first sees the leased item as free, as a stale snapshot would
        calls.append(gold)
        return Item.objects.get(pk=taken.item_id) if len(calls) == 1 else real_pick(project, user, gold=gold, now=now)

    monkeypatch.setattr(services, "_pick", stale_pick)
    mine = next_assignment(project=project, user=annotator)
    assert mine is not None and mine.item_id != taken.item_id
    assert Assignment.objects.filter(item_id=taken.item_id).count() == 1


def test_an_open_assignment_on_an_item_filled_meanwhile_is_retired(project, annotator, lead):
    load(project, n=2)  # overlap 2
    stuck = next_assignment(project=project, user=annotator)
    other = make_user("other")
    Label.objects.create(item_id=stuck.item_id, annotator=lead)
    Label.objects.create(item_id=stuck.item_id, annotator=other)  # full, while the lease is still live
    fresh = next_assignment(project=project, user=annotator)
    assert fresh.item_id != stuck.item_id
    assert Assignment.objects.get(pk=stuck.pk).status == AssignmentStatus.EXPIRED
