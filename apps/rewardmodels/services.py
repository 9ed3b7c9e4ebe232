"""Writes for reward models: start, cancel and record runs; promote and roll back versions; rescore.

The web side starts a run by writing a queued ``TrainingRun`` (with its label snapshot) and handing
its id to Celery; a broker that cannot be reached leaves the run queued with a note instead of an
error, and ``runs_sweep`` hands it to Celery again later. The worker side (``worker.tasks``) calls
``run_begin`` / ``run_progress`` / ``run_succeed`` / ``run_fail``: a version is registered in the
same transaction that marks the run succeeded, after the model files are in place, so a run that
dies midway leaves no version and nothing to promote.
"""
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.audit.services import record_event
from apps.datasets.models import Item, ItemResponse
from apps.labeling.models import Label
from apps.projects.models import Project, TaskType
from worker.ml.config import TrainConfig

from . import priorities
from .examples import adjudication_model, snapshot_label_ids
from .models import (
    FINISHED_STATUSES,
    LIVE_STATUSES,
    SCHEDULE_SECONDS,
    ModelKind,
    ModelVersion,
    RetrainPolicy,
    RunStatus,
    RunTrigger,
    Score,
    TrainingRun,
)

log = logging.getLogger(__name__)

QUEUE_UNAVAILABLE = "The task queue is unavailable; the run stays queued and is handed to a worker when it is back."
MAX_ATTEMPTS = 2
# The training task writes heartbeat_at every RM_HEARTBEAT_SECONDS from a thread (whatever it is doing), so a
# run silent for this long lost its worker (SIGKILL, a lost machine) and ``runs_sweep`` fails it.
STALE_AFTER = timedelta(seconds=int(getattr(settings, "RM_STALE_SECONDS", 120)))
REQUEUE_AFTER = timedelta(seconds=10)
SCORE_BATCH = 2000
LIMITS = {"epochs": (1, 50), "batch_size": (1, 1024), "max_length": (16, 8192), "ensemble_size": (1, 10),
          "learning_rate": (1e-8, 1.0), "heldout_share": (0.0, 0.9)}
EDITABLE = ("base_model", "epochs", "learning_rate", "batch_size", "max_length", "ensemble_size", "heldout_share",
            "seed", "tie_policy", "use_margin", "warmup_ratio")


# --- parameters ---------------------------------------------------------------------------------------


def kind_for(project: Project) -> str:
    return ModelKind.PROCESS if project.task_type == TaskType.STEPS else ModelKind.OUTCOME


def default_parameters(project: Project, kind: str | None = None) -> dict:
    """A TrainConfig dict with this platform's defaults for the project."""
    kind = kind or kind_for(project)
    config = TrainConfig(kind=kind, base_model=settings.BASE_MODEL,
                         neutral_as=bool(getattr(project, "trl_neutral_correct", True)))
    return config.to_dict()


def clean_parameters(project: Project, kind: str, parameters: dict | None) -> dict:
    """Defaults overlaid with ``parameters``; ValidationError naming the field when a value is off."""
    if kind != kind_for(project):
        wanted = kind_for(project)
        raise ValidationError({"kind": f"A {project.get_task_type_display().lower()} project trains a {wanted} model."})
    merged = default_parameters(project, kind)
    for key, value in (parameters or {}).items():
        if key not in merged:
            raise ValidationError({key: "Unknown training parameter."})
        if value is not None and value != "":
            merged[key] = value
    merged["kind"] = kind
    for key, (low, high) in LIMITS.items():
        try:
            number = float(merged[key])
        except (TypeError, ValueError):
            raise ValidationError({key: "Must be a number."}) from None
        if not low <= number <= high:
            raise ValidationError({key: f"Must be between {low:g} and {high:g}."})
    if not str(merged.get("base_model") or "").strip():
        raise ValidationError({"base_model": "Name a base model (a local path or a hub id)."})
    try:
        return TrainConfig.from_dict(merged).to_dict()
    except (TypeError, ValueError) as error:
        raise ValidationError({"parameters": str(error)}) from None


