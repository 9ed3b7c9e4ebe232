"""API for a project's data: imports (upload and reports) and items. Leads and admins only."""
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.accounts.selectors import project_for
from apps.labeling.models import Label

from . import selectors
from .models import ImportBatch, Item, ItemResponse
from .serializers import (
    ImportBatchSerializer,
    ImportQuerySerializer,
    ImportUploadSerializer,
    ItemLabelSerializer,
    ItemSerializer,
)
from .services import import_file


class ProjectLeadMixin:
    """Resolves ``slug`` to a project where the caller is lead or admin (404 without a role, 403 below lead)."""

    model = None  # what the view lists; lets the schema generator describe it without a request

    def get_project(self):
        if not hasattr(self, "_project"):
            self._project, self._role = project_for(self.request.user, self.kwargs["slug"], Role.LEAD)
        return self._project

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.project_queryset(self.get_project())


@extend_schema_view(
    get=extend_schema(parameters=[ImportQuerySerializer], summary="The project's imports, newest first"),
)
class ImportListCreateApi(ProjectLeadMixin, generics.ListAPIView):
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser]
    model = ImportBatch

    def project_queryset(self, project):
        query = ImportQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.import_batches_of(project, status=query.validated_data.get("status", ""))

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportBatchSerializer,
            400: OpenApiResponse(description="Bad upload, or the file was rejected: error.details.import holds the report."),
        },
        summary="Upload a file of items (all-or-nothing)",
    )
    def post(self, request, slug):
        project = self.get_project()
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        batch = import_file(
            project=project, user=request.user, data=file.read(), filename=file.name,
            fmt=upload.validated_data.get("format") or None,
        )
        report = ImportBatchSerializer(batch).data
        if batch.status == batch.Status.REJECTED:
            count = len(batch.errors)
            body = {"error": {
                "code": "import_rejected",
                "message": f"The file was rejected ({count} problem{'s' if count != 1 else ''}); nothing was imported.",
                "details": {"import": report},
            }}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(report, status=status.HTTP_201_CREATED)


class ImportDetailApi(ProjectLeadMixin, generics.RetrieveAPIView):
    serializer_class = ImportBatchSerializer
    model = ImportBatch

    def project_queryset(self, project):
        return selectors.import_batches_of(project)


def _items_with_content(project, filters=selectors.ItemFilters()):
    slots = ItemResponse.objects.select_related("response").order_by("position")
    return selectors.items_for_listing(project, filters).prefetch_related(Prefetch("slots", queryset=slots))


@extend_schema(parameters=[
    OpenApiParameter("kind", str, enum=["pair", "ranking", "steps"]),
    OpenApiParameter("gold", str, enum=["yes", "no"]),
    OpenApiParameter("q", str, description="Search prompt text or external id."),
])
class ItemListApi(ProjectLeadMixin, generics.ListAPIView):
    serializer_class = ItemSerializer
    model = Item

    def project_queryset(self, project):
        return _items_with_content(project, selectors.ItemFilters.from_query(self.request.query_params))


class ItemDetailApi(ProjectLeadMixin, generics.RetrieveAPIView):
    serializer_class = ItemSerializer
    model = Item

    def project_queryset(self, project):
        return _items_with_content(project)


class ItemLabelsApi(ProjectLeadMixin, generics.ListAPIView):
    serializer_class = ItemLabelSerializer
    model = Label

    def project_queryset(self, project):
        return selectors.labels_of(selectors.item_with_content(project, self.kwargs["pk"]))
