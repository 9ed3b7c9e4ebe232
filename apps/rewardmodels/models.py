"""Reward models of a project: training runs, the model versions they produce, and their scores.

A ``TrainingRun`` records what was asked (kind, parameters), the exact labels it trained on (label
ids: labels are never overwritten, so the ids pin the data), its live progress, log and metrics.
A successful run registers one ``ModelVersion`` whose files sit in ``settings.MODEL_STORE`` under
``path`` (written atomically by ``worker.ml.store``). At most one version per project and kind is
active (a partial unique constraint); promoting it rescores every response (``Score``) and
reorders the labelling queue. ``RetrainPolicy`` says when runs start by themselves.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class ModelKind(models.TextChoices):
    OUTCOME = "outcome", "Outcome reward model (whole responses)"
    PROCESS = "process", "Process reward model (per step)"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


LIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class RunTrigger(models.TextChoices):
    MANUAL = "manual", "Started by hand"
    POLICY_LABELS = "labels", "Policy: new labels"
    POLICY_SCHEDULE = "schedule", "Policy: schedule"


class TrainingRun(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="training_runs")
    kind = models.CharField(max_length=8, choices=ModelKind.choices)
    parameters = models.JSONField(default=dict, help_text="worker.ml TrainConfig as a dict.")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices, default=RunTrigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The data: the ids of the current labels read when the run started, narrowed by the worker to
    # those that made training examples; what became of the rest is in ``dataset``.
    snapshot_label_ids = models.JSONField(default=list, blank=True)
    label_high_water = models.BigIntegerField(default=0, help_text="Highest label id of the project at start.")
    dataset = models.JSONField(default=dict, blank=True, help_text="Counts: items, examples, ties dropped, …")
    # Progress, written by the worker as it trains.
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True)
    progress_message = models.CharField(max_length=300, blank=True)
    log = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    celery_task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last progress write by the worker.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="training_run_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ModelKind.values), name="training_run_kind_valid"),
            # One queued or running run per project and kind: a second start is refused, not queued.
            models.UniqueConstraint(
                fields=["project", "kind"], condition=Q(status__in=["queued", "running"]),
                name="training_run_one_live_per_project_kind",
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="training_run_recent")]

    def __str__(self):
        return f"run {self.pk} ({self.kind}, {self.status}) of {self.project}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == RunStatus.SUCCEEDED:
            return 100
        if not self.total_steps:
            return 0
        return min(100, int(100 * self.step / self.total_steps))


class ModelVersion(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="model_versions")
    kind = models.CharField(max_length=8, choices=ModelKind.choices)
    number = models.PositiveIntegerField(help_text="1, 2, … per project.")
    run = models.OneToOneField(TrainingRun, on_delete=models.PROTECT, related_name="version")
    path = models.CharField(max_length=300, help_text="Folder inside MODEL_STORE.")
    base_model = models.CharField(max_length=300, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    promoted_at = models.DateTimeField(null=True, blank=True, help_text="When it last became active.")
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rescored_at = models.DateTimeField(null=True, blank=True)
    rescore_summary = models.JSONField(
        default=dict, blank=True,
        help_text="Written with the scores: agreement with humans, loved-but-rejected items, shift.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="model_version_number_unique"),
            models.UniqueConstraint(
                fields=["project", "kind"], condition=Q(is_active=True), name="model_version_one_active",
            ),
            models.CheckConstraint(condition=Q(kind__in=ModelKind.values), name="model_version_kind_valid"),
        ]

    def __str__(self):
        return f"{self.project} model v{self.number} ({self.kind})"

    @property
    def accuracy(self) -> float | None:
        return self.metrics.get("pairwise_accuracy", self.metrics.get("step_accuracy"))

    @property
    def rescore_pending(self) -> bool:
        """Active, without a complete set of scores since it was promoted: its rescoring is queued, running, or
        was lost (the broker was down, or the worker died midway); promoting it again sends it again."""
        return self.is_active and (self.rescored_at is None
                                   or (self.promoted_at is not None and self.rescored_at < self.promoted_at))


class Score(models.Model):
    """One model version's reward for one response (mean over the ensemble, with its spread)."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="scores")
    response = models.ForeignKey("datasets.Response", on_delete=models.CASCADE, related_name="scores")
    reward = models.FloatField()
    std = models.FloatField(default=0.0)
    step_scores = models.JSONField(null=True, blank=True, help_text="Process models: P(step correct) per step.")
    first_wrong = models.IntegerField(null=True, blank=True, help_text="Process models: predicted first wrong step.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "response"], name="score_once_per_version")]
        indexes = [models.Index(fields=["version", "-reward"], name="score_by_reward")]

    def __str__(self):
        return f"{self.reward:.3f} for response {self.response_id} (v{self.version_id})"


class Schedule(models.TextChoices):
    OFF = "", "No schedule"
    HOURLY = "hourly", "Every hour"
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every week"


SCHEDULE_SECONDS = {Schedule.HOURLY: 3600, Schedule.DAILY: 86400, Schedule.WEEKLY: 7 * 86400}


class RetrainPolicy(models.Model):
    """When a project retrains by itself, and how the active model steers the labelling queue."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="retrain_policy")
    enabled = models.BooleanField(default=False)
    every_n_labels = models.PositiveIntegerField(
        null=True, blank=True, help_text="Start a run after this many new labels (empty: never on labels)."
    )
    schedule = models.CharField(max_length=8, choices=Schedule.choices, blank=True, default=Schedule.OFF)
    parameters = models.JSONField(default=dict, blank=True, help_text="Training parameters of policy runs.")
    auto_promote = models.BooleanField(
        default=False, help_text="Promote a policy run's version when its held-out accuracy is at least the active one's."
    )
    extra_labels_cap = models.PositiveSmallIntegerField(
        default=2, help_text="At most this many labels beyond the project's overlap when the model disputes the majority."
    )
    disagreement_threshold = models.FloatField(
        default=0.8, help_text="Model confidence (0.5 to 1) against the human majority that requests another label."
    )
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "retrain policies"
        constraints = [
            models.CheckConstraint(condition=Q(every_n_labels__isnull=True) | Q(every_n_labels__gte=1),
                                   name="retrain_policy_every_n_positive"),
            models.CheckConstraint(condition=Q(extra_labels_cap__lte=20), name="retrain_policy_extra_cap"),
            models.CheckConstraint(
                condition=Q(disagreement_threshold__gte=0.5) & Q(disagreement_threshold__lte=1.0),
                name="retrain_policy_threshold_range",
            ),
        ]

    def __str__(self):
        return f"retrain policy of {self.project}"
