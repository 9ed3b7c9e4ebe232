"""The queue under real concurrency on PostgreSQL: threads, each with its own database connection.

These tests commit (``transactional_db``), so every thread sees the others' work, locks included.
"""
import json
import math
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from apps.accounts.models import Membership, Role
from apps.datasets.models import Item
from apps.datasets.services import import_file
from apps.labeling.judgements import Judgement
from apps.labeling.models import Assignment, AssignmentStatus, Label
from apps.labeling.services import LabelRefused, next_assignment, submit_label
from apps.projects.services import current_rubric, project_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def make_project(*, items: int, overlap: int, gold: int = 0, gold_rate: float = 0.0, name="Concurrent"):
    project = project_create(user=None, name=name, overlap=overlap, gold_rate=gold_rate, randomize_sides=True)
    rows = [{"id": f"c{i}", "prompt": f"Question {i}?", "responses": [f"Answer {i} one", f"Answer {i} two"],
             **({"gold": {"preference": 1}} if i < gold else {})} for i in range(items)]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="c.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    return project


def make_annotators(project, n, prefix):
    users = [make_user(f"{prefix}{i}") for i in range(n)]
    Membership.objects.bulk_create(Membership(user=u, project=project, role=Role.ANNOTATOR) for u in users)
    return users


def run_together(target, args_list, timeout=60):
    """One thread per argument tuple, released together; each closes its own connection. Re-raises failures."""
    barrier = threading.Barrier(len(args_list))
    failures = []

    def run(*args):
        try:
            barrier.wait()
            target(*args)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if failures:
        raise failures[0]


class Log:
    """What the workers saw, appended from many threads (list.append is atomic)."""

    def __init__(self):
        self.stored, self.refused, self.assigned = [], [], []


def label_until_done(project, user, rubric_id, log: Log, max_rounds=1000):
    """Ask for the next item and always prefer the response shown first (A), until nothing is left."""
    for _ in range(max_rounds):
        assignment = next_assignment(project=project, user=user)
        if assignment is None:
            return
        log.assigned.append((assignment.pk, assignment.item_id, user.pk, assignment.item.is_gold))
        try:
            label = submit_label(project=project, user=user, assignment_id=assignment.pk,
                                 judgement=Judgement(preference=1), rubric_version_id=rubric_id)
        except LabelRefused as refused:
            log.refused.append((refused.code, assignment.item_id, user.pk))
        else:
            log.stored.append((label.pk, assignment.item_id, user.pk, tuple(assignment.shown_order)))
    raise AssertionError(f"{user} never ran out of items")


def binomial_bound(n, p, sds=4.5):
    sd = math.sqrt(n * p * (1 - p))
    return n * p - sds * sd, n * p + sds * sd


def test_twenty_annotators_fill_three_hundred_items_exactly_without_losing_a_label():
    project = make_project(items=300, overlap=3)
    users = make_annotators(project, 20, "c")
    rubric = current_rubric(project).pk
    log = Log()
    run_together(label_until_done, [(project, user, rubric, log) for user in users])

    labels = Label.objects.filter(item__project=project)
    # Nothing lost: every successful submit is stored, and nothing else is.
    assert sorted(labels.values_list("pk", flat=True)) == sorted(pk for pk, *_ in log.stored)
    assert labels.count() == len(log.stored) == 900
    per_item = labels.filter(is_current=True).values("item").annotate(n=Count("pk"), who=Count("annotator", distinct=True))
    assert len(per_item) == 300 and {(row["n"], row["who"]) for row in per_item} == {(3, 3)}
    assert set(Item.objects.filter(project=project).values_list("labels_count", flat=True)) == {3}
    # No annotator was handed an item twice; no assignment is left open (a refused one was retired).
    handed = Counter((item, user) for _a, item, user, _g in log.assigned)
    assert max(handed.values()) == 1
    assert not Assignment.objects.filter(project=project, status=AssignmentStatus.OPEN).exists()
    # No lease is handed out beyond the free slots, so no submit was refused.
    assert not log.refused and len(log.assigned) == 900

    # Side randomisation: both orders occur at about even odds, and the shown order is stored on each label,
    # which is what lets "A is better" (always given here) land canonical +1 or -1.
    orders = Counter(tuple(order) for order in labels.values_list("shown_order", flat=True))
    low, high = binomial_bound(900, 0.5)
    assert set(orders) == {(0, 1), (1, 0)} and low <= orders[(1, 0)] <= high
    for label in labels.only("preference", "shown_order", "assignment__shown_order").select_related("assignment"):
        assert label.shown_order == label.assignment.shown_order
        assert label.preference == (1 if label.shown_order == [0, 1] else -1)


