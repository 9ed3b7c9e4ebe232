from django.urls import path

from . import api

urlpatterns = [
    path("audit/events/", api.AuditListApi.as_view(), name="api-audit-events"),
    path("audit/events/export/", api.AuditExportApi.as_view(), name="api-audit-export"),
]
