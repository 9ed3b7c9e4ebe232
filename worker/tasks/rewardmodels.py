"""Celery tasks of apps.rewardmodels."""
