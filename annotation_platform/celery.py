"""The Celery application. Tasks live in the ``worker/tasks/`` package; queues are ``default`` and ``gpu``."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")

app = Celery("annotation_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["worker"])
