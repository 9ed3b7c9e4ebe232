from rest_framework import serializers

from apps.accounts.serializers import StrictSerializer

from . import selectors
from .models import ModelKind, ModelVersion, RetrainPolicy, RunStatus, Schedule, Score, TrainingRun
from .services import LIMITS


class TrainingRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    version = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    labels_used = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = ["id", "kind", "status", "trigger", "parameters", "requested_by", "step", "total_steps", "percent",
                  "loss", "eta_seconds", "progress_message", "metrics", "dataset", "labels_used", "error",
                  "cancel_requested", "celery_task_id", "attempts", "created_at", "started_at", "finished_at",
                  "version"]

    def get_version(self, run) -> int | None:
        version = getattr(run, "version", None) if run.status == "succeeded" else None
        return version.number if version else None

    def get_labels_used(self, run) -> int:
        counted = getattr(run, "labels_used", None)  # runs_of counts them in its query
        return counted if counted is not None else len(run.snapshot_label_ids or [])


class TrainingRunDetailSerializer(TrainingRunSerializer):
    class Meta(TrainingRunSerializer.Meta):
        fields = TrainingRunSerializer.Meta.fields + ["log", "snapshot_label_ids"]


class RunStartSerializer(StrictSerializer):
    """Training parameters; each one left out takes the platform's default."""

    kind = serializers.ChoiceField(choices=["outcome", "process"], required=False)
    base_model = serializers.CharField(max_length=300, required=False)
    epochs = serializers.IntegerField(min_value=LIMITS["epochs"][0], max_value=LIMITS["epochs"][1], required=False)
    learning_rate = serializers.FloatField(min_value=LIMITS["learning_rate"][0], max_value=LIMITS["learning_rate"][1],
                                           required=False)
    batch_size = serializers.IntegerField(min_value=1, max_value=LIMITS["batch_size"][1], required=False)
    max_length = serializers.IntegerField(min_value=LIMITS["max_length"][0], max_value=LIMITS["max_length"][1],
                                          required=False)
    ensemble_size = serializers.IntegerField(min_value=1, max_value=LIMITS["ensemble_size"][1], required=False)
    heldout_share = serializers.FloatField(min_value=0.0, max_value=LIMITS["heldout_share"][1], required=False)
    seed = serializers.IntegerField(min_value=0, required=False)
    warmup_ratio = serializers.FloatField(min_value=0.0, max_value=0.99, required=False)
    tie_policy = serializers.ChoiceField(choices=["drop", "equal"], required=False)
    use_margin = serializers.BooleanField(required=False)


class RunStartedSerializer(TrainingRunSerializer):
    enqueued = serializers.SerializerMethodField()

    class Meta(TrainingRunSerializer.Meta):
        fields = TrainingRunSerializer.Meta.fields + ["enqueued"]

    def get_enqueued(self, run) -> bool:
        return bool(self.context.get("enqueued"))


class RunQuerySerializer(serializers.Serializer):
    """Filters of the training-run list (query parameters)."""

    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ModelKind.choices, required=False)

    def filters(self) -> selectors.RunFilters:
        data = self.validated_data
        return selectors.RunFilters(status=data.get("status", ""), kind=data.get("kind", ""))


class VersionQuerySerializer(serializers.Serializer):
    """Filters of the model-version list (query parameters)."""

    kind = serializers.ChoiceField(choices=ModelKind.choices, required=False)
    # allow_null: a query string without ``active`` means "either", not false (DRF's default for HTML input)
    active = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true: only the active version (one per kind); false: the others.")

    def filters(self) -> selectors.VersionFilters:
        data = self.validated_data
        return selectors.VersionFilters(kind=data.get("kind", ""), active=data.get("active"))


class ModelVersionSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(source="run_id", read_only=True)
    promoted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ModelVersion
        fields = ["number", "kind", "run", "path", "base_model", "metrics", "is_active", "promoted_at", "promoted_by",
                  "rescored_at", "rescore_summary", "created_at"]


class VersionChangedSerializer(serializers.Serializer):
    version = ModelVersionSerializer()
    rescore_enqueued = serializers.BooleanField()


class ScoreSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Score
        fields = ["version", "response_id", "reward", "std", "step_scores", "first_wrong"]


class RetrainPolicySerializer(serializers.ModelSerializer):
    schedule = serializers.ChoiceField(choices=Schedule.choices, required=False, allow_blank=True)
    parameters = serializers.DictField(
        required=False, help_text="Training parameters of policy runs (name → value); left out, the defaults.",
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate_parameters(self, value: dict) -> dict:
        texts = [*value, *(v for v in value.values() if isinstance(v, str))]
        if any("\x00" in text for text in texts):
            raise serializers.ValidationError("Null characters are not allowed.")  # PostgreSQL stores none
        return value

    class Meta:
        model = RetrainPolicy
        fields = ["enabled", "every_n_labels", "schedule", "parameters", "auto_promote", "extra_labels_cap",
                  "disagreement_threshold", "last_triggered_at", "updated_at"]
        read_only_fields = ["last_triggered_at", "updated_at"]
