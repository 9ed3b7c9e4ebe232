from django.contrib import admin

from .models import Project, RubricDimension, RubricVersion


class RubricVersionInline(admin.TabularInline):
    model = RubricVersion
    extra = 0
    fields = ["number", "note", "created_by", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["created_by"]
    show_change_link = True


class RubricDimensionInline(admin.TabularInline):
    model = RubricDimension
    extra = 0
    fields = ["position", "key", "name", "description", "scale_min", "scale_max", "anchors"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "task_type", "overlap", "gold_rate", "created_by", "created_at"]
    list_filter = ["task_type", "preference_scale", "rationale", "randomize_sides"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["created_by"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RubricVersionInline]


@admin.register(RubricVersion)
class RubricVersionAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "note", "created_by", "created_at"]
    list_filter = ["project"]
    search_fields = ["project__name", "project__slug", "note", "guidelines"]
    raw_id_fields = ["created_by"]
    autocomplete_fields = ["project"]
    readonly_fields = ["created_at"]
    list_select_related = ["project", "created_by"]
    inlines = [RubricDimensionInline]


@admin.register(RubricDimension)
class RubricDimensionAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "rubric_version", "position", "scale_min", "scale_max"]
    list_filter = ["rubric_version__project"]
    search_fields = ["key", "name", "description", "rubric_version__project__name"]
    raw_id_fields = ["rubric_version"]
    list_select_related = ["rubric_version__project"]
