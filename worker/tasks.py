"""Celery tasks, found by ``app.autodiscover_tasks(["worker"])`` in ``annotation_platform/celery.py``.

Tasks are thin glue: they read rows from the database in bulk, call ``worker.ml`` or a service,
and write the results back in bulk. Tasks named ``worker.tasks.gpu.*`` are routed to the ``gpu``
queue; everything else runs on ``default``. There are none yet: exports, metric rebuilds and
reward-model training arrive with the issues that need them.
"""
