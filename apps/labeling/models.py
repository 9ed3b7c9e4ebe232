from django.conf import settings
from django.db import models
from django.db.models import Q


class LabelSource(models.TextChoices):
    UI = "ui", "Labelling page"
    API = "api", "API"
    IMPORT = "import", "Imported"


class Label(models.Model):
    """One annotator's judgement of one item, in the item's canonical response order.

    ``preference``: for pairs, positive means the first canonical response is better (2 = much
    better, 1 = better, 0 = tie). ``ranks``: for rankings, the rank of each canonical response
    (1 = best; equal numbers are ties). ``step_ratings``: for steps, one of 1, 0, -1 or null per
    step. ``scores``: rubric dimension key → score. Edits never overwrite: a new row becomes
    current and points at the one it replaces.
    """

    item = models.ForeignKey("datasets.Item", on_delete=models.CASCADE, related_name="labels")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="labels")
    rubric_version = models.ForeignKey(
        "projects.RubricVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="labels"
    )
    preference = models.SmallIntegerField(null=True, blank=True)
    ranks = models.JSONField(null=True, blank=True)
    step_ratings = models.JSONField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
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
        ]
        indexes = [models.Index(fields=["annotator", "-created_at"], name="label_recent_by_annotator")]

    def __str__(self):
        return f"label {self.pk} by {self.annotator} on item {self.item_id}"
