import math

from rest_framework import serializers

from apps.accounts.models import Membership, Role
from apps.accounts.serializers import FilterTextField, StrictSerializer

from . import selectors
from .models import (
    ERROR_CATEGORIES_MAX,
    ERROR_CATEGORY_MAX,
    FinalAnswerMode,
    PreferenceScale,
    Project,
    RationaleMode,
    RubricDimension,
    RubricVersion,
    StepSplit,
    TaskType,
)
from .services import RESERVED_SLUGS, SCALE_LIMITS, SETTING_LIMITS, DimensionSpec


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class DimensionInputSerializer(StrictSerializer):
    key = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    scale_min = serializers.IntegerField(min_value=SCALE_LIMITS[0], max_value=SCALE_LIMITS[1], default=1)
    scale_max = serializers.IntegerField(min_value=SCALE_LIMITS[0], max_value=SCALE_LIMITS[1], default=5)
    anchors = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=1000), required=False, default=dict,
        help_text='Anchor text per scale point, e.g. {"1": "Mostly false", "5": "All true"}.',
    )

    def validate(self, data):
        low, high = data["scale_min"], data["scale_max"]
        if low >= high:
            raise serializers.ValidationError({"scale_max": "The top of the scale must be above its bottom."})
        errors = []
        for point in data["anchors"]:
            try:
                inside = low <= int(point) <= high and str(int(point)) == point.strip()
            except ValueError:
                inside = False
            if not inside:
                errors.append(f"{point!r} is not a point of the scale {low} to {high}.")
        if errors:
            raise serializers.ValidationError({"anchors": errors})
        data["anchors"] = {str(int(k)): v for k, v in data["anchors"].items() if v}
        return data

    @staticmethod
    def to_spec(data) -> DimensionSpec:
        return DimensionSpec(
            data["key"], data["name"], data["description"], data["scale_min"], data["scale_max"], data["anchors"]
        )


class DimensionListField(serializers.ListField):
    child = DimensionInputSerializer()

    def to_internal_value(self, data):
        dimensions = super().to_internal_value(data)
        keys = [d["key"] for d in dimensions]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise serializers.ValidationError(
                f"Each rubric dimension needs its own key; repeated: {', '.join(duplicates)}."
            )
        return dimensions


class RubricInputSerializer(StrictSerializer):
    guidelines = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Markdown.")
    dimensions = DimensionListField(max_length=30)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def specs(self) -> list[DimensionSpec]:
        return [DimensionInputSerializer.to_spec(d) for d in self.validated_data["dimensions"]]


class DimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricDimension
        fields = ["position", "key", "name", "description", "scale_min", "scale_max", "anchors"]
        read_only_fields = fields


class RubricVersionSummarySerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    dimension_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RubricVersion
        fields = ["number", "note", "created_by", "created_at", "dimension_count"]
        read_only_fields = fields


class RubricVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    dimensions = DimensionSerializer(many=True, read_only=True)

    class Meta:
        model = RubricVersion
        fields = ["number", "guidelines", "note", "created_by", "created_at", "dimensions"]
        read_only_fields = fields


