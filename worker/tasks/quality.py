"""Celery tasks of apps.quality: the statistics too heavy to keep live (``apps.quality.heavy``)."""
import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="worker.tasks.quality.refresh_heavy_statistics", ignore_result=True)
def refresh_heavy_statistics(project_id: int | None = None) -> int:
    """Recompute the heavy statistics of one project, or of every project whose labels changed since its
    snapshot (celery beat runs this every few minutes, on the ``default`` queue). Returns how many ran."""
    from apps.projects.models import Project
    from apps.quality import heavy

    projects = [Project.objects.get(pk=project_id)] if project_id is not None else heavy.projects_needing_refresh()
    for project in projects:
        try:
            heavy.refresh_snapshot(project)
        except Exception:  # one broken project must not starve the others
            log.exception("heavy statistics of project %s failed", project.pk)
    return len(projects)
