"""The Celery worker's code: ``tasks.py`` holds the tasks (queues ``default`` and ``gpu``), ``ml/`` the
pure torch/transformers code they call, which never imports Django."""
