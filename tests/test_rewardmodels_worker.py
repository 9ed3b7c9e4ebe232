"""End to end on a real Celery worker (Redis db 14): train with the packaged MiniLM, promote, rescore.

The worker is a subprocess (``celery worker -Q default,gpu --pool solo``) on the test database; the
test starts the run with ``manage.py train_reward_model --wait --json`` and waits on the database.
"""
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from rewardmodels_helpers import arithmetic_rows, import_rows

from annotation_platform.celery import app as celery_app
from apps.datasets.models import Item, Response
from apps.rewardmodels import services
from apps.rewardmodels.models import ModelVersion, RunStatus, Score, TrainingRun

BROKER = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parent.parent


def wait_for(check, timeout=90.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out waiting for the worker")


@pytest.fixture
def broker(settings, monkeypatch):
    import redis

    # Celery's broker_url reads the CELERY_BROKER_URL environment variable before its configuration
    # (CI sets one), so the test's broker goes there too.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER)
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = BROKER
    celery_app.conf.broker_transport_options = {}
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False  # to the worker, really
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield client
    celery_app.conf.broker_url = previous
    celery_app.conf.task_always_eager = eager
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    client.flushdb()


@pytest.fixture
def worker(broker, settings, tmp_path):
    settings.MODEL_STORE = tmp_path / "store"
    db = connection.settings_dict
    env = {
        **os.environ, "DEBUG": "1", "CELERY_BROKER_URL": BROKER, "MODEL_STORE": str(settings.MODEL_STORE),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "2", "HF_HUB_OFFLINE": "1",
    }
    env.pop("BASE_MODEL", None)
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "annotation_platform", "worker", "-Q", "default,gpu", "--pool", "solo",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    print((tmp_path / "worker.log").read_text()[-4000:])
    if os.environ.get("RM_KEEP_WORKER_LOG"):
        Path(os.environ["RM_KEEP_WORKER_LOG"]).write_text((tmp_path / "worker.log").read_text())


@pytest.mark.django_db(transaction=True)
def test_train_promote_rescore_on_a_real_worker(project, worker):
    rows = arithmetic_rows(12)
    for row in rows[8:]:
        row.pop("labels")  # four pairs stay unlabelled: open in the queue
    import_rows(project, rows)
    out, err = io.StringIO(), io.StringIO()
    call_command("train_reward_model", project.slug, "--epochs", "1", "--batch-size", "4", "--max-length", "48",
                 "--ensemble-size", "2", "--heldout-share", "0.25", "--learning-rate", "5e-5", "--json",
                 "--timeout", "120", "--poll", "0.2", stdout=out, stderr=err)
    metrics = json.loads(out.getvalue().strip().splitlines()[-1])
    assert 0.0 <= metrics["pairwise_accuracy"] <= 1.0 and metrics["n_heldout"] == 2
    run = TrainingRun.objects.get(project=project)
    assert run.status == RunStatus.SUCCEEDED and run.total_steps > 0 and run.step == run.total_steps
    assert len(run.snapshot_label_ids) == 8 and "Model files written" in run.log
    print(f"run queued→started {(run.started_at - run.created_at).total_seconds():.1f}s, "
          f"trained in {(run.finished_at - run.started_at).total_seconds():.1f}s")
    version = ModelVersion.objects.get(run=run)
    assert (Path(services.store_dir()) / version.path / "metadata.json").is_file()
    assert "succeeded" in err.getvalue()

    before = dict(Item.objects.filter(project=project).values_list("pk", "priority"))
    version, enqueued = services.version_promote(version)
    assert enqueued
    wait_for(lambda: ModelVersion.objects.filter(pk=version.pk, rescored_at__isnull=False).exists())
    assert Score.objects.filter(version=version).count() == Response.objects.filter(project=project).count() == 24
    assert Score.objects.filter(version=version, std__gt=0).exists()  # two ensemble members disagree a little
    after = dict(Item.objects.filter(project=project).values_list("pk", "priority"))
    open_items = Item.objects.filter(project=project, labels_count__lt=1).values_list("pk", flat=True)
    assert all(after[pk] != before[pk] and 0 < after[pk] < 2 for pk in open_items)
    version.refresh_from_db()
    assert version.rescore_summary["scored"] == 24
    assert version.rescore_summary["agreement"]["model_pairs"] == 8
    # The evaluation task (queue default) ran too, on the held-out prompts.
    wait_for(lambda: "current_heldout" in ModelVersion.objects.get(pk=version.pk).metrics)
    # And the score file (queue default) beside the weights: every response, the stored rewards.
    scores_file = Path(services.store_dir()) / version.path / "scores.jsonl"
    wait_for(scores_file.is_file)
    written = [json.loads(line) for line in scores_file.read_text().splitlines()]
    stored = dict(Score.objects.filter(version=version).values_list("response_id", "reward"))
    assert len(written) == 24 and all(abs(row["reward"] - stored[row["response_id"]]) < 1e-9 for row in written)
