"""Settings for the test suite: the normal settings, with test defaults for what the environment leaves unset."""
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/annotation_platform")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# The test client speaks plain HTTP: production's redirect to HTTPS would answer every request with 301.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
