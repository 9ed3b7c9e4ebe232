from django.conf import settings
from django.template.defaultfilters import filesizeformat
from rest_framework import serializers

from apps.labeling.models import Label

from .models import ImportBatch, ImportFormat, Item, ItemResponse


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices, required=False, allow_blank=True)

    def validate_file(self, upload):
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise serializers.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(settings.IMPORT_MAX_BYTES)}."
            )
        return upload


class ImportQuerySerializer(serializers.Serializer):
    """Filters of the import list (query parameters)."""

    status = serializers.ChoiceField(choices=ImportBatch.Status.choices, required=False,
                                     help_text="accepted (imported) or rejected (nothing imported).")


class LineProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    errors = LineProblemSerializer(many=True, read_only=True)
    warnings = LineProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "filename", "format", "status", "file_sha256", "rows_read", "items_created", "items_skipped",
            "labels_created", "errors", "warnings", "uploaded_by", "created_at",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.Serializer):
    role = serializers.CharField()
    content = serializers.CharField()


class ItemResponseSerializer(serializers.ModelSerializer):
    response_id = serializers.IntegerField(source="response.id")
    text = serializers.CharField(source="response.text")
    model = serializers.CharField(source="response.model_name")
    steps = serializers.ListField(child=serializers.CharField(), source="response.steps", allow_null=True)

    class Meta:
        model = ItemResponse
        fields = ["position", "response_id", "text", "model", "steps"]


class ItemSerializer(serializers.ModelSerializer):
    prompt = MessageSerializer(source="prompt.messages", many=True)
    responses = ItemResponseSerializer(source="slots", many=True)

    class Meta:
        model = Item
        fields = [
            "id", "kind", "external_id", "prompt", "responses", "is_gold", "gold_answer", "reference", "priority",
            "metadata", "import_batch", "created_at",
        ]
        read_only_fields = fields


class ItemLabelSerializer(serializers.ModelSerializer):
    annotator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    rubric_version = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = Label
        fields = [
            "id", "annotator", "preference", "ranks", "step_ratings", "scores", "rationale", "flags", "source",
            "rubric_version", "version", "created_at",
        ]
        read_only_fields = fields
