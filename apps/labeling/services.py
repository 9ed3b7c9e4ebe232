"""Writes for labelling: hand out the next item, take a label, skip, edit a label.

The queue runs on the database: the candidate item is locked with
``SELECT … FOR UPDATE SKIP LOCKED`` so concurrent annotators do not wait on each other (but for
the queue's last items, see ``next_assignment``), a slot is
held by a live lease (an open assignment not yet expired), and the item's ``labels_count`` is kept
by a trigger under a check constraint, so no code path can exceed the overlap.
"""
import json
import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from psycopg.errors import LockNotAvailable

from apps.datasets.models import Item, Prompt
from apps.projects.models import Project

from . import judgements, selectors
from .models import Assignment, AssignmentStatus, Label, LabelSource
from .rubric_cache import rubric_rules
from .selectors import from_row, sql_columns, sql_table


class LabelRefused(Exception):
    """A submit that cannot be stored; ``message`` says why, for the annotator."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _best_open_item_sql(columns: str, join: str = "") -> str:
    """The query for the best open item an annotator may take next. Parameters: project id, is_gold,
    annotator id, the open status, now."""
    items, assignments = sql_table(Item), sql_table(Assignment)
    return (
        f"SELECT {columns} FROM {items} i{join} WHERE i.project_id = %s AND i.is_gold = %s "
        f"AND i.labels_count < i.overlap "
        f"AND %s NOT IN (SELECT m.annotator_id FROM {assignments} m WHERE m.item_id = i.id) "
        f"AND i.labels_count < i.overlap - (SELECT COUNT(*) FROM {assignments} l WHERE l.item_id = i.id "
        f"AND l.status = %s AND l.expires_at > %s) "
        f"ORDER BY i.priority DESC, i.id ASC LIMIT 1"
    )


def _pick(project: Project, user, *, gold: bool, now) -> Item | None:
    """The best open item for this annotator, with its prompt, locked; items others hold locked are
    skipped, not waited on.

    PostgreSQL walks the ``item_queue_open`` index in queue order and stops at the first item that
    passes: no scan of the project. Both per-item checks are correlated subqueries that can only look up
    the candidate item's own assignments (a few rows, by the item index) and that the planner keeps as
    per-candidate filters, whatever its statistics say. Written as ``NOT EXISTS`` the "not mine" check
    became an anti-join that, with statistics taken while the assignments table was small, read all the
    annotator's assignments for every candidate; as ``COUNT(…) WHERE annotator = me`` it could pick the
    annotator index with the same effect; as ``IS NULL`` it was estimated so selective that the planner
    sorted every open item instead of walking the index.
    Hand-written (see ``selectors.from_row``): this runs for every item handed out.
    """
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE OF i" if connection.features.has_select_for_update_of else " FOR UPDATE"
        lock += " SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    columns = f"{sql_columns(Item, 'i')}, {sql_columns(Prompt, 'p')}"
    join = f" JOIN {sql_table(Prompt)} p ON p.id = i.prompt_id"
    with connection.cursor() as cursor:
        cursor.execute(_best_open_item_sql(columns, join) + lock,
                       [project.pk, gold, user.pk, AssignmentStatus.OPEN, now])
        row = cursor.fetchone()
    if row is None:
        return None
    item, end = from_row(Item, row)
    item.prompt = from_row(Prompt, row, end)[0]
    return item


def _locked_candidate(project: Project, user, *, gold: bool, now) -> int | None:
    """The item ``_pick`` would take were no other pick holding it locked (a plain read ignores row locks)."""
    with connection.cursor() as cursor:
        cursor.execute(_best_open_item_sql("i.id"), [project.pk, gold, user.pk, AssignmentStatus.OPEN, now])
        row = cursor.fetchone()
    return row[0] if row else None


def _response_count(item: Item) -> int:
    return {"pair": 2, "steps": 1}.get(item.kind) or item.slots.count()


def _shown_order(project: Project, count: int) -> list[int]:
    order = list(range(count))
    if project.randomize_sides:
        random.shuffle(order)
    return order


def _room_for(item: Item, user, now) -> bool:
    others = Assignment.objects.filter(
        item=item, status=AssignmentStatus.OPEN, expires_at__gt=now
    ).exclude(annotator=user).count()
    return item.labels_count + others < item.overlap


# How often, and how long each time, a request waits for other annotators' picks that hold the only items left.
PICK_WAITS = 3
PICK_WAIT_TIMEOUT = "5s"


@dataclass(frozen=True)
class _TryAgain:
    """Picks found nothing free, yet this item is open to the annotator: another pick holds it locked this instant
    (``item_id`` None: picks kept losing races for last slots)."""

    item_id: int | None


def next_assignment(
    *, project: Project, user, open_assignment: Assignment | None = None, none_open: bool = False
) -> Assignment | None:
    """The annotator's open assignment if they have one, else a new one on the best open item, or None.

    ``open_assignment`` lets a caller that already loaded it save the lookup; ``none_open`` says the caller
    knows there is none (it just closed the annotator's only one: one open assignment per project is a
    constraint). Should one have been opened meanwhile, the insert below finds it.

    Picks skip items that other annotators' picks hold locked, so when those are the only ones left (near the
    queue's end), the answer would be "nothing left" while an item may still have a slot for this annotator.
    Then it tries again in a new transaction that first waits for that item's lock. Holding no other lock while it
    waits, it can never close a deadlock. Inside a caller's transaction, which may hold locks, it does not wait.
    """
    result = _next_assignment(project, user, open_assignment=open_assignment, none_open=none_open)
    for _ in range(PICK_WAITS):
        if not isinstance(result, _TryAgain) or connection.in_atomic_block:
            break
        try:
            result = _next_assignment(project, user, wait_for=result.item_id)
        except OperationalError as error:
            if not isinstance(error.__cause__, LockNotAvailable):
                raise
            return None  # a long write (a bulk reprioritisation) holds it: nothing for now
    return result if isinstance(result, Assignment) else None


@transaction.atomic
def _next_assignment(project: Project, user, *, open_assignment=None, none_open=False, wait_for=None):
    now = timezone.now()
    lease = timedelta(minutes=project.lease_minutes)
    current = None if none_open else open_assignment or selectors.open_assignment(project, user)
    if current is not None:
        live = current.expires_at > now
        if live and current.item.labels_count < current.item.overlap:
            return current
        # The lease ran out: keep the item if its slot is still free, else let it go. A live lease on an item
        # that others filled meanwhile (two picks raced for its last slot) can never be submitted: let it go too.
        item = None if live else Item.objects.select_for_update().get(pk=current.item_id)
        if item is not None and _room_for(item, user, now):
            current.expires_at = now + lease
            current.save(update_fields=["expires_at"])
            return current
        current.status, current.finished_at = AssignmentStatus.EXPIRED, now
        current.save(update_fields=["status", "finished_at"])
    elif wait_for is not None:
        _wait_for_lock(wait_for)  # the first lock this transaction takes
        now = timezone.now()

    want_gold = project.gold_rate > 0 and random.random() < project.gold_rate
    for _attempt in range(5):
        item = _pick(project, user, gold=want_gold, now=now) or _pick(project, user, gold=not want_gold, now=now)
        if item is None:
            held = (_locked_candidate(project, user, gold=want_gold, now=now)
                    or _locked_candidate(project, user, gold=not want_gold, now=now))
            return None if held is None else _TryAgain(held)
        created = _create_assignment(
            project=project, item=item, user=user, shown_order=_shown_order(project, _response_count(item)),
            now=now, expires_at=now + lease,
        )
        if created is not None:
            return created
        # Another request of the same annotator opened one first (double click, two tabs): use it.
        mine = selectors.open_assignment(project, user)
        if mine is not None:
            return mine
        # Else the item's last slot was leased by a pick that committed while ours ran: pick again.
    return _TryAgain(None)


def _wait_for_lock(item_id: int) -> None:
    """Wait, at most PICK_WAIT_TIMEOUT, until whoever holds this item locked commits; then hold it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [PICK_WAIT_TIMEOUT])
        cursor.execute(f"SELECT id FROM {sql_table(Item)} WHERE id = %s FOR UPDATE", [item_id])


