"""Integer summaries of the labels, kept by database triggers (see ``apps/quality/live_sql.py``), and the
snapshot of the heavy statistics a Celery task computes every few minutes.

Vocabulary (``apps/quality/metrics.py`` defines it):

- a *metric* is one stream of values a coefficient is computed on: ``preference`` (-2..2, canonical),
  ``score:<dimension key>`` (one rubric dimension), ``flag:<flag>`` (0/1), ``step`` (per-step rating
  -1/0/1), ``first_wrong`` (first wrong step index, -1 for none), ``final_answer`` (0/1), ``step_category``
  (error category of a step) and ``rank_pair`` (direction -1/0/1 implied by a ranking for one pair of
  responses);
- a *unit* is what several annotators rated once: an item (``unit = 0``), a response of an item (its
  canonical position), a step (its index) or a pair of ranked responses (``i * 16 + j``);
- a *pattern* is a unit's value counts written canonically, ``"-1:2,1:1"`` (value:count, ordered by value).

The triggers keep, for every item, the pattern of each of its units (:class:`ItemUnitPattern`), per project
and metric how many units have each pattern (:class:`PatternCount`: every alpha-family coefficient follows
from these counts exactly), per item how much its labels split (:class:`ItemSplit`, the disagreement queue),
and per annotator the counts behind the cheap calibration figures (:class:`AnnotatorTally`). None of these
tables has a Django foreign key: the triggers own them, and Django's cascading deletes must not delete rows
the triggers still have to subtract.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class ItemUnitPattern(models.Model):
    project_id = models.BigIntegerField()
    item_id = models.BigIntegerField()
    metric = models.CharField(max_length=80)
    unit = models.IntegerField()
    pattern = models.TextField()
    size = models.PositiveSmallIntegerField(help_text="Values in the unit (m).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item_id", "metric", "unit"], name="quality_unit_pattern_once"),
        ]
        # no other index: nothing reads these rows by project, and every label insert writes ~10 of them

    def __str__(self):
        return f"item {self.item_id} {self.metric}[{self.unit}] = {self.pattern}"


class PatternCount(models.Model):
    """How many units of one metric in one project have exactly this pattern of value counts.

    One row per project is not a metric: ``metric = "items"``, ``pattern = ""``, ``units`` = the project's items
    (labelled or not), kept by triggers on ``datasets_item`` so that a dashboard read never counts items."""

    project_id = models.BigIntegerField()
    metric = models.CharField(max_length=80)
    pattern = models.TextField()
    size = models.PositiveSmallIntegerField()
    units = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project_id", "metric", "pattern"], name="quality_pattern_count_once"),
        ]

    def __str__(self):
        return f"project {self.project_id} {self.metric} {self.pattern} x{self.units}"


class ItemSplit(models.Model):
    """How much the current labels of one item disagree on the project's headline metric.

    ``pairs``: ordered pairs of values from two different annotators over the item's units;
    ``disagreeing``: those pairs with different values; ``distance``: sum over those pairs of
    ``|c - k|`` for numeric values (else 1 per disagreeing pair); ``split = disagreeing / pairs``.
    """

    item_id = models.BigIntegerField(unique=True)
    project_id = models.BigIntegerField()
    metric = models.CharField(max_length=80)
    labels = models.PositiveSmallIntegerField()
    pairs = models.IntegerField()
    disagreeing = models.IntegerField()
    distance = models.FloatField()
    split = models.FloatField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["project_id", "-split", "-distance", "item_id"], name="quality_item_split_queue",
                condition=Q(disagreeing__gt=0),
            ),
        ]

    def __str__(self):
        return f"item {self.item_id}: split {self.split:.2f}"


class AnnotatorTally(models.Model):
    """Counts over one annotator's current labels in one project (kept by the triggers)."""

    project_id = models.BigIntegerField()
    annotator_id = models.BigIntegerField()
    labels = models.BigIntegerField(default=0)
    preferences = models.BigIntegerField(default=0, help_text="Labels with a preference.")
    ties = models.BigIntegerField(default=0)
    decisive = models.BigIntegerField(default=0, help_text="Preferences that are not ties, with a shown order.")
    left_picks = models.BigIntegerField(default=0, help_text="Decisive picks of the response shown first.")
    timed = models.BigIntegerField(default=0)
    active_ms_total = models.BigIntegerField(default=0)
    gold_total = models.BigIntegerField(default=0)
    gold_correct = models.BigIntegerField(default=0)
    first_label_at = models.DateTimeField(null=True, blank=True)
    last_label_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project_id", "annotator_id"], name="quality_annotator_tally_once"),
        ]

    def __str__(self):
        return f"annotator {self.annotator_id} in project {self.project_id}: {self.labels} labels"


class StatsSnapshot(models.Model):
    """The heavy statistics of one project (bootstrap intervals, Cohen pairs, Dawid-Skene, medians, trends),
    computed by ``worker.tasks.quality.refresh_heavy_statistics`` or ``manage.py agreement --refresh``."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="stats_snapshot")
    computed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    labels_seen = models.BigIntegerField(default=0, help_text="Current labels when computed.")
    data = models.JSONField(default=dict)

    def __str__(self):
        return f"statistics of {self.project} at {self.computed_at:%Y-%m-%d %H:%M}"


class DawidSkeneLabel(models.Model):
    """The Dawid-Skene aggregated label of one item, written with the heavy statistics snapshot
    (``heavy.refresh_snapshot``), offered beside the plain majority (disagreement queue, item page, and the TRL
    export's ``aggregate=dawid-skene``).

    ``value`` is on the project's headline value, in the item's canonical order: pairs ``"A"`` (response 1
    better), ``"tie"`` or ``"B"``; rankings the whole ranking (ranks per canonical response); steps the first
    wrong step (``-1``: none). ``confidence`` is its posterior probability, ``majority`` the unique most frequent
    value among the same labels (``None`` when there is none), ``label_ids`` the current labels it was computed
    from: when the item's current labels are no longer exactly these, the row is stale. ``computed_at``: when a
    refresh last changed the row (a refresh that finds the same label leaves it alone).
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    item = models.OneToOneField("datasets.Item", on_delete=models.CASCADE, related_name="dawid_skene")
    value = models.JSONField()
    confidence = models.FloatField()
    majority = models.JSONField(null=True, blank=True)
    label_ids = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"Dawid-Skene label of item {self.item_id}: {self.value!r}"


class Adjudication(models.Model):
    """A lead's final label for an item, in the item's canonical order, used by exports instead of the
    majority of its labels.

    The judgement fields mean what they mean on ``labeling.Label``. One current adjudication per item
    (a database constraint); recording a new one keeps the old row, no longer current, and points
    at it, so the history of decisions is never lost.
    """

    item = models.ForeignKey("datasets.Item", on_delete=models.CASCADE, related_name="adjudications")
    adjudicator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjudications")
    rubric_version = models.ForeignKey(
        "projects.RubricVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="adjudications"
    )
    preference = models.SmallIntegerField(null=True, blank=True)
    ranks = models.JSONField(null=True, blank=True)
    step_ratings = models.JSONField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, help_text="Why the lead decided so.")
    is_current = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_version",
        help_text="The adjudication this one replaced (both go only when the item is deleted).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(is_current=True), name="adjudication_one_current_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(preference__isnull=True)
                | (models.Q(preference__gte=-2) & models.Q(preference__lte=2)),
                name="adjudication_preference_range",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="adjudication_version_positive"),
        ]

    def __str__(self):
        return f"adjudication v{self.version} of item {self.item_id} by {self.adjudicator}"
