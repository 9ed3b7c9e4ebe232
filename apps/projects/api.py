"""Projects API: settings, versioned rubric and guidelines, members. Thin: selectors read, services write."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import ProtectedError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import PAGE, error_responses, paginated, paginated_response
from apps.accounts.models import Role
from apps.accounts.selectors import can_create_project, project_for, role_for

from . import selectors, services
from .serializers import (
    DimensionInputSerializer,
    MemberAddSerializer,
    MemberQuerySerializer,
    MemberRoleSerializer,
    MemberSerializer,
    ProjectCreateSerializer,
    ProjectQuerySerializer,
    ProjectSerializer,
    ProjectSettingsSerializer,
    RubricInputSerializer,
    RubricVersionSerializer,
    RubricVersionSummarySerializer,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Other records still depend on this project's data."


def _project(request, slug, min_role=Role.ANNOTATOR):
    try:
        return project_for(request.user, slug, min_role)
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None


def _as_api_errors(call, *args, **kwargs):
    """Run a service; its PermissionDenied keeps its message (ValidationError maps by the handler)."""
    try:
        return call(*args, **kwargs)
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None


def _membership(project, username):
    membership = selectors.membership_get(project, username)
    if membership is None:
        raise exceptions.NotFound("No such member.")
    return membership


class ProjectListCreateApi(APIView):
    @extend_schema(
        operation_id="projects_list", parameters=[ProjectQuerySerializer, PAGE],
        summary="Your projects (every project for site staff), by name",
        responses={200: paginated(ProjectSerializer, "PaginatedProjectList"), **error_responses(400, 401)},
    )
    def get(self, request):
        query = ProjectQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=selectors.project_list(request.user, query.filters()),
            serializer_class=ProjectSerializer,
        )

    @extend_schema(
        operation_id="projects_create",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        if not can_create_project(request.user):
            raise exceptions.PermissionDenied("You may not create projects.")
        serializer = ProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        dimensions = [DimensionInputSerializer.to_spec(d) for d in data.pop("dimensions")]
        project = services.project_create(user=request.user, dimensions=dimensions, **data)
        role = role_for(request.user, project)
        return Response(ProjectSerializer(project, context={"role": role}).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    @extend_schema(operation_id="projects_retrieve", responses={200: ProjectSerializer, **error_responses(401, 404)})
    def get(self, request, slug):
        project, role = _project(request, slug)
        return Response(ProjectSerializer(project, context={"role": role}).data)

    @extend_schema(
        operation_id="projects_update",
        request=ProjectSettingsSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, slug):
        project, role = _project(request, slug, Role.LEAD)
        serializer = ProjectSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_update(project, **serializer.validated_data)
        return Response(ProjectSerializer(project, context={"role": role}).data)

    @extend_schema(
        operation_id="projects_destroy",
        responses={
            204: OpenApiResponse(description="Deleted with all its data."), **error_responses(401, 403, 404, 409)
        },
    )
    def delete(self, request, slug):
        project, _role = _project(request, slug, Role.ADMIN)
        try:
            services.project_delete(project)
        except ProtectedError:
            raise Conflict() from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class RubricApi(APIView):
    @extend_schema(
        operation_id="projects_rubric_retrieve", responses={200: RubricVersionSerializer, **error_responses(401, 404)}
    )
    def get(self, request, slug):
        project, _role = _project(request, slug)
        version = services.current_rubric(project)
        if version is None:
            raise exceptions.NotFound("This project has no rubric yet.")
        return Response(RubricVersionSerializer(version).data)

    @extend_schema(
        operation_id="projects_rubric_update",
        request=RubricInputSerializer,
        responses={
            200: OpenApiResponse(RubricVersionSerializer, description="Nothing changed: the current version."),
            201: OpenApiResponse(RubricVersionSerializer, description="A new version was recorded."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def put(self, request, slug):
        project, _role = _project(request, slug, Role.LEAD)
        serializer = RubricInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        before = services.current_rubric(project)
        version = services.rubric_update(
            project, user=request.user, guidelines=serializer.validated_data["guidelines"],
            dimensions=serializer.specs(), note=serializer.validated_data["note"],
        )
        created = before is None or version.pk != before.pk
        return Response(
            RubricVersionSerializer(version).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RubricVersionListApi(APIView):
    @extend_schema(
        operation_id="projects_rubric_versions_list",
        responses={200: paginated(RubricVersionSummarySerializer, "PaginatedRubricVersionList"),
                   **error_responses(401, 404)},
    )
    def get(self, request, slug):
        project, _role = _project(request, slug)
        return paginated_response(
            request=request, view=self, queryset=selectors.rubric_versions_of(project),
            serializer_class=RubricVersionSummarySerializer,
        )


class RubricVersionDetailApi(APIView):
    @extend_schema(
        operation_id="projects_rubric_versions_retrieve",
        responses={200: RubricVersionSerializer, **error_responses(401, 404)},
    )
    def get(self, request, slug, number):
        project, _role = _project(request, slug)
        version = selectors.rubric_version_get(project, number)
        if version is None:
            raise exceptions.NotFound("No such rubric version.")
        return Response(RubricVersionSerializer(version).data)


class MemberListApi(APIView):
    @extend_schema(
        operation_id="projects_members_list", parameters=[MemberQuerySerializer, PAGE],
        summary="The project's members and their roles, by username",
        responses={200: paginated(MemberSerializer, "PaginatedMemberList"), **error_responses(400, 401, 404)},
    )
    def get(self, request, slug):
        project, _role = _project(request, slug)
        query = MemberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=selectors.member_list(project, query.filters()),
            serializer_class=MemberSerializer,
        )

    @extend_schema(
        operation_id="projects_members_create",
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, slug):
        project, role = _project(request, slug, Role.LEAD)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = _as_api_errors(services.membership_add, project, actor_role=role, **serializer.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(APIView):
    @extend_schema(
        operation_id="projects_members_retrieve", responses={200: MemberSerializer, **error_responses(401, 404)}
    )
    def get(self, request, slug, username):
        project, _role = _project(request, slug)
        return Response(MemberSerializer(_membership(project, username)).data)

    @extend_schema(
        operation_id="projects_members_update",
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, slug, username):
        project, role = _project(request, slug, Role.LEAD)
        membership = _membership(project, username)
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = _as_api_errors(
            services.membership_change_role, project, actor_role=role, membership=membership,
            role=serializer.validated_data["role"],
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        operation_id="projects_members_destroy",
        responses={204: OpenApiResponse(description="Removed."), **error_responses(400, 401, 403, 404)},
    )
    def delete(self, request, slug, username):
        project, role = _project(request, slug, Role.LEAD)
        membership = _membership(project, username)
        _as_api_errors(services.membership_delete, project, actor_role=role, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
