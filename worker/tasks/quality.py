"""Celery tasks of apps.quality."""
