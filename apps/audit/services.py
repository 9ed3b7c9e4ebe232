"""Writes for the audit trail: ``record_event``, the one way any app records who did what.

How other apps call it (adjudication, training runs, model promotion, ...)::

    from apps.audit.services import record_event

    record_event(
        "training.started",              # dotted action name: "<thing>.<what happened>"
        project=run.project,             # the project it concerns, or None for site-wide actions
        target=run,                      # any model instance: stored as its type label and pk
        detail={"kind": run.kind},       # small JSON-serialisable facts worth keeping
        actor=user,                      # optional: defaults to the user of the request being served
    )

Call it in the same transaction as the change it records (inside the service), so a rolled-back change
leaves no event. The actor defaults to the authenticated user of the current request (web page or API,
token or session: see ``context.py``) and the address to the request's; outside a request (commands,
Celery tasks) pass ``actor`` or the event shows "system". Actions recorded today:

- ``import.accepted`` / ``import.rejected`` (target: the ImportBatch; counts and file name in detail)
- ``export.downloaded`` (detail: format and options; page and API alike)
- ``project.created`` / ``project.updated`` (detail: changed fields, old and new) / ``project.deleted``
- ``rubric.version_created`` (target: the RubricVersion; detail: number, note)
- ``membership.added`` / ``membership.role_changed`` / ``membership.removed`` (detail: username, roles)
- ``adjudication.recorded`` (target: the Adjudication; detail: item, version, the one it replaces)
- ``training.started`` / ``training.cancelled`` (target: the TrainingRun; detail: kind, trigger, label count)
- ``model.promoted`` / ``model.rolled_back`` (target: the ModelVersion; detail: kind and numbers)
- ``model.rescore_retried`` (the active version promoted again while its rescoring had not completed)
- ``scores.downloaded`` (target: the ModelVersion; detail: version number and format; page and API alike)

Labelling (``label.created``) and edits (``label.edited``) are read from the Label rows by
``selectors.audit_entries``; they are not written here.
"""
from django.db import models

from apps.projects.models import Project

from .context import current_ip, current_user
from .models import AuditEvent


def _target(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    kind, pk = target  # a (type, id) pair for things that are not model rows
    return str(kind), str(pk)


def record_event(action: str, *, project: Project | None = None, target=None, detail: dict | None = None,
                 actor=None, ip: str | None = None) -> AuditEvent:
    """Records one event and returns it. ``target``: a model instance or a ``(type, id)`` pair."""
    actor = actor if actor is not None else current_user()
    if actor is not None and (not getattr(actor, "pk", None) or not actor.is_authenticated):
        actor = None
    target_type, target_id = _target(target)
    project_id = project.pk if project is not None and project.pk else None
    return AuditEvent.objects.create(
        action=action[:64],
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        project_id=project_id,
        project_slug=project.slug if project is not None else "",
        target_type=target_type[:64],
        target_id=target_id[:64],
        detail=detail or {},
        ip=ip or current_ip(),
    )
