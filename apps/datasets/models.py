from django.conf import settings
from django.db import models
from django.db.models import Q


class ImportFormat(models.TextChoices):
    NATIVE = "native", "Native JSONL"
    TRL_PREFERENCE = "trl", "TRL preference (prompt/chosen/rejected)"
    HH_RLHF = "hh_rlhf", "Anthropic HH-RLHF"
    ULTRAFEEDBACK = "ultrafeedback", "UltraFeedback"
    TRL_STEPWISE = "trl_stepwise", "TRL stepwise (prompt/completions/labels)"
    PRM800K = "prm800k", "PRM800K"
    CSV = "csv", "CSV"


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Imported"
        REJECTED = "rejected", "Rejected, nothing imported"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=16, choices=ImportFormat.choices, blank=True)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices)
    rows_read = models.PositiveIntegerField(default=0)
    items_created = models.PositiveIntegerField(default=0)
    items_skipped = models.PositiveIntegerField(default=0, help_text="Already in the project (re-import).")
    labels_created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text='[{"line": n, "reason": "…"}]')
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.filename} → {self.project} ({self.status})"


class Prompt(models.Model):
    """What the responses answer: a list of chat messages ``[{"role", "content"}]``."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="prompts")
    messages = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "content_hash"], name="prompt_unique_content")]

    def __str__(self):
        return self.text[:80]

    @property
    def text(self) -> str:
        """The last user turn (the question being answered)."""
        for message in reversed(self.messages or []):
            if message.get("role") == "user":
                return message.get("content", "")
        return (self.messages or [{}])[-1].get("content", "")

    @property
    def is_multi_turn(self) -> bool:
        return len(self.messages or []) > 1


class Response(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="responses")
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="responses")
    text = models.TextField()
    model_name = models.CharField(max_length=200, blank=True)
    steps = models.JSONField(null=True, blank=True, help_text="The solution's steps, for step-marking items.")
    content_hash = models.CharField(max_length=64)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prompt", "content_hash"], name="response_unique_content")]

    def __str__(self):
        return self.text[:80]


class ItemKind(models.TextChoices):
    PAIR = "pair", "Pair"
    RANKING = "ranking", "Ranking"
    STEPS = "steps", "Steps of one solution"


class Item(models.Model):
    """What an annotator labels: two responses, K responses, or one response's steps.

    The responses' canonical order is ``ItemResponse.position``; labels are stored in that order.
    """

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=ItemKind.choices)
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="items")
    responses = models.ManyToManyField(Response, through="ItemResponse", related_name="items")
    external_id = models.CharField(max_length=200, blank=True)
    content_hash = models.CharField(max_length=64)
    is_gold = models.BooleanField(default=False)
    gold_answer = models.JSONField(null=True, blank=True, help_text="Expected label for a gold item.")
    reference = models.JSONField(
        null=True, blank=True, help_text="What the source file said (e.g. which side it preferred); never shown."
    )
    priority = models.FloatField(default=0.0)
    overlap = models.PositiveSmallIntegerField(default=1, help_text="Labels wanted: the project's overlap, kept here so the database can enforce it.")
    labels_count = models.PositiveSmallIntegerField(
        default=0, help_text="Current labels; kept by a database trigger on labeling_label, never by hand."
    )
    metadata = models.JSONField(default=dict, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "content_hash"], name="item_unique_content"),
            models.UniqueConstraint(
                fields=["project", "external_id"], condition=~Q(external_id=""), name="item_unique_external_id"
            ),
            models.CheckConstraint(
                condition=Q(is_gold=False) | Q(gold_answer__isnull=False), name="item_gold_has_answer"
            ),
            models.CheckConstraint(condition=Q(kind__in=ItemKind.values), name="item_kind_valid"),
            models.CheckConstraint(
                condition=Q(labels_count__lte=models.F("overlap")), name="item_labels_within_overlap"
            ),
        ]
        indexes = [
            # The queue reads open items of one project, gold or not, highest priority first then oldest.
            models.Index(
                fields=["project", "is_gold", "-priority", "id"], name="item_queue_open",
                condition=Q(labels_count__lt=models.F("overlap")),
            ),
        ]

    def __str__(self):
        return f"{self.kind} item {self.external_id or self.pk}"


class ItemResponse(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="slots")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="item_response_position_unique"),
            models.UniqueConstraint(fields=["item", "response"], name="item_response_once"),
        ]
