from django.contrib import admin

from .models import ModelVersion, RetrainPolicy, TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "kind", "status", "trigger", "step", "total_steps", "created_at")
    list_filter = ("status", "kind", "trigger")
    readonly_fields = ("snapshot_label_ids", "log", "metrics", "dataset")
    exclude = ()


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("project", "number", "kind", "is_active", "promoted_at", "created_at")
    list_filter = ("kind", "is_active")
    readonly_fields = ("is_active", "metrics", "rescore_summary", "path", "run")


@admin.register(RetrainPolicy)
class RetrainPolicyAdmin(admin.ModelAdmin):
    list_display = ("project", "enabled", "every_n_labels", "schedule", "auto_promote")
