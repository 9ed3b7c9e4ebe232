"""Model versions: one active per project and kind, promote, roll back, files that must be there."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rewardmodels_helpers import Enqueued, make_version

from apps.audit.models import AuditEvent
from apps.rewardmodels import services
from apps.rewardmodels.models import ModelVersion


@pytest.fixture
def store(settings, tmp_path):
    settings.MODEL_STORE = tmp_path / "store"
    return settings.MODEL_STORE


def active_numbers(project):
    return list(ModelVersion.objects.filter(project=project, is_active=True).values_list("number", flat=True))


def test_versions_are_numbered_per_project(project, store):
    assert [make_version(project, store=store).number for _ in range(3)] == [1, 2, 3]


def test_promote_activates_one_and_rescores(project, store, project_admin, monkeypatch):
    queue = Enqueued(monkeypatch)
    v1, v2 = make_version(project, store=store), make_version(project, store=store)
    services.version_promote(v1, user=project_admin)
    assert active_numbers(project) == [1]
    version, enqueued = services.version_promote(v2, user=project_admin)
    assert enqueued and active_numbers(project) == [2] and version.promoted_by == project_admin
    assert queue.calls == [("rescore", [v1.pk]), ("rescore", [v2.pk])]
    services.rescore_apply(ModelVersion.objects.get(pk=v2.pk))  # its rescoring completed
    with pytest.raises(ValidationError, match="already active"):
        services.version_promote(ModelVersion.objects.get(pk=v2.pk))


def test_promoting_the_active_version_again_retries_a_rescoring_that_never_completed(project, store, monkeypatch):
    """The worker died mid-rescore (or the queue was down): "promote again" sends the rescoring again."""
    queue = Enqueued(monkeypatch, fail=True)
    v1 = make_version(project, store=store)
    version, enqueued = services.version_promote(v1)
    assert not enqueued and version.rescore_pending
    queue = Enqueued(monkeypatch)
    version, enqueued = services.version_promote(ModelVersion.objects.get(pk=v1.pk))
    assert enqueued and queue.calls == [("rescore", [v1.pk])] and active_numbers(project) == [1]
    assert AuditEvent.objects.filter(action="model.rescore_retried", target_id=str(v1.pk)).exists()
    services.scores_replace(version, [])
    services.rescore_apply(version)
    assert not ModelVersion.objects.get(pk=v1.pk).rescore_pending
    with pytest.raises(ValidationError, match="already active"):
        services.version_promote(ModelVersion.objects.get(pk=v1.pk))


def test_the_database_allows_one_active_version_per_project_and_kind(project, store):
    v1, v2 = make_version(project, store=store), make_version(project, store=store)
    ModelVersion.objects.filter(pk=v1.pk).update(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=v2.pk).update(is_active=True)


def test_rollback_returns_to_the_previously_active_version_step_by_step(project, store, monkeypatch):
    queue = Enqueued(monkeypatch)
    v1, v2, v3 = (make_version(project, store=store) for _ in range(3))
    for version in (v1, v3, v2):  # v2 promoted last, v3 before it
        services.version_promote(ModelVersion.objects.get(pk=version.pk))
    assert services.version_rollback(project)[0].number == 3
    assert active_numbers(project) == [3]
    assert services.version_rollback(project)[0].number == 1
    with pytest.raises(ValidationError, match="No earlier version"):
        services.version_rollback(project)
    assert active_numbers(project) == [1]
    assert queue.names() == ["rescore"] * 5


def test_rollback_without_an_active_version_is_refused(project, store):
    make_version(project, store=store)
    with pytest.raises(ValidationError, match="nothing to roll back"):
        services.version_rollback(project)


def test_a_version_whose_files_are_gone_cannot_be_promoted(project, store, monkeypatch):
    Enqueued(monkeypatch)
    version = make_version(project, store=store)
    (store / version.path).rmdir()
    with pytest.raises(ValidationError, match="files are missing"):
        services.version_promote(version)
    assert active_numbers(project) == []


def test_a_cancelled_run_registers_no_version(project, store):
    from apps.rewardmodels.models import RunStatus, TrainingRun
    run = TrainingRun.objects.create(project=project, kind="outcome", status=RunStatus.CANCELLED)
    assert services.run_succeed(run.pk, path="x", metrics={}) is None
    assert not ModelVersion.objects.exists()


def test_policy_runs_auto_promote_when_at_least_as_accurate(project, store, monkeypatch):
    from apps.rewardmodels.models import RunStatus, RunTrigger, TrainingRun
    Enqueued(monkeypatch)
    services.policy_update(project, auto_promote=True)
    first = make_version(project, store=store, metrics={"pairwise_accuracy": 0.8})
    services.version_promote(first)

    def policy_version(accuracy):
        run = TrainingRun.objects.create(project=project, kind="outcome", status=RunStatus.RUNNING,
                                         trigger=RunTrigger.POLICY_LABELS)
        (store / f"p{run.pk}").mkdir()
        return services.run_succeed(run.pk, path=f"p{run.pk}", metrics={"pairwise_accuracy": accuracy})

    worse = policy_version(0.7)
    assert active_numbers(project) == [first.number]
    better = policy_version(0.85)
    assert active_numbers(project) == [better.number] and worse.number < better.number


def scored(project, store, *, number_of_responses=3, process=False):
    """A version with scores for the project's first responses (the project needs items)."""
    from apps.datasets.models import Response

    version = make_version(project, store=store, kind="process" if process else "outcome")
    responses = list(Response.objects.filter(project=project).order_by("id")[:number_of_responses])
    services.scores_replace(version, [
        {"response_id": r.pk, "reward": 0.25 * n, "std": 0.0,
         **({"step_scores": [0.9, 0.2], "first_wrong": 1} if process else {})} for n, r in enumerate(responses)])
    return version, responses


@pytest.fixture
def with_items(project):
    from rewardmodels_helpers import import_rows, voted

    import_rows(project, [voted(f"q{i}", 1) for i in range(3)])
    return project


def test_export_scores_command_writes_the_active_or_a_named_version(with_items, store, tmp_path, monkeypatch):
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    Enqueued(monkeypatch)
    project = with_items
    with pytest.raises(CommandError, match="has no active model version"):
        call_command("export_scores", project.slug, stdout=StringIO(), stderr=StringIO())
    v1, responses = scored(project, store)
    scored(project, store, number_of_responses=2, process=True)
    services.version_promote(v1)
    out, err = StringIO(), StringIO()
    call_command("export_scores", project.slug, stdout=out, stderr=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["response_id"], r["reward"]) for r in rows] == [(r.pk, 0.25 * n) for n, r in enumerate(responses)]
    assert err.getvalue() == f"Exported 3 scores of {project.slug} model v1 to standard output\n"

    target = tmp_path / "v2.csv"
    err = StringIO()
    call_command("export_scores", project.slug, "--model-version", "2", "--format", "csv", "--output", str(target),
                 stdout=StringIO(), stderr=err)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "response_id,model_name,prompt,response,reward,std,step_scores,first_wrong"
    assert len(lines) == 3 and lines[1].endswith(',0.0,0.0,"[0.9, 0.2]",1')
    assert err.getvalue() == f"Exported 2 scores of {project.slug} model v2 to {target}\n"
    assert not (tmp_path / "v2.csv.part").exists()
    with pytest.raises(CommandError, match="has no model version 7"):
        call_command("export_scores", project.slug, "--model-version", "7", stdout=StringIO())
    with pytest.raises(CommandError, match="no project with slug 'nope'"):
        call_command("export_scores", "nope", stdout=StringIO())

