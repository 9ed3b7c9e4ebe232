from rest_framework import serializers

from .models import ApiToken, Role


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know instead of silently ignoring them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class FilterTextField(serializers.CharField):
    """A text query filter. NUL characters are dropped (PostgreSQL text holds none, so a filter with one could only
    match nothing or fail in the database), as the item and audit filters drop them, instead of a 400."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data).replace("\x00", "")
        return text.strip() if self.trim_whitespace else text


class MyProjectSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    task_type = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, source="my_role")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    can_create_projects = serializers.BooleanField()
    projects = MyProjectSerializer(many=True)


class TokenSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The secret key. Shown only in this response.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class TokenCreateInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField()


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error (apps.core.api_errors)."""

    error = ErrorBodySerializer()
