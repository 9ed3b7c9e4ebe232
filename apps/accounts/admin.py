from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse

from .models import ApiToken, Membership, User
from .services import token_create


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["project"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active", "is_external"]
    list_filter = ["is_external", *DjangoUserAdmin.list_filter]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Annotation platform", {"fields": ["is_external"]})]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role", "created_at"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name", "project__slug"]
    autocomplete_fields = ["user", "project"]
    list_select_related = ["user", "project"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by services.token_create, which stores only the digest; the key is shown once."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "prefix", "digest", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, key = token_create(user=obj.user, name=obj.name)
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        obj._state.adding = False
        obj.key = key

    def response_add(self, request, obj, post_url_continue=None):
        # The key goes into this response only: not into a message, the session or a log entry.
        context = {**self.admin_site.each_context(request), "token": obj, "key": obj.key, "opts": self.opts,
                   "title": "API token created"}
        response = TemplateResponse(request, "accounts/admin_token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response
