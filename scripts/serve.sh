#!/bin/sh
# Serve the web app (gunicorn, static files through WhiteNoise) with a Celery worker on the queues
# "default" and "gpu" beside it. Ctrl-C or SIGTERM stops both.
#
# Environment: BIN (the virtualenv's bin, default .venv/bin), HOST (default 127.0.0.1), PORT (default
# 8000), WEB_CONCURRENCY (gunicorn worker processes, default 2), and the app's own settings (README.md).
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}" "${WEB_CONCURRENCY:=2}"

# Embedded defaults: SQLite under VAR_DIR and Kombu's filesystem transport, whose folders must exist.
var_dir="${VAR_DIR:-var}"
mkdir -p "$var_dir"
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  mkdir -p "$var_dir/celery/broker" "$var_dir/celery/control"
fi

# With DEBUG on, WhiteNoise serves straight from the static folders; otherwise it needs collectstatic.
case "$(printf '%s' "${DEBUG:-0}" | tr '[:upper:]' '[:lower:]')" in
  1|true|yes|on) ;;
  *) "$BIN/python" manage.py collectstatic --noinput --verbosity 0 ;;
esac

# -B: the worker also runs Celery beat (retraining policies, stale-run checks; settings.CELERY_BEAT_SCHEDULE).
"$BIN/celery" -A annotation_platform worker -Q default,gpu --concurrency 1 --loglevel INFO \
  -B --schedule "$var_dir/celerybeat-schedule" &
worker=$!
"$BIN/gunicorn" annotation_platform.wsgi:application --bind "$HOST:$PORT" \
  --workers "$WEB_CONCURRENCY" --threads 4 --access-logfile - &
web=$!

stop() {
  trap - EXIT INT TERM
  kill "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

echo "Serving on http://$HOST:$PORT (gunicorn pid $web, Celery worker pid $worker). Ctrl-C stops both."
wait "$web"
