"""Reward-model API: runs (list, start, read, cancel), versions (list, read, promote, roll back, scores as a
download), scores, retraining policy. Leads read; admins start, cancel, promote and change the policy."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import PAGE, error_responses, paginated, paginated_response
from apps.accounts.models import Role
from apps.accounts.selectors import project_for

from . import selectors, services
from .serializers import (
    ModelVersionSerializer,
    RetrainPolicySerializer,
    RunStartedSerializer,
    RunQuerySerializer,
    RunStartSerializer,
    ScoreSerializer,
    TrainingRunDetailSerializer,
    TrainingRunSerializer,
    VersionChangedSerializer,
    VersionQuerySerializer,
)
from .views import score_download


def _project(request, slug, min_role=Role.LEAD):
    try:
        return project_for(request.user, slug, min_role)
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error)) from None


def _run(project, run_id):
    run = selectors.run_get(project, run_id)
    if run is None:
        raise exceptions.NotFound("No such run.")
    return run


def _version(project, number):
    version = selectors.version_get(project, number)
    if version is None:
        raise exceptions.NotFound("No such model version.")
    return version


class RunListCreateApi(APIView):
    @extend_schema(operation_id="model_runs_list", parameters=[RunQuerySerializer, PAGE],
                   summary="The project's training runs, newest first",
                   responses={200: paginated(TrainingRunSerializer, "PaginatedTrainingRunList"),
                              **error_responses(400, 401, 403, 404)})
    def get(self, request, slug):
        project, _ = _project(request, slug)
        query = RunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(request=request, view=self, queryset=selectors.runs_of(project, query.filters()),
                                  serializer_class=TrainingRunSerializer)

    @extend_schema(
        operation_id="model_runs_create", request=RunStartSerializer,
        description="Queue a training run on the project's current labels (admins). `enqueued` is false when the "
                    "task queue cannot be reached: the run stays queued and is handed to a worker later.",
        responses={201: RunStartedSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, slug):
        project, _ = _project(request, slug, Role.ADMIN)
        serializer = RunStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parameters = dict(serializer.validated_data)
        kind = parameters.pop("kind", None)
        run, enqueued = services.run_start(project, user=request.user, kind=kind, parameters=parameters)
        run = selectors.run_get(project, run.pk)
        return Response(RunStartedSerializer(run, context={"enqueued": enqueued}).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    @extend_schema(operation_id="model_runs_retrieve",
                   responses={200: TrainingRunDetailSerializer, **error_responses(401, 403, 404)})
    def get(self, request, slug, run_id):
        project, _ = _project(request, slug)
        return Response(TrainingRunDetailSerializer(_run(project, run_id)).data)


class RunCancelApi(APIView):
    @extend_schema(operation_id="model_runs_cancel", request=None,
                   description="A queued run is cancelled at once; a running one stops at its next step.",
                   responses={200: TrainingRunSerializer, **error_responses(400, 401, 403, 404)})
    def post(self, request, slug, run_id):
        project, _ = _project(request, slug, Role.ADMIN)
        run = services.run_cancel(_run(project, run_id), user=request.user)
        return Response(TrainingRunSerializer(selectors.run_get(project, run.pk)).data)


class VersionListApi(APIView):
    @extend_schema(operation_id="model_versions_list", parameters=[VersionQuerySerializer, PAGE],
                   summary="The project's model versions, newest first",
                   responses={200: paginated(ModelVersionSerializer, "PaginatedModelVersionList"),
                              **error_responses(400, 401, 403, 404)})
    def get(self, request, slug):
        project, _ = _project(request, slug)
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(request=request, view=self,
                                  queryset=selectors.versions_of(project, query.filters()),
                                  serializer_class=ModelVersionSerializer)


class VersionDetailApi(APIView):
    @extend_schema(operation_id="model_versions_retrieve",
                   responses={200: ModelVersionSerializer, **error_responses(401, 403, 404)})
    def get(self, request, slug, number):
        project, _ = _project(request, slug)
        return Response(ModelVersionSerializer(_version(project, number)).data)


class VersionScoresExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The body is JSON lines or CSV whatever the Accept header asks for; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="model_versions_scores_export",
        summary="Download a version's scores (streamed JSON lines or CSV)",
        description="Every response the version scored, in response id order: response_id, model_name, prompt, "
                    "response, reward, std (ensemble spread), step_scores and first_wrong (process models). JSON "
                    "lines give the prompt as its message list; CSV gives its last user turn, with a header row.",
        parameters=[OpenApiParameter("format", str, enum=list(selectors.SCORE_FORMATS), default="jsonl")],
        responses={
            (200, "application/jsonl"): OpenApiResponse(OpenApiTypes.STR, description="One JSON score per line."),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV with a header row."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, slug, number):
        project, _ = _project(request, slug)
        version = _version(project, number)
        fmt = request.query_params.get("format") or "jsonl"
        if fmt not in selectors.SCORE_FORMATS:
            raise exceptions.ValidationError({"format": [f"Choose one of: {', '.join(selectors.SCORE_FORMATS)}."]})
        return score_download(version, fmt)


class VersionPromoteApi(APIView):
    @extend_schema(operation_id="model_versions_promote", request=None,
                   description="Make this version the active one and rescore every response with it. Promoting "
                               "the active version again sends its rescoring again when that never completed "
                               "(the queue was down, or the worker was lost); otherwise it is refused.",
                   responses={200: VersionChangedSerializer, **error_responses(400, 401, 403, 404)})
    def post(self, request, slug, number):
        project, _ = _project(request, slug, Role.ADMIN)
        version, enqueued = services.version_promote(_version(project, number), user=request.user)
        return Response(VersionChangedSerializer({"version": version, "rescore_enqueued": enqueued}).data)


class VersionRollbackApi(APIView):
    @extend_schema(operation_id="model_versions_rollback", request=None,
                   description="Re-activate the version that was active before the current one.",
                   responses={200: VersionChangedSerializer, **error_responses(400, 401, 403, 404)})
    def post(self, request, slug):
        project, _ = _project(request, slug, Role.ADMIN)
        version, enqueued = services.version_rollback(project, user=request.user)
        return Response(VersionChangedSerializer({"version": version, "rescore_enqueued": enqueued}).data)


class ScoreListApi(APIView):
    @extend_schema(
        operation_id="model_scores_list",
        parameters=[OpenApiParameter("version", int, description="Version number (default: the active one)"),
                    OpenApiParameter("item", int, description="Only the responses of this item")],
        responses={200: paginated(ScoreSerializer, "PaginatedScoreList"), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug):
        project, _ = _project(request, slug)
        numbers = {}
        for name in ("version", "item"):
            raw = request.query_params.get(name)
            if raw not in (None, ""):
                try:
                    numbers[name] = int(raw)
                except ValueError:
                    raise exceptions.ValidationError({name: ["Must be a whole number."]}) from None
                if not 0 < numbers[name] < 2**63:
                    raise exceptions.ValidationError({name: ["Out of range."]})
        number = numbers.get("version")
        if number is None:
            active = selectors.active_version(project, services.kind_for(project))
            number = active.number if active else 0
        return paginated_response(
            request=request, view=self, serializer_class=ScoreSerializer,
            queryset=selectors.scores_of(project, version_number=number, item_id=numbers.get("item")),
        )


class PolicyApi(APIView):
    @extend_schema(operation_id="model_policy_retrieve",
                   responses={200: RetrainPolicySerializer, **error_responses(401, 403, 404)})
    def get(self, request, slug):
        project, _ = _project(request, slug)
        return Response(RetrainPolicySerializer(services.policy_of(project)).data)

    @extend_schema(operation_id="model_policy_update", request=RetrainPolicySerializer,
                   responses={200: RetrainPolicySerializer, **error_responses(400, 401, 403, 404)})
    def patch(self, request, slug):
        project, _ = _project(request, slug, Role.ADMIN)
        serializer = RetrainPolicySerializer(services.policy_of(project), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_update(project, **serializer.validated_data)
        return Response(RetrainPolicySerializer(policy).data)