# --- runs: the web side -------------------------------------------------------------------------------


def run_start(project: Project, *, user=None, kind: str | None = None, parameters: dict | None = None,
              trigger: str = RunTrigger.MANUAL, enqueue: bool = True) -> tuple[TrainingRun, bool]:
    """Queue a run on the project's current labels; returns the run and whether Celery took it
    (``enqueue=False``: the caller runs the task itself, e.g. ``train_reward_model --inline``).

    ValidationError when a run of this kind is already queued or running, or there is nothing to learn from.
    """
    kind = kind or kind_for(project)
    config = clean_parameters(project, kind, parameters)
    if TrainingRun.objects.filter(project=project, kind=kind, status__in=LIVE_STATUSES).exists():
        raise ValidationError("A run of this model is already queued or running; wait for it or cancel it.")
    label_ids = snapshot_label_ids(project, kind)
    if not label_ids:
        raise ValidationError("There are no labels to train on yet.")
    high_water = Label.objects.filter(item__project=project).aggregate(top=Max("id"))["top"] or 0
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(
                project=project, kind=kind, parameters=config, trigger=trigger,
                requested_by=user if user is not None and user.is_authenticated else None,
                snapshot_label_ids=label_ids, label_high_water=high_water,
            )
    except IntegrityError:
        raise ValidationError("A run of this model is already queued or running; wait for it or cancel it.") from None
    record_event("training.started", project=project, target=run, actor=user,
                 detail={"kind": kind, "trigger": trigger, "labels": len(label_ids), "parameters": config})
    return run, run_enqueue(run) if enqueue else False


def run_enqueue(run: TrainingRun) -> bool:
    """Hand a queued run to Celery; False (and a note on the run) when the broker is unreachable."""
    from worker.tasks.rewardmodels import train  # the task module imports torch only inside its tasks

    try:
        result = train.apply_async(args=[run.pk], retry=False)
    except Exception as error:  # kombu.OperationalError, redis ConnectionError, OSError …
        log.warning("Could not enqueue training run %s: %s", run.pk, error)
        TrainingRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(progress_message=QUEUE_UNAVAILABLE)
        run.progress_message = QUEUE_UNAVAILABLE
        return False
    TrainingRun.objects.filter(pk=run.pk, celery_task_id="").update(celery_task_id=result.id or "")
    TrainingRun.objects.filter(pk=run.pk, progress_message=QUEUE_UNAVAILABLE).update(progress_message="")
    run.refresh_from_db()
    return True


def run_cancel(run: TrainingRun, *, user=None) -> TrainingRun:
    """A queued run is cancelled at once; a running one is asked to stop (the worker polls the flag)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run.pk)
        if run.status in FINISHED_STATUSES:
            raise ValidationError(f"This run has already {run.get_status_display().lower()}.")
        if run.status == RunStatus.QUEUED:
            run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
            run.progress_message = "Cancelled before it started."
            run.save(update_fields=["status", "finished_at", "progress_message"])
        else:
            run.cancel_requested = True
            run.progress_message = "Cancelling…"
            run.save(update_fields=["cancel_requested", "progress_message"])
    record_event("training.cancelled", project=run.project, target=run, actor=user)
    return run


# --- runs: the worker side ----------------------------------------------------------------------------


def run_begin(run_id: int, *, task_id: str = "") -> TrainingRun | None:
    """Mark the run running; None when it should not run (cancelled, finished, or lost too often).

    A run found already running was taken by a worker that died (the message came back because tasks
    acknowledge late): it starts over, up to ``MAX_ATTEMPTS`` times, then fails.
    """
    now = timezone.now()
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in FINISHED_STATUSES:
            return None
        if run.cancel_requested:
            _finish(run, RunStatus.CANCELLED, message="Cancelled before it started.")
            return None
        if run.status == RunStatus.RUNNING and run.attempts >= MAX_ATTEMPTS:
            _finish(run, RunStatus.FAILED, error=f"The worker was lost {run.attempts} times; giving up.")
            return None
        if run.status == RunStatus.RUNNING:
            run.log += f"[{now:%H:%M:%S}] The previous worker was lost; starting over.\n"
        run.status, run.attempts = RunStatus.RUNNING, run.attempts + 1
        run.started_at, run.heartbeat_at = now, now
        run.step, run.loss, run.eta_seconds, run.progress_message = 0, None, None, "Reading labels…"
        run.celery_task_id = task_id or run.celery_task_id
        run.save()
    return run


def run_heartbeat(run_id: int) -> None:
    """The worker is alive on this run (written by the training task's heartbeat thread)."""
    TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())


