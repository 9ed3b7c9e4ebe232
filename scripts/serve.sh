#!/bin/sh
# Serve the web app (gunicorn) with a Celery worker beside it; stop both on Ctrl-C.
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}"
mkdir -p var/celery/broker var/celery/control

"$BIN/celery" -A annotation_platform worker -Q default,gpu --concurrency 1 --loglevel INFO &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo "Serving on http://$HOST:$PORT (worker pid $WORKER). Ctrl-C stops both."
"$BIN/gunicorn" annotation_platform.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile -
