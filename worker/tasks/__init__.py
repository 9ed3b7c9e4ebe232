"""Celery tasks, found by ``app.autodiscover_tasks(["worker"])`` in ``annotation_platform/celery.py``.

Tasks are thin glue: they read rows from the database in bulk, call ``worker.ml`` or a service,
and write the results back in bulk. One module per app: ``quality`` (statistics that are too heavy
to keep live) and ``rewardmodels`` (training, evaluation, rescoring). Tasks whose names start with
``worker.tasks.gpu.`` are routed to the ``gpu`` queue; everything else runs on ``default``.
"""
from . import quality, rewardmodels  # noqa: F401  (registers the tasks)