def run_progress(run_id: int, *, step: int, total_steps: int, loss: float | None, eta_seconds: float | None,
                 message: str = "", log_text: str | None = None) -> bool:
    """Write progress (and the log so far); returns whether a cancel was asked for."""
    fields = {"step": step, "total_steps": total_steps, "loss": loss, "eta_seconds": eta_seconds,
              "progress_message": message[:300], "heartbeat_at": timezone.now()}
    if log_text is not None:
        fields["log"] = log_text
    TrainingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(**fields)
    return run_cancel_requested(run_id)


def run_cancel_requested(run_id: int) -> bool:
    row = TrainingRun.objects.filter(pk=run_id).values_list("cancel_requested", "status").first()
    return row is None or row[0] or row[1] != RunStatus.RUNNING


def run_record_dataset(run_id: int, *, label_ids: list[int], adjudication_ids: list[int], counts: dict) -> None:
    TrainingRun.objects.filter(pk=run_id).update(
        snapshot_label_ids=label_ids, dataset={**counts, "adjudication_ids": adjudication_ids},
    )


def _finish(run: TrainingRun, status: str, *, error: str = "", message: str = "", log_text: str | None = None):
    run.status, run.finished_at, run.error = status, timezone.now(), error[:20000]
    run.progress_message = message or {RunStatus.FAILED: "Failed.", RunStatus.CANCELLED: "Cancelled."}.get(status, "")
    run.eta_seconds = None
    if log_text is not None:
        run.log = log_text
    run.save()


def run_fail(run_id: int, *, error: str, log_text: str | None = None) -> None:
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id, status__in=LIVE_STATUSES).first()
        if run is not None:
            _finish(run, RunStatus.FAILED, error=error, log_text=log_text)


def run_cancelled(run_id: int, *, log_text: str | None = None) -> None:
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id, status__in=LIVE_STATUSES).first()
        if run is not None:
            _finish(run, RunStatus.CANCELLED, log_text=log_text)


def store_dir() -> Path:
    return Path(settings.MODEL_STORE)


def version_name(run: TrainingRun) -> str:
    return f"{run.project.slug}-run{run.pk}"


