"""Audit API: the same entries and filters as the audit page, as pages of JSON or a CSV / JSONL download."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView

from apps.accounts.api import PAGE, error_responses, paginated

from . import exports, selectors
from .serializers import AuditEntrySerializer

FILTERS = [
    OpenApiParameter("project", str, description="Project slug."),
    OpenApiParameter("actor", str, description="Username of who acted."),
    OpenApiParameter("action", str, description="An action (label.created) or its prefix (membership)."),
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this day (inclusive)."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Up to this day (inclusive)."),
]


def _filters(request) -> selectors.AuditFilters:
    if not selectors.can_read_audit(request.user):
        raise exceptions.PermissionDenied("The audit trail is for site staff and project admins.")
    filters = selectors.AuditFilters.from_query(request.query_params)
    selectors.check_project_filter(request.user, filters)
    return filters


class _Pages(PageNumberPagination):
    def paginate_entries(self, request, user, filters):
        """A page of entries without materialising the stream (count and slice done by the database)."""
        size = self.get_page_size(request) or 50
        try:
            number = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except ValueError:
            number = 1
        self.request = request
        total = selectors.audit_count(user, filters)
        if (number - 1) * size >= max(total, 1) and number != 1:
            raise exceptions.NotFound("Invalid page.")
        entries = selectors.audit_page(user, filters, offset=(number - 1) * size, limit=size)
        self._total, self._number, self._size = total, number, size
        return entries

    def response(self, data):
        from rest_framework.response import Response
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        url = self.request.build_absolute_uri()
        has_next = self._number * self._size < self._total
        nxt = replace_query_param(url, self.page_query_param, self._number + 1) if has_next else None
        previous = None
        if self._number > 1:
            previous = (remove_query_param(url, self.page_query_param) if self._number == 2
                        else replace_query_param(url, self.page_query_param, self._number - 1))
        return Response({"count": self._total, "next": nxt, "previous": previous, "results": data})


class AuditListApi(APIView):
    @extend_schema(
        operation_id="audit_list", tags=["audit"], parameters=[*FILTERS, PAGE],
        summary="Audit trail, newest first (site staff: all; project admins: their projects)",
        responses={200: paginated(AuditEntrySerializer, "PaginatedAuditEntryList"), **error_responses(401, 403, 404)},
    )
    def get(self, request):
        filters = _filters(request)
        pages = _Pages()
        entries = pages.paginate_entries(request, request.user, filters)
        return pages.response(AuditEntrySerializer([e.as_dict() for e in entries], many=True).data)


class AuditExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="audit_export", tags=["audit"],
        parameters=[*FILTERS, OpenApiParameter("format", str, enum=list(exports.FORMATS), default="csv")],
        summary="Download the audit trail as CSV or JSON lines (streamed)",
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV with a header row."),
            (200, "application/jsonl"): OpenApiResponse(OpenApiTypes.STR, description="One JSON entry per line."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        filters = _filters(request)
        fmt = request.query_params.get("format", "csv")
        if fmt not in exports.FORMATS:
            raise exceptions.ValidationError({"format": [f"Choose one of: {', '.join(exports.FORMATS)}."]})
        return exports.download(selectors.audit_entries(request.user, filters), fmt)
