from django.conf import settings
from django.db import models
from django.db.models import Q


class LabelSource(models.TextChoices):
    UI = "ui", "Labelling page"
    API = "api", "API"
    IMPORT = "import", "Imported"


class FinishReason(models.TextChoices):
    """How a step-marking pass ended (PRM800K's finish reasons; its ``solution`` is ``solution_complete``)."""

    FOUND_ERROR = "found_error", "Found an error"
    SOLUTION_COMPLETE = "solution_complete", "Solution complete"
    BAD_PROBLEM = "bad_problem", "Bad problem"
    GIVE_UP = "give_up", "Give up"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"
    EXPIRED = "expired", "Expired, slot taken by someone else"


class Assignment(models.Model):
    """An item handed to an annotator: the order its responses are shown in, and a lease.

    An open assignment whose ``expires_at`` has passed no longer holds a slot: the queue counts only
    live leases. One row per (item, annotator), one open row per annotator and project.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assignments")
    item = models.ForeignKey("datasets.Item", on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN)
    shown_order = models.JSONField(help_text="Canonical response positions in the order shown, e.g. [1, 0].")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="assignment_once_per_item_annotator"),
            models.UniqueConstraint(
                fields=["project", "annotator"], condition=Q(status=AssignmentStatus.OPEN),
                name="assignment_one_open_per_annotator",
            ),
            models.CheckConstraint(condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"),
        ]
        indexes = [
            models.Index(fields=["item"], condition=Q(status=AssignmentStatus.OPEN), name="assignment_open_by_item"),
        ]

    def __str__(self):
        return f"item {self.item_id} → {self.annotator} ({self.status})"


class Label(models.Model):
    """One annotator's judgement of one item, in the item's canonical response order.

    ``preference``: for pairs, positive means the first canonical response is better (2 = much
    better, 1 = better, 0 = tie). ``ranks``: for rankings, the rank of each canonical response
    (1 = best; equal numbers are ties). ``step_ratings``: for steps, one of 1, 0, -1 or null per
    step; ``step_notes`` one entry per step (null, or the error category, comment and corrected step
    of a step), ``final_answer_correct`` and ``finish_reason`` how the pass ended. ``scores``: rubric dimension key → one score (or null) per canonical response. Edits
    never overwrite: a new row becomes current and points at the one it replaces.
    """

    item = models.ForeignKey("datasets.Item", on_delete=models.CASCADE, related_name="labels")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="labels")
    rubric_version = models.ForeignKey(
        "projects.RubricVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="labels"
    )
    preference = models.SmallIntegerField(null=True, blank=True)
    ranks = models.JSONField(null=True, blank=True)
    step_ratings = models.JSONField(null=True, blank=True)
    step_notes = models.JSONField(
        null=True, blank=True,
        help_text='Steps: one entry per step, null or {"category": str, "comment": str, "correction": str}.',
    )
    final_answer_correct = models.BooleanField(
        null=True, blank=True, help_text="Steps: whether the annotator found the final answer correct."
    )
    finish_reason = models.CharField(max_length=20, blank=True, default="", choices=FinishReason.choices)
    scores = models.JSONField(default=dict, blank=True)
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="label",
        help_text="The assignment this label answered; unique, so a repeated submit stores one label.",
    )
    shown_order = models.JSONField(null=True, blank=True, help_text="Canonical positions in the order shown.")
    active_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Active time on the item.")
    rationale = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(
        default=dict, blank=True, help_text="Source-specific detail kept for lossless export (e.g. PRM800K fields)."
    )
    source = models.CharField(max_length=8, choices=LabelSource.choices, default=LabelSource.UI)
    is_current = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    import_batch = models.ForeignKey(
        "datasets.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="labels"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "annotator"], condition=Q(is_current=True), name="label_one_current_per_annotator"
            ),
            models.CheckConstraint(
                condition=Q(preference__isnull=True) | (Q(preference__gte=-2) & Q(preference__lte=2)),
                name="label_preference_range",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="label_version_positive"),
            models.CheckConstraint(
                condition=Q(finish_reason="") | Q(finish_reason__in=FinishReason.values), name="label_finish_reason_valid"
            ),
        ]
        indexes = [models.Index(fields=["annotator", "-created_at"], name="label_recent_by_annotator")]

    def __str__(self):
        return f"label {self.pk} by {self.annotator} on item {self.item_id}"

    @property
    def first_wrong_step(self) -> int | None:
        """0-based index of the first step rated -1, or None (no step marked wrong)."""
        return next((i for i, v in enumerate(self.step_ratings or []) if v == -1), None)