def run_succeed(run_id: int, *, path: str, metrics: dict, log_text: str = "", base_model: str = "") -> ModelVersion | None:
    """Register the version whose files are already at ``MODEL_STORE/path`` and mark the run succeeded,
    in one transaction. None when the run was cancelled meanwhile (the files stay, unregistered)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().select_related("project").filter(pk=run_id).first()
        if run is None or run.status != RunStatus.RUNNING:
            return None
        Project.objects.select_for_update().filter(pk=run.project_id).first()  # numbers one at a time
        number = (ModelVersion.objects.filter(project_id=run.project_id).aggregate(top=Max("number"))["top"] or 0) + 1
        version = ModelVersion.objects.create(
            project_id=run.project_id, kind=run.kind, number=number, run=run, path=path, metrics=metrics,
            base_model=base_model or run.parameters.get("base_model", ""),
        )
        run.metrics, run.step = metrics, run.total_steps or run.step
        _finish(run, RunStatus.SUCCEEDED, message=f"Registered as version {number}.", log_text=log_text)
    if run.trigger != RunTrigger.MANUAL:
        _auto_promote(version)
    return version


def _auto_promote(version: ModelVersion) -> None:
    policy = RetrainPolicy.objects.filter(project_id=version.project_id).first()
    if policy is None or not policy.auto_promote:
        return
    active = ModelVersion.objects.filter(project_id=version.project_id, kind=version.kind, is_active=True).first()
    if active is None or (version.accuracy or 0) >= (active.accuracy or 0):
        version_promote(version, user=None)


# --- versions -----------------------------------------------------------------------------------------


def version_files_exist(version: ModelVersion) -> bool:
    return (store_dir() / version.path).is_dir()


def _activate(version: ModelVersion, *, user, stamp: bool) -> ModelVersion:
    with transaction.atomic():
        versions = ModelVersion.objects.select_for_update().filter(project_id=version.project_id, kind=version.kind)
        list(versions)  # lock the project's versions of this kind, so two promotions go one after the other
        versions.filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
        version.is_active = True
        fields = ["is_active"]
        if stamp:
            version.promoted_at, version.promoted_by = timezone.now(), user if user and user.is_authenticated else None
            fields += ["promoted_at", "promoted_by"]
        version.save(update_fields=fields)
    return version


def version_promote(version: ModelVersion, *, user=None) -> tuple[ModelVersion, bool]:
    """Make the version the active one and rescore every response with it; returns (version, enqueued).

    Promoting the active version again sends its rescoring again when that has not completed (a retry);
    once it has, it is refused."""
    if not version_files_exist(version):
        raise ValidationError("This version's model files are missing from the model store.")
    if version.rescore_pending:
        record_event("model.rescore_retried", project=version.project, target=version, actor=user,
                     detail={"kind": version.kind, "number": version.number})
        return version, rescore_enqueue(version)
    if version.is_active:
        raise ValidationError(f"Version {version.number} is already active.")
    version = _activate(version, user=user, stamp=True)
    record_event("model.promoted", project=version.project, target=version, actor=user,
                 detail={"kind": version.kind, "number": version.number})
    return version, rescore_enqueue(version)


def version_rollback(project: Project, *, kind: str | None = None, user=None) -> tuple[ModelVersion, bool]:
    """Re-activate the version that was active before the current one (and rescore with it)."""
    kind = kind or kind_for(project)
    current = ModelVersion.objects.filter(project=project, kind=kind, is_active=True).first()
    if current is None:
        raise ValidationError("No version is active, so there is nothing to roll back.")
    earlier = (ModelVersion.objects.filter(project=project, kind=kind, promoted_at__lt=current.promoted_at)
               .exclude(pk=current.pk).order_by("-promoted_at").first()) if current.promoted_at else None
    if earlier is None:
        raise ValidationError("No earlier version was ever active; nothing to roll back to.")
    if not version_files_exist(earlier):
        raise ValidationError(f"Version {earlier.number}'s model files are missing from the model store.")
    version = _activate(earlier, user=user, stamp=False)
    record_event("model.rolled_back", project=project, target=version, actor=user,
                 detail={"kind": kind, "from": current.number, "to": version.number})
    return version, rescore_enqueue(version)


def rescore_enqueue(version: ModelVersion) -> bool:
    from worker.tasks.rewardmodels import rescore

    try:
        rescore.apply_async(args=[version.pk], retry=False)
    except Exception as error:
        log.warning("Could not enqueue rescoring of version %s: %s", version.pk, error)
        return False
    return True


# --- scores and the queue -----------------------------------------------------------------------------


def scores_replace(version: ModelVersion, rows: list[dict]) -> int:
    """Replace the version's scores with ``rows`` ({response_id, reward, std, step_scores, first_wrong})
    in one transaction: readers see the old set or the new one, never a mix."""
    objects = [Score(version=version, response_id=row["response_id"], reward=float(row["reward"]),
                     std=float(row.get("std") or 0.0), step_scores=row.get("step_scores"),
                     first_wrong=row.get("first_wrong")) for row in rows]
    with transaction.atomic():
        # One rescoring of a version writes at a time (a retry may overlap a slow first try): the second
        # waits here, then replaces the first's scores instead of colliding with them.
        ModelVersion.objects.select_for_update().filter(pk=version.pk).first()
        Score.objects.filter(version=version).delete()
        Score.objects.bulk_create(objects, batch_size=SCORE_BATCH)
    return len(objects)


def _item_states(project: Project) -> list[priorities.ItemState]:
    slots: dict[int, list[int]] = {}
    for item_id, response_id in (ItemResponse.objects.filter(item__project=project).order_by("item_id", "position")
                                 .values_list("item_id", "response_id")):
        slots.setdefault(item_id, []).append(response_id)
    votes = priorities.group_votes(
        (row[0], row[1], row[2] if row[2] is not None else row[3] if row[3] is not None else row[4])
        for row in Label.objects.filter(item__project=project, is_current=True).order_by("item_id", "id")
        .values_list("item_id", "annotator__username", "preference", "ranks", "step_ratings")
    )
    adjudications = {}
    model = adjudication_model()
    if model is not None:
        for item_id, preference, ranks, step_ratings in (
            model.objects.filter(item__project=project, is_current=True)
            .values_list("item_id", "preference", "ranks", "step_ratings")
        ):
            adjudications[item_id] = preference if preference is not None else ranks if ranks is not None else step_ratings
    states = []
    for pk, kind, is_gold, labels_count, overlap, priority in (
        Item.objects.filter(project=project).order_by("id")
        .values_list("id", "kind", "is_gold", "labels_count", "overlap", "priority")
    ):
        states.append(priorities.ItemState(pk, kind, is_gold, labels_count, overlap, priority, slots.get(pk, []),
                                           votes.get(pk, []), adjudications.get(pk)))
    return states


def rescore_apply(version: ModelVersion) -> dict:
    """After the version's scores are written: reorder the queue (if it is the active version) and
    store what the dashboard shows. Returns the summary."""
    project = version.project
    scores = {s.response_id: s for s in Score.objects.filter(version=version)
              .only("response_id", "reward", "std", "step_scores", "first_wrong")}
    items = _item_states(project)
    policy = RetrainPolicy.objects.filter(project=project).first() or RetrainPolicy(project=project)
    changed, raised, disputed = [], 0, 0
    version.refresh_from_db(fields=["is_active"])
    if version.is_active:
        for item in items:
            decision = priorities.decide(item, scores, project_overlap=project.overlap,
                                         extra_cap=policy.extra_labels_cap, threshold=policy.disagreement_threshold)
            if decision is None:
                continue
            disputed += decision.disputed
            if decision.priority != item.priority or decision.overlap != item.overlap:
                raised += decision.overlap > item.overlap
                changed.append(Item(pk=item.id, priority=decision.priority, overlap=decision.overlap))
    train_responses = set(
        ItemResponse.objects.filter(item__labels__id__in=version.run.snapshot_label_ids).values_list("response_id", flat=True)
    ) if version.run.snapshot_label_ids else set()
    train_rewards = [s.reward for rid, s in scores.items() if rid in train_responses]
    others = {rid: s.reward for rid, s in scores.items() if rid not in train_responses}
    summary = {
        "scored": len(scores),
        "items_reprioritised": len(changed),
        "items_disputed": disputed,
        "extra_labels_requested": raised,
        "agreement": priorities.agreement(items, scores),
        "loved_rejected": priorities.loved_rejected(items, scores),
        "shift": priorities.shift(train_rewards, others),
        "applied_to_queue": version.is_active,
    }
    with transaction.atomic():
        if changed:
            # The overlap only grows here, so the labels_count <= overlap check always holds.
            Item.objects.bulk_update(changed, ["priority", "overlap"], batch_size=SCORE_BATCH)
        ModelVersion.objects.filter(pk=version.pk).update(rescored_at=timezone.now(), rescore_summary=summary)
    return summary


# --- policy -------------------------------------------------------------------------------------------


def policy_of(project: Project) -> RetrainPolicy:
    return RetrainPolicy.objects.filter(project=project).first() or RetrainPolicy(project=project)


def policy_update(project: Project, **fields) -> RetrainPolicy:
    policy = policy_of(project)
    parameters = fields.pop("parameters", None)
    if parameters is not None:
        fields["parameters"] = {k: v for k, v in clean_parameters(project, kind_for(project), parameters).items()
                                if k in EDITABLE}
    for key, value in fields.items():
        setattr(policy, key, value)
    if policy.every_n_labels is not None and policy.every_n_labels < 1:
        raise ValidationError({"every_n_labels": "Must be at least 1, or empty."})
    if not 0.5 <= policy.disagreement_threshold <= 1.0:
        raise ValidationError({"disagreement_threshold": "Must be between 0.5 and 1."})
    if policy.extra_labels_cap > 20:
        raise ValidationError({"extra_labels_cap": "At most 20."})
    policy.save()
    return policy


def policy_due(policy: RetrainPolicy, *, now) -> str | None:
    """Which trigger (if any) says the policy's project should retrain now."""
    kind = kind_for(policy.project)
    last = TrainingRun.objects.filter(project=policy.project, kind=kind).order_by("-created_at").first()
    if policy.every_n_labels:
        since = last.label_high_water if last else 0
        new = Label.objects.filter(item__project=policy.project, id__gt=since).count()
        if new >= policy.every_n_labels:
            return RunTrigger.POLICY_LABELS
    seconds = SCHEDULE_SECONDS.get(policy.schedule)
    if seconds:
        reference = max(filter(None, [policy.last_triggered_at, last.created_at if last else None]), default=None)
        if reference is None or (now - reference).total_seconds() >= seconds:
            return RunTrigger.POLICY_SCHEDULE
    return None


