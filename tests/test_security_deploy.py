"""Production settings: `manage.py check --deploy` passes, secrets come only from the environment."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k8Qz-production-secret-from-the-environment-0123456789-abcdefghijklmnop"
ENV_NAMES = {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_COOKIES",
             "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
             "CACHE_URL", "DJANGO_SETTINGS_MODULE"}


def run(args, env):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    clean.update(env, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "labels.example.org",
              "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/annotation_platform"}


def test_check_deploy_passes_with_production_settings():
    result = run(["manage.py", "check", "--deploy"], PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security." not in output, output  # not even a security warning


def test_check_deploy_flags_plain_http_switches():
    result = run(["manage.py", "check", "--deploy"],
                 {**PRODUCTION, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "SECURE_COOKIES": "0"})
    output = result.stdout + result.stderr
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in output


PROBE = ("import json, django; from django.conf import settings as s; django.setup(); print(json.dumps({"
         "'redirect': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, 'cookie': s.SESSION_COOKIE_SECURE, "
         "'csrf': s.CSRF_COOKIE_SECURE, 'secret': s.SECRET_KEY, 'cache': s.CACHES['default']['BACKEND']}))")


def test_production_defaults_are_https_only():
    import json

    seen = json.loads(run(["-c", PROBE], PRODUCTION).stdout)
    assert seen["redirect"] is True and seen["hsts"] >= 31536000 and seen["cookie"] and seen["csrf"]
    assert seen["secret"] == SECRET


def test_debug_mode_for_make_run_keeps_plain_http():
    import json

    result = run(["-c", PROBE], {"DEBUG": "1"})
    seen = json.loads(result.stdout)
    assert (seen["redirect"], seen["hsts"], seen["cookie"]) == (False, 0, False)


def test_redis_cache_from_the_environment_and_nothing_else():
    import json

    seen = json.loads(run(["-c", PROBE], {**PRODUCTION, "CACHE_URL": "redis://127.0.0.1:6379/10"}).stdout)
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    result = run(["-c", PROBE], {**PRODUCTION, "CACHE_URL": "memcached://x"})
    assert result.returncode != 0 and "CACHE_URL must be a redis://" in result.stderr


def test_no_secret_is_written_in_the_code():
    """The only literal key is the DEBUG-only fallback; production refuses to start without one."""
    settings_text = (ROOT / "annotation_platform" / "settings.py").read_text()
    assert 'env_str("SECRET_KEY", "")' in settings_text
    result = run(["manage.py", "check"], {"DEBUG": "0"})
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