def test_late_submits_on_expired_leases_race_fresh_annotators_cleanly():
    project = make_project(items=40, overlap=1, name="Leases")
    late_users = make_annotators(project, 10, "late")
    fresh_users = make_annotators(project, 10, "fresh")
    rubric = current_rubric(project).pk
    late = [next_assignment(project=project, user=user) for user in late_users]
    assert len({a.item_id for a in late}) == 10
    Assignment.objects.filter(pk__in=[a.pk for a in late]).update(expires_at=timezone.now() - timedelta(seconds=1))
    log, late_outcome = Log(), {}

    def late_submit(user, assignment):
        try:
            label = submit_label(project=project, user=user, assignment_id=assignment.pk,
                                 judgement=Judgement(preference=-1), rubric_version_id=rubric)
        except LabelRefused as refused:
            late_outcome[assignment.pk] = refused.code
        else:
            late_outcome[assignment.pk] = "stored"
            log.stored.append((label.pk, assignment.item_id, user.pk, tuple(assignment.shown_order)))

    work = [(late_submit, (user, a)) for user, a in zip(late_users, late)]
    work += [(label_until_done, (project, user, rubric, log)) for user in fresh_users]
    run_together(lambda fn, args: fn(*args), work)

    labels = Label.objects.filter(item__project=project)
    assert labels.count() == len(log.stored) == 40  # every item labelled once, no label lost
    assert set(labels.values_list("item_id", flat=True)) == set(Item.objects.filter(project=project).values_list("pk", flat=True))
    assert set(Item.objects.filter(project=project).values_list("labels_count", flat=True)) == {1}
    assert set(late_outcome.values()) <= {"stored", "lease_lost"}
    for a in late:
        stored = labels.get(item_id=a.item_id)
        # A late submit either landed (and then nobody else got the item) or was refused (someone else has it).
        assert (stored.annotator_id == a.annotator_id) == (late_outcome[a.pk] == "stored")
    # A refused late annotator moves on to a fresh item: the expired assignment is retired.
    refused_user = next((a.annotator for a in late if late_outcome[a.pk] != "stored"), None)
    if refused_user is not None:
        assert next_assignment(project=project, user=refused_user) is None  # all 40 are labelled
        assert not Assignment.objects.filter(annotator=refused_user, status=AssignmentStatus.OPEN).exists()


def test_gold_items_are_mixed_in_at_the_projects_rate():
    project = make_project(items=300, overlap=3, gold=60, gold_rate=0.2, name="Gold")
    users = make_annotators(project, 20, "g")
    rubric = current_rubric(project).pk
    log = Log()

    def draw(user, rounds=25):
        for _ in range(rounds):
            assignment = next_assignment(project=project, user=user)
            log.assigned.append((assignment.pk, assignment.item_id, user.pk, assignment.item.is_gold))
            try:
                submit_label(project=project, user=user, assignment_id=assignment.pk,
                             judgement=Judgement(preference=0), rubric_version_id=rubric)
            except LabelRefused as refused:
                log.refused.append((refused.code, assignment.item_id, user.pk))

    run_together(draw, [(user,) for user in users])
    draws = len(log.assigned)
    gold = sum(is_gold for *_, is_gold in log.assigned)
    low, high = binomial_bound(draws, 0.2)
    assert draws == 500 and low <= gold <= high, (gold, low, high)
    assert not log.refused
    # Neither pool ran dry, so the rate was never forced.
    assert Item.objects.filter(project=project, is_gold=True, labels_count__lt=3).exists()
    assert Item.objects.filter(project=project, is_gold=False, labels_count__lt=3).exists()


def until_lock_waiters(present: bool, deadline_s=20):
    """Return once some request of this test database waits on a lock (``present``), or once none does."""
    deadline = time.monotonic() + deadline_s
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()")
            if bool(cursor.fetchone()[0]) is present:
                return


def hold_item_locked(item_id, locked: threading.Event, then=None):
    """Another annotator's pick in flight: lock the item, and commit (after ``then``) once a request waits on it."""
    with transaction.atomic():
        Item.objects.select_for_update().get(pk=item_id)
        locked.set()
        until_lock_waiters(present=True)
        if then is not None:
            then()


def next_while_another_pick_holds(project, user, item, then=None):
    """next_assignment for ``user`` while another transaction holds ``item`` locked (and runs ``then`` before it
    commits)."""
    locked, got = threading.Event(), []

    def ask():
        locked.wait(10)
        got.append(next_assignment(project=project, user=user))

    run_together(lambda fn, *args: fn(*args), [(hold_item_locked, item.pk, locked, then), (ask,)])
    return got[0]


def test_an_item_only_held_by_another_pick_is_waited_for_not_reported_as_done():
    project = make_project(items=1, overlap=2, name="Last item")
    [_other, me] = make_annotators(project, 2, "last")
    item = Item.objects.get(project=project)
    assignment = next_while_another_pick_holds(project, me, item)
    assert assignment is not None and assignment.item_id == item.pk


def test_waiting_for_a_pick_that_takes_the_last_slot_ends_in_done_without_a_deadlock():
    project = make_project(items=1, overlap=1, name="Last slot")
    [other, me] = make_annotators(project, 2, "slot")
    item = Item.objects.get(project=project)

    def take_the_slot():
        Assignment.objects.create(project=project, item=item, annotator=other, shown_order=[0, 1],
                                  expires_at=timezone.now() + timedelta(minutes=30))

    assert next_while_another_pick_holds(project, me, item, then=take_the_slot) is None
    assert list(Assignment.objects.filter(item=item).values_list("annotator", flat=True)) == [other.pk]


def test_a_pick_held_past_the_wait_limit_ends_in_done_for_now(monkeypatch):
    monkeypatch.setattr("apps.labeling.services.PICK_WAIT_TIMEOUT", "50ms")
    project = make_project(items=1, overlap=2, name="Held long")
    [_other, me] = make_annotators(project, 2, "held")
    item = Item.objects.get(project=project)
    assert next_while_another_pick_holds(project, me, item, then=lambda: until_lock_waiters(present=False)) is None
    assert not Assignment.objects.filter(item=item).exists()
    assert next_assignment(project=project, user=me).item_id == item.pk  # once it is let go
