from rest_framework import serializers


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"event:<n>" for a recorded event, "label:<n>" for a label version.')
    time = serializers.DateTimeField()
    actor = serializers.CharField(help_text="Username; empty for the system.")
    action = serializers.CharField()
    project = serializers.CharField(help_text="Project slug; empty for site-wide actions.")
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    detail = serializers.DictField()
    ip = serializers.IPAddressField(allow_null=True)
