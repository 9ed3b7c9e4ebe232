from django.conf import settings
from django.db import models
from django.db.models import Q


class TaskType(models.TextChoices):
    PAIRWISE = "pairwise", "Pairwise preference"
    RANKING = "ranking", "Ranking of K responses"
    STEPS = "steps", "Step marking"


class PreferenceScale(models.TextChoices):
    BINARY = "binary", "Binary (A or B)"
    WITH_TIE = "tie", "A, tie or B"
    FIVE_POINT = "five", "5-point (A≫B, A>B, tie, B>A, B≫A)"


class StepSplit(models.TextChoices):
    LINES = "lines", "One step per line"
    PARAGRAPHS = "paragraphs", "One step per blank-line paragraph"
    MARKERS = "markers", "One step per “Step N:” marker"


class FinalAnswerMode(models.TextChoices):
    OFF = "off", "Do not ask"
    OPTIONAL = "optional", "Ask; an answer is optional"
    REQUIRED = "required", "Ask; an answer is required"


# The error taxonomy a step-marking project starts with; a wrong (-1) step needs one of its project's categories.
DEFAULT_ERROR_CATEGORIES = (
    "calculation error", "logical error", "unsupported or hallucinated claim", "misread the problem",
    "incomplete", "irrelevant",
)
ERROR_CATEGORY_MAX = 60
ERROR_CATEGORIES_MAX = 20


def default_error_categories() -> list[str]:
    return list(DEFAULT_ERROR_CATEGORIES)


class RationaleMode(models.TextChoices):
    OFF = "off", "Not asked"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


class Project(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    task_type = models.CharField(max_length=16, choices=TaskType.choices, default=TaskType.PAIRWISE)
    ranking_k = models.PositiveSmallIntegerField(
        default=4, help_text="Responses per ranking item (3 to 8); ranking projects only."
    )
    overlap = models.PositiveSmallIntegerField(default=3, help_text="Labels wanted per item.")
    gold_rate = models.FloatField(default=0.05, help_text="Share of gold items mixed into the queue (0 to 1).")
    randomize_sides = models.BooleanField(default=True)
    lease_minutes = models.PositiveIntegerField(default=30)
    preference_scale = models.CharField(
        max_length=8, choices=PreferenceScale.choices, default=PreferenceScale.WITH_TIE
    )
    allow_rank_ties = models.BooleanField(default=False)
    rationale = models.CharField(max_length=8, choices=RationaleMode.choices, default=RationaleMode.OPTIONAL)
    step_split = models.CharField(max_length=12, choices=StepSplit.choices, default=StepSplit.LINES)
    stop_at_first_error = models.BooleanField(default=False)
    error_categories = models.JSONField(
        default=default_error_categories, blank=True,
        help_text="Step marking: the error taxonomy; a wrong (-1) step needs one of these categories.",
    )
    final_answer = models.CharField(
        max_length=8, choices=FinalAnswerMode.choices, default=FinalAnswerMode.REQUIRED,
        help_text="Step marking: whether the annotator says if the final answer is correct.",
    )
    trl_neutral_correct = models.BooleanField(
        default=False,
        help_text="TRL stepwise export: a neutral (0) step becomes true (correct) instead of false, TRL's own mapping.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1) & Q(overlap__lte=50), name="project_overlap_range"),
            models.CheckConstraint(condition=Q(gold_rate__gte=0) & Q(gold_rate__lte=1), name="project_gold_rate_range"),
            models.CheckConstraint(
                condition=Q(lease_minutes__gte=1) & Q(lease_minutes__lte=7 * 24 * 60), name="project_lease_range"
            ),
            models.CheckConstraint(condition=Q(ranking_k__gte=3) & Q(ranking_k__lte=8), name="project_ranking_k_range"),
            models.CheckConstraint(condition=Q(task_type__in=TaskType.values), name="project_task_type_valid"),
            models.CheckConstraint(
                condition=Q(preference_scale__in=PreferenceScale.values), name="project_preference_scale_valid"
            ),
            models.CheckConstraint(condition=Q(final_answer__in=FinalAnswerMode.values), name="project_final_answer_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def preference_values(self) -> list[int]:
        """Allowed canonical preference values; positive means the first canonical response is better."""
        return {
            PreferenceScale.BINARY: [-1, 1],
            PreferenceScale.WITH_TIE: [-1, 0, 1],
            PreferenceScale.FIVE_POINT: [-2, -1, 0, 1, 2],
        }[self.preference_scale]


class RubricVersion(models.Model):
    """One immutable version of a project's guidelines and rubric. Every edit makes a new one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rubric_versions")
    number = models.PositiveIntegerField()
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators.")
    note = models.CharField(max_length=200, blank=True, help_text="What changed in this version.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="rubric_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="rubric_version_number_positive"),
        ]

    def __str__(self):
        return f"{self.project} rubric v{self.number}"


class RubricDimension(models.Model):
    rubric_version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="dimensions")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    anchors = models.JSONField(default=dict, blank=True, help_text='Anchor text per scale point: {"1": "…"}.')

    class Meta:
        ordering = ["rubric_version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric_version", "key"], name="rubric_dimension_key_unique"),
            models.UniqueConstraint(fields=["rubric_version", "position"], name="rubric_dimension_position_unique"),
            models.CheckConstraint(condition=Q(scale_max__gt=models.F("scale_min")), name="rubric_dimension_scale_order"),
            models.CheckConstraint(
                condition=Q(scale_min__gte=-10) & Q(scale_max__lte=10), name="rubric_dimension_scale_bounds"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.scale_min}-{self.scale_max})"

    @property
    def points(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    def anchor_for(self, point: int) -> str:
        return (self.anchors or {}).get(str(point), "")
