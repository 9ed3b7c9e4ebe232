from django.contrib import admin

from .models import ImportBatch, Item, ItemResponse, Prompt, Response


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["filename", "project", "format", "status", "rows_read", "items_created", "labels_created",
                    "uploaded_by", "created_at"]
    list_filter = ["status", "format", "project"]
    search_fields = ["filename", "file_sha256", "project__name"]
    raw_id_fields = ["project", "uploaded_by"]
    readonly_fields = ["created_at"]
    list_select_related = ["project", "uploaded_by"]


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "project", "created_at"]
    list_filter = ["project"]
    search_fields = ["content_hash", "messages"]
    raw_id_fields = ["project"]
    readonly_fields = ["created_at"]
    list_select_related = ["project"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "model_name", "project", "created_at"]
    list_filter = ["project", "model_name"]
    search_fields = ["text", "model_name", "content_hash"]
    raw_id_fields = ["project", "prompt"]
    readonly_fields = ["created_at"]
    list_select_related = ["project"]


class ItemResponseInline(admin.TabularInline):
    model = ItemResponse
    extra = 0
    raw_id_fields = ["response"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "external_id", "project", "is_gold", "priority", "created_at"]
    list_filter = ["kind", "is_gold", "project"]
    search_fields = ["external_id", "content_hash"]
    raw_id_fields = ["project", "prompt", "import_batch"]
    readonly_fields = ["created_at"]
    list_select_related = ["project"]
    inlines = [ItemResponseInline]


@admin.register(ItemResponse)
class ItemResponseAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "response", "position"]
    list_filter = ["item__project"]
    search_fields = ["item__external_id", "response__text"]
    raw_id_fields = ["item", "response"]
