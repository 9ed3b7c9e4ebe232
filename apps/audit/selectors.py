"""Reads for the audit trail: recorded events merged with labelling derived from the Label rows.

``audit_entries`` gives one newest-first stream of AuditEntry over both sources: AuditEvent rows and
every Label version (version 1 is ``label.created``, later versions ``label.edited``), filtered the
same way. Who may read what: site staff every event; a project admin the events of their projects.
"""
import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Membership, Role
from apps.labeling.models import Label
from apps.projects.models import Project

from .models import AuditEvent

LABEL_ACTIONS = ("label.created", "label.edited")


@dataclass(frozen=True)
class AuditEntry:
    id: str  # "event:<pk>" or "label:<pk>": unique over both sources
    time: dt.datetime
    actor: str  # username, or "" for the system
    action: str
    project: str  # slug, or "" for site-wide actions
    target_type: str
    target_id: str
    detail: dict = field(default_factory=dict)
    ip: str | None = None

    def as_dict(self) -> dict:
        return {"id": self.id, "time": self.time.isoformat(), "actor": self.actor, "action": self.action,
                "project": self.project, "target_type": self.target_type, "target_id": self.target_id,
                "detail": self.detail, "ip": self.ip}


@dataclass(frozen=True)
class AuditFilters:
    project: str = ""  # slug
    actor: str = ""  # username
    action: str = ""  # exact action, or a prefix ending at a dot: "membership" matches membership.*
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    @classmethod
    def from_query(cls, query) -> "AuditFilters":
        def day(name):
            raw = (query.get(name) or "").strip()
            try:
                return dt.date.fromisoformat(raw) if raw else None
            except ValueError:
                return None

        def text(name):  # PostgreSQL text holds no NUL: a filter with one would be a database error
            return (query.get(name) or "").replace("\x00", "").strip()

        return cls(project=text("project"), actor=text("actor"), action=text("action"), since=day("since"),
                   until=day("until"))

    def as_query(self) -> dict:
        return {k: str(v) for k, v in {"project": self.project, "actor": self.actor, "action": self.action,
                                        "since": self.since, "until": self.until}.items() if v}


def can_read_audit(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_staff or Membership.objects.filter(user=user, role=Role.ADMIN).exists()


def _visible_project_ids(user) -> QuerySet | None:
    """None for staff (everything), else the ids of the projects the user administers."""
    if user.is_staff:
        return None
    return Membership.objects.filter(user=user, role=Role.ADMIN).values("project_id")


def _bounds(filters: AuditFilters) -> Q:
    q = Q()
    tz = timezone.get_current_timezone()
    if filters.since:
        q &= Q(created_at__gte=dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz))
    if filters.until:
        q &= Q(created_at__lt=dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return q


def _action_matches(action: str, wanted: str) -> bool:
    return not wanted or action == wanted or action.startswith(wanted.rstrip(".") + ".")


def _events(user, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(_bounds(filters))
    visible = _visible_project_ids(user)
    if visible is not None:
        events = events.filter(project_id__in=visible)
    if filters.project:
        events = events.filter(Q(project__slug=filters.project) | Q(project=None, project_slug=filters.project))
    if filters.actor:
        events = events.filter(actor_username=filters.actor)
    if filters.action:
        wanted = filters.action.rstrip(".")
        events = events.filter(Q(action=wanted) | Q(action__startswith=wanted + "."))
    return events


def _labels(user, filters: AuditFilters) -> QuerySet[Label]:
    if filters.action and not any(_action_matches(a, filters.action) for a in LABEL_ACTIONS):
        return Label.objects.none()
    labels = Label.objects.filter(_bounds(filters))
    visible = _visible_project_ids(user)
    if visible is not None:
        labels = labels.filter(item__project_id__in=visible)
    if filters.project:
        labels = labels.filter(item__project__slug=filters.project)
    if filters.actor:
        labels = labels.filter(annotator__username=filters.actor)
    if filters.action in LABEL_ACTIONS:
        labels = labels.filter(version=1) if filters.action == "label.created" else labels.filter(version__gt=1)
    return labels


def check_project_filter(user, filters: AuditFilters) -> None:
    """Http404 when the project filter names a project the user may not read (or none): no leak either way."""
    if not filters.project:
        return
    project = Project.objects.filter(slug=filters.project).first()
    visible = _visible_project_ids(user)
    if project is None:
        if visible is None and AuditEvent.objects.filter(project=None, project_slug=filters.project).exists():
            return  # a deleted project's events, for staff
        raise Http404("No such project.")
    if visible is not None and not visible.filter(project_id=project.pk).exists():
        raise Http404("No such project.")


def _event_entry(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=f"event:{event.pk}", time=event.created_at, actor=event.actor_username, action=event.action,
        project=event.project.slug if event.project_id else event.project_slug,
        target_type=event.target_type, target_id=event.target_id, detail=event.detail or {}, ip=event.ip,
    )


def _label_entry(label: Label) -> AuditEntry:
    return AuditEntry(
        id=f"label:{label.pk}", time=label.created_at, actor=label.annotator.username,
        action=LABEL_ACTIONS[0] if label.version == 1 else LABEL_ACTIONS[1], project=label.item.project.slug,
        target_type="labeling.label", target_id=str(label.pk),
        detail={"item": label.item_id, "version": label.version, "source": label.source},
    )


def _event_rows(events: QuerySet[AuditEvent]):
    return events.select_related("project").order_by("-created_at", "-pk")


def _label_rows(labels: QuerySet[Label]):
    return (labels.select_related("annotator", "item__project").only(
        "pk", "created_at", "version", "source", "item_id", "item__project__slug", "annotator__username",
    ).order_by("-created_at", "-pk"))


def audit_count(user, filters: AuditFilters) -> int:
    return _events(user, filters).count() + _labels(user, filters).count()


def audit_page(user, filters: AuditFilters, *, offset: int, limit: int) -> list[AuditEntry]:
    """Entries ``offset`` to ``offset + limit`` of the newest-first stream (the database sorts and cuts)."""
    events = _events(user, filters).annotate(src=Value("e")).values_list("pk", "created_at", "src")
    labels = _labels(user, filters).annotate(src=Value("l")).values_list("pk", "created_at", "src")
    keys = list(events.union(labels, all=True).order_by("-created_at", "-src", "-pk")[offset:offset + limit])
    by_event = {e.pk: e for e in _event_rows(AuditEvent.objects.filter(pk__in=[k[0] for k in keys if k[2] == "e"]))}
    by_label = {lab.pk: lab for lab in _label_rows(Label.objects.filter(pk__in=[k[0] for k in keys if k[2] == "l"]))}
    return [_event_entry(by_event[pk]) if src == "e" else _label_entry(by_label[pk]) for pk, _time, src in keys]


def audit_entries(user, filters: AuditFilters, chunk: int = 2000) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, streamed (for the CSV and JSONL exports)."""
    events = (_event_entry(e) for e in _event_rows(_events(user, filters)).iterator(chunk_size=chunk))
    labels = (_label_entry(lab) for lab in _label_rows(_labels(user, filters)).iterator(chunk_size=chunk))
    return heapq.merge(events, labels, key=lambda entry: entry.time, reverse=True)


def action_names(user) -> list[str]:
    """The actions the filter offers: those recorded so far plus the label ones."""
    recorded = set(_events(user, AuditFilters()).order_by().values_list("action", flat=True).distinct())
    return sorted(recorded | set(LABEL_ACTIONS))
