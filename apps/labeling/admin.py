from django.contrib import admin

from .models import Assignment, Label


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "annotator", "status", "shown_order", "created_at", "expires_at", "finished_at"]
    list_filter = ["status", "project"]
    search_fields = ["annotator__username", "item__external_id", "skip_reason"]
    raw_id_fields = ["project", "item", "annotator"]
    readonly_fields = ["created_at"]
    list_select_related = ["item", "annotator"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "annotator", "preference", "source", "is_current", "version", "created_at"]
    list_filter = ["source", "is_current", "item__project"]
    search_fields = ["annotator__username", "item__external_id", "rationale"]
    raw_id_fields = ["item", "annotator", "rubric_version", "previous", "import_batch", "assignment"]
    readonly_fields = ["created_at"]
    list_select_related = ["item", "annotator"]