class ProjectSettingsSerializer(StrictSerializer):
    """The project's settings, all optional: the body of a PATCH."""

    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    task_type = serializers.ChoiceField(choices=TaskType.choices, required=False)
    ranking_k = serializers.IntegerField(
        min_value=SETTING_LIMITS["ranking_k"][0], max_value=SETTING_LIMITS["ranking_k"][1], required=False
    )
    overlap = serializers.IntegerField(
        min_value=SETTING_LIMITS["overlap"][0], max_value=SETTING_LIMITS["overlap"][1], required=False
    )
    gold_rate = FiniteFloatField(
        min_value=SETTING_LIMITS["gold_rate"][0], max_value=SETTING_LIMITS["gold_rate"][1], required=False
    )
    randomize_sides = serializers.BooleanField(required=False)
    lease_minutes = serializers.IntegerField(
        min_value=SETTING_LIMITS["lease_minutes"][0], max_value=SETTING_LIMITS["lease_minutes"][1], required=False
    )
    preference_scale = serializers.ChoiceField(choices=PreferenceScale.choices, required=False)
    allow_rank_ties = serializers.BooleanField(required=False)
    rationale = serializers.ChoiceField(choices=RationaleMode.choices, required=False)
    step_split = serializers.ChoiceField(choices=StepSplit.choices, required=False)
    stop_at_first_error = serializers.BooleanField(required=False)
    error_categories = serializers.ListField(
        child=serializers.CharField(max_length=ERROR_CATEGORY_MAX), required=False, max_length=ERROR_CATEGORIES_MAX,
        help_text="Step marking: the error taxonomy, in the order of the picker's keys; a wrong (-1) step needs one "
                  "of these. An empty list restores the default list.",
    )
    final_answer = serializers.ChoiceField(
        choices=FinalAnswerMode.choices, required=False,
        help_text="Step marking: whether annotators say if the final answer is correct (off, optional, required).",
    )
    trl_neutral_correct = serializers.BooleanField(
        required=False,
        help_text="TRL stepwise export default: neutral (0) steps become true instead of false (TRL's own mapping).",
    )


class ProjectCreateSerializer(ProjectSettingsSerializer):
    """A new project with its settings, guidelines and rubric dimensions in one body."""

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False, help_text="Made from the name when left out.")
    guidelines = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    dimensions = DimensionListField(max_length=30, required=False, default=list)

    def validate_slug(self, value):
        if value in RESERVED_SLUGS or Project.objects.filter(slug=value).exists():
            raise serializers.ValidationError("This slug is taken.")
        return value


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    item_count = serializers.SerializerMethodField()
    rubric_version = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "slug", "name", "description", "task_type", "ranking_k", "overlap", "gold_rate", "randomize_sides",
            "lease_minutes", "preference_scale", "allow_rank_ties", "rationale", "step_split",
            "stop_at_first_error", "error_categories", "final_answer", "trl_neutral_correct", "created_at", "updated_at", "role", "item_count", "rubric_version",
        ]
        read_only_fields = fields

    def get_role(self, project) -> str | None:
        return getattr(project, "my_role", None) or self.context.get("role")

    def get_item_count(self, project) -> int:
        count = getattr(project, "item_count", None)
        return project.items.count() if count is None else count

    def get_rubric_version(self, project) -> int | None:
        number = getattr(project, "rubric_version_number", None)
        if number is None:
            number = project.rubric_versions.order_by("-number").values_list("number", flat=True).first()
        return number


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "role", "created_at"]
        read_only_fields = fields


class MemberAddSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


# --- list filters (query parameters) -------------------------------------------------------------------------------


class ProjectQuerySerializer(serializers.Serializer):
    """Filters of the project list (query parameters)."""

    q = FilterTextField(required=False, allow_blank=True, max_length=200,
                        help_text="Part of the project's name or slug (any case).")
    role = serializers.ChoiceField(choices=Role.choices, required=False,
                                   help_text="Only projects where you have this role (site staff: admin everywhere).")
    task_type = serializers.ChoiceField(choices=TaskType.choices, required=False)

    def filters(self) -> selectors.ProjectFilters:
        data = self.validated_data
        return selectors.ProjectFilters(q=data.get("q", ""), role=data.get("role", ""),
                                        task_type=data.get("task_type", ""))


class MemberQuerySerializer(serializers.Serializer):
    """Filters of the member list (query parameters)."""

    role = serializers.ChoiceField(choices=Role.choices, required=False)
    username = FilterTextField(required=False, allow_blank=True, max_length=150,
                               help_text="Part of the username (any case).")

    def filters(self) -> selectors.MemberFilters:
        data = self.validated_data
        return selectors.MemberFilters(role=data.get("role", ""), username=data.get("username", ""))
