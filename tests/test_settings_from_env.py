"""Settings come from the environment, with embedded defaults when it is silent."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST', ''), "
    "'init': db.get('OPTIONS', {}).get('init_command', ''), 'broker': settings.CELERY_BROKER_URL, "
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'store': str(settings.MODEL_STORE), "
    "'base_model': settings.BASE_MODEL, 'secret': settings.SECRET_KEY}))"
)


def probe(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MODEL_STORE", "BASE_MODEL",
    }}
    clean.update(env, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_embedded_defaults_use_sqlite_in_wal_mode_and_filesystem_broker(tmp_path):
    result = probe({"DEBUG": "1", "VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["name"] == str(tmp_path / "db.sqlite3")
    assert "journal_mode=WAL" in seen["init"]
    assert seen["broker"] == "filesystem://"


def test_database_broker_and_secrets_come_from_environment():
    result = probe({
        "DATABASE_URL": "postgres://alice@db.internal:6543/labels",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/2",
        "SECRET_KEY": "s3cret-from-env",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "labels.example.org,127.0.0.1",
        "MODEL_STORE": "/srv/models",
        "BASE_MODEL": "/srv/base/minilm",
    })
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["engine"] == "django.db.backends.postgresql"
    assert (seen["host"], seen["name"]) == ("db.internal", "labels")
    assert seen["broker"] == "redis://cache.internal:6379/2"
    assert seen["secret"] == "s3cret-from-env"
    assert seen["debug"] is False
    assert seen["hosts"] == ["labels.example.org", "127.0.0.1"]
    assert (seen["store"], seen["base_model"]) == ("/srv/models", "/srv/base/minilm")


def test_production_refuses_to_start_without_a_secret_key():
    result = probe({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_boolean_is_an_error_not_a_guess(value):
    result = probe({"DEBUG": value, "SECRET_KEY": "x"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_web_app_does_not_import_torch():
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import annotation_platform.wsgi; print('torch' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "annotation_platform.settings", "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
