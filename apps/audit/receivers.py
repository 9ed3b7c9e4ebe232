"""Model signals that record audit events for imports, projects, rubric versions and memberships.

Signals rather than calls inside those apps' services, so that every path that changes these rows
(pages, API, management commands, the Django admin) is recorded without each one remembering to.
"""
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from apps.accounts.models import Membership
from apps.datasets.models import ImportBatch
from apps.projects.models import Project, RubricVersion

from .services import record_event

# Project settings worth recording when they change (its own bookkeeping fields are left out).
_PROJECT_SKIP = {"id", "created_at", "updated_at", "created_by"}


def _project_fields(project: Project) -> dict:
    return {
        field.attname: getattr(project, field.attname)
        for field in Project._meta.concrete_fields if field.name not in _PROJECT_SKIP
    }


@receiver(post_save, sender=ImportBatch, dispatch_uid="audit_import")
def _import_saved(sender, instance: ImportBatch, created, raw=False, **kwargs):
    if not created or raw:
        return
    record_event(
        f"import.{instance.status}", project=instance.project, target=instance, actor=instance.uploaded_by,
        detail={"filename": instance.filename, "format": instance.format, "rows_read": instance.rows_read,
                "items_created": instance.items_created, "labels_created": instance.labels_created,
                "errors": len(instance.errors or [])},
    )


@receiver(pre_save, sender=Project, dispatch_uid="audit_project_before")
def _project_before(sender, instance: Project, raw=False, **kwargs):
    if instance.pk and not raw:
        old = Project.objects.filter(pk=instance.pk).first()
        instance._audit_before = _project_fields(old) if old is not None else None


@receiver(post_save, sender=Project, dispatch_uid="audit_project")
def _project_saved(sender, instance: Project, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        record_event("project.created", project=instance, target=instance,
                     actor=instance.created_by, detail={"name": instance.name, "task_type": instance.task_type})
        return
    before = getattr(instance, "_audit_before", None) or {}
    after = _project_fields(instance)
    changed = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
    instance._audit_before = after
    if changed:
        record_event("project.updated", project=instance, target=instance, detail={"changed": changed})


@receiver(post_delete, sender=Project, dispatch_uid="audit_project_deleted")
def _project_deleted(sender, instance: Project, **kwargs):
    event = record_event("project.deleted", target=("projects.project", instance.pk),
                         detail={"name": instance.name, "slug": instance.slug})
    event.project_slug = instance.slug
    event.save(update_fields=["project_slug"])


@receiver(post_save, sender=RubricVersion, dispatch_uid="audit_rubric")
def _rubric_saved(sender, instance: RubricVersion, created, raw=False, **kwargs):
    if created and not raw:
        record_event("rubric.version_created", project=instance.project, target=instance,
                     actor=instance.created_by, detail={"number": instance.number, "note": instance.note})


@receiver(pre_save, sender=Membership, dispatch_uid="audit_membership_before")
def _membership_before(sender, instance: Membership, raw=False, **kwargs):
    if instance.pk and not raw:
        instance._audit_old_role = Membership.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


@receiver(post_save, sender=Membership, dispatch_uid="audit_membership")
def _membership_saved(sender, instance: Membership, created, raw=False, **kwargs):
    if raw:
        return
    username = instance.user.get_username()
    if created:
        record_event("membership.added", project=instance.project, target=instance,
                     detail={"username": username, "role": instance.role})
        return
    old = getattr(instance, "_audit_old_role", None)
    if old != instance.role:
        record_event("membership.role_changed", project=instance.project, target=instance,
                     detail={"username": username, "from": old, "to": instance.role})


@receiver(post_delete, sender=Membership, dispatch_uid="audit_membership_removed")
def _membership_removed(sender, instance: Membership, origin=None, **kwargs):
    if isinstance(origin, Project) or (hasattr(origin, "model") and origin.model is Project):
        return  # the whole project is going: "project.deleted" says so, and its row cannot be referenced
    record_event("membership.removed", project=instance.project, target=("accounts.membership", instance.pk),
                 detail={"username": instance.user.get_username(), "role": instance.role})