def policies_check(*, now=None) -> list[TrainingRun]:
    """Start the runs that enabled policies call for (Celery beat runs this every minute)."""
    now = now or timezone.now()
    started = []
    for policy in RetrainPolicy.objects.filter(enabled=True).select_related("project"):
        trigger = policy_due(policy, now=now)
        if trigger is None:
            continue
        try:
            run, _ = run_start(policy.project, parameters=policy.parameters, trigger=trigger)
        except ValidationError as error:
            log.info("Policy of %s did not start a run: %s", policy.project, error.messages)
            continue
        RetrainPolicy.objects.filter(pk=policy.pk).update(last_triggered_at=now)
        started.append(run)
    return started


def runs_sweep(*, now=None) -> dict:
    """Fail running runs whose worker stopped writing progress; hand queued runs Celery never got to it again."""
    now = now or timezone.now()
    failed = 0
    for run in TrainingRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER):
        run_fail(run.pk, error=f"The worker stopped reporting progress for over {STALE_AFTER}; marked failed.")
        failed += 1
    requeued = 0
    refused = TrainingRun.objects.filter(status=RunStatus.QUEUED, progress_message=QUEUE_UNAVAILABLE,
                                         created_at__lt=now - REQUEUE_AFTER)
    for run_id in refused.values_list("pk", flat=True):
        with transaction.atomic():
            # Held while sending: a second sweep at the same time skips the run instead of sending it twice.
            run = refused.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is not None:
                requeued += run_enqueue(run)
    return {"failed": failed, "requeued": requeued}