def _create_assignment(*, project, item, user, shown_order, now, expires_at) -> Assignment | None:
    """Insert the assignment in one statement; None when a unique constraint says it exists already, or
    when the item has no free slot left.

    The pick read the item's leases in a snapshot taken before it locked the row, so a lease committed in
    between (another pick of the same item) was not seen. This statement runs after the lock is held, in a
    fresh snapshot, and inserts only if the slot is still free. ``ON CONFLICT DO NOTHING`` keeps the
    surrounding transaction usable without a savepoint.
    """
    table = connection.ops.quote_name(Assignment._meta.db_table)
    items = connection.ops.quote_name(Item._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, item_id, annotator_id, status, shown_order, created_at, expires_at, "
            f"skip_reason) SELECT %s, %s, %s, %s, %s, %s, %s, '' FROM {items} i WHERE i.id = %s "
            f"AND i.labels_count + (SELECT COUNT(*) FROM {table} a WHERE a.item_id = i.id AND a.status = %s "
            "AND a.expires_at > %s AND a.annotator_id <> %s) < i.overlap ON CONFLICT DO NOTHING RETURNING id",
            [project.pk, item.pk, user.pk, AssignmentStatus.OPEN, json.dumps(shown_order), now, expires_at,
             item.pk, AssignmentStatus.OPEN, now, user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Assignment(
        pk=row[0], project=project, item=item, annotator=user, status=AssignmentStatus.OPEN,
        shown_order=shown_order, created_at=now, expires_at=expires_at, skip_reason="",
    )


def _step_count(item: Item) -> int:
    if item.kind != "steps":
        return 0
    response = item.slots.select_related("response").first().response
    return len(response.steps or [])


def _canonical(judgement, *, project, item, shown_order, rubric_version_id):
    return judgements.check(
        judgement, kind=item.kind, shown_order=shown_order, step_count=_step_count(item), project=project,
        dimensions=rubric_rules(rubric_version_id),
    )


def _insert_label(**fields) -> Label:
    """Insert a label; a constraint violation becomes a LabelRefused that rolls the transaction back."""
    try:
        return Label.objects.create(**fields)
    except IntegrityError as error:
        if "item_labels_within_overlap" in str(error):
            raise LabelRefused("This item already has all the labels it needs.", "item_full") from error
        if "label_one_current_per_annotator" in str(error):
            raise LabelRefused("You have already labelled this item.", "already_labelled") from error
        raise


def _locked_assignment(project: Project, user, assignment_id: int) -> Assignment | None:
    """The annotator's assignment with its item, both rows locked (``FOR UPDATE OF a, i``).

    Hand-written (see ``selectors.from_row``): this runs for every label submitted.
    """
    if not -(2**63) <= assignment_id < 2**63:
        return None  # beyond any id: not a database error
    lock = ""
    if connection.features.has_select_for_update:
        lock = " FOR UPDATE OF a, i" if connection.features.has_select_for_update_of else " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql_columns(Assignment, 'a')}, {sql_columns(Item, 'i')} FROM {sql_table(Assignment)} a "
            f"JOIN {sql_table(Item)} i ON i.id = a.item_id WHERE a.id = %s AND a.project_id = %s "
            f"AND a.annotator_id = %s{lock}",
            [assignment_id, project.pk, user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    assignment, end = from_row(Assignment, row)
    assignment.item = from_row(Item, row, end)[0]
    return assignment


def submit_label(
    *, project: Project, user, assignment_id: int, judgement: judgements.Judgement, rubric_version_id: int | None,
    source: str = LabelSource.UI,
) -> Label:
    """Store the annotator's label for their assignment, exactly once.

    Submitting again (double click, network retry) returns the label already stored. A submit on an
    assignment whose lease ran out is taken only if nobody else took the slot meanwhile.
    """
    label, _created = submit_label_once(
        project=project, user=user, assignment_id=assignment_id, judgement=judgement,
        rubric_version_id=rubric_version_id, source=source,
    )
    return label


@transaction.atomic
def submit_label_once(
    *, project: Project, user, assignment_id: int, judgement: judgements.Judgement, rubric_version_id: int | None,
    source: str = LabelSource.UI,
) -> tuple[Label, bool]:
    """``submit_label``, also saying whether this call stored the label (False: a repeat got the stored one)."""
    now = timezone.now()
    assignment = _locked_assignment(project, user, assignment_id)
    if assignment is None:
        raise LabelRefused("This assignment is not yours or does not exist.", "not_found")
    if assignment.status == AssignmentStatus.SUBMITTED:
        return Label.objects.get(assignment=assignment), False
    if assignment.status != AssignmentStatus.OPEN:
        raise LabelRefused(
            "You skipped this item." if assignment.status == AssignmentStatus.SKIPPED
            else "Your time on this item ran out and someone else took it. Here is a fresh item.",
            "lease_lost",
        )
    item = assignment.item
    if assignment.expires_at <= now and not _room_for(item, user, now):
        # The assignment stays open here (this transaction rolls back); next_assignment retires it.
        raise LabelRefused(
            "Your time on this item ran out and someone else took it. Here is a fresh item.", "lease_lost"
        )
    canonical = _canonical(
        judgement, project=project, item=item, shown_order=assignment.shown_order, rubric_version_id=rubric_version_id
    )
    label = _insert_label(
        item=item, annotator=user, rubric_version_id=rubric_version_id, assignment=assignment,
        shown_order=assignment.shown_order, source=source, **vars(canonical),
    )
    Assignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.SUBMITTED, finished_at=now)
    return label, True


@transaction.atomic
def skip_assignment(*, project: Project, user, assignment_id: int, reason: str) -> Assignment:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why you skip this item."})
    assignment = (
        Assignment.objects.select_for_update()
        .filter(pk=assignment_id, project=project, annotator=user, status=AssignmentStatus.OPEN)
        .first()
    )
    if assignment is None:
        raise LabelRefused("This assignment is no longer open.", "not_open")
    assignment.status, assignment.finished_at, assignment.skip_reason = AssignmentStatus.SKIPPED, timezone.now(), reason[:200]
    assignment.save(update_fields=["status", "finished_at", "skip_reason"])
    return assignment


@transaction.atomic
def edit_label(
    *, project: Project, user, label_id: int, judgement: judgements.Judgement, rubric_version_id: int | None,
    source: str = LabelSource.UI,
) -> Label:
    """Replace one of the annotator's current labels with a new version; the old one is kept, not current."""
    old = (
        Label.objects.select_related("item").select_for_update(of=("self",))
        .filter(pk=label_id, item__project=project, annotator=user, is_current=True)
        .first()
    )
    if old is None:
        raise LabelRefused("This label is not yours, or it has been replaced already.", "not_found")
    shown_order = old.shown_order or list(range(_response_count(old.item)))
    canonical = _canonical(
        judgement, project=project, item=old.item, shown_order=shown_order, rubric_version_id=rubric_version_id
    )
    Label.objects.filter(pk=old.pk).update(is_current=False)
    return _insert_label(
        item=old.item, annotator=user, rubric_version_id=rubric_version_id, shown_order=shown_order,
        source=source, version=old.version + 1, previous=old, **vars(canonical),
    )
