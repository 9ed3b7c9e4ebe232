"""Labelling API: the next item, submit, skip, and the caller's own labels. Any member of the project may label.
Leads and admins also list the project's assignments (leases) and everyone's labels.

Thin views: ``project_for`` resolves the project and role in one query (404 without a role), the
services do the work, refusals become 409 with the service's code and message. Everything an
annotator sends and gets is in the order the responses were shown (see ``serializers``).
"""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import PAGE, error_responses, paginated, paginated_response
from apps.accounts.models import Role
from apps.accounts.selectors import project_for
from apps.accounts.serializers import ErrorSerializer

from . import selectors, services
from .judgements import Judgement
from .models import FinishReason, LabelSource
from .serializers import (
    AssignmentQuerySerializer,
    AssignmentSerializer,
    JudgementInputSerializer,
    LabelDetailSerializer,
    LabelListSerializer,
    LabelQuerySerializer,
    LabelSerializer,
    LeadAssignmentSerializer,
    MyLabelQuerySerializer,
    ProjectLabelSerializer,
    SkipInputSerializer,
    SkippedSerializer,
)

TAG = "labelling"
DERIVED_FINISH = (FinishReason.FOUND_ERROR, FinishReason.SOLUTION_COMPLETE)
REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="Refused; error.code says why: lease_lost (the lease ran out and someone else took the slot, or "
                "you skipped it: ask for the next item), item_full, already_labelled, not_open, not_current."
)


class Refused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "This cannot be done now."


def _refusal(refused: services.LabelRefused) -> exceptions.APIException:
    if refused.code == "not_found":
        return exceptions.NotFound(refused.message)
    return Refused(refused.message, code=refused.code)


class NextAssignmentApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="assignments_next", tags=[TAG], request=None,
        summary="Get the next item to label (your open one first)",
        description="Returns your open assignment if you have one (a reload keeps it), else leases a new item. "
                    "Responses come lettered A, B, … in a per-assignment order; the item's canonical order, gold "
                    "status, hidden reference and the responses' model names are never shown.",
        responses={
            200: AssignmentSerializer,
            204: OpenApiResponse(description="Nothing left for you to label in this project."),
            **error_responses(401, 404),
        },
    )
    def post(self, request, slug):
        project, _role = project_for(request.user, slug)
        assignment = services.next_assignment(project=project, user=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = {
            "assignment": assignment,
            "rubric_version": selectors.rubric_number(project.current_rubric_id),
            "item": selectors.item_view(assignment.item, assignment.shown_order),
            "project": project,
        }
        return Response(AssignmentSerializer(data).data)


class SubmitApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="assignments_submit", tags=[TAG], request=JudgementInputSerializer,
        summary="Submit the label for an assignment (idempotent)",
        description="Values are in the shown order. Submitting the same assignment again stores nothing new and "
                    "returns the label stored the first time with 200.",
        responses={
            201: OpenApiResponse(LabelSerializer, description="Stored."),
            200: OpenApiResponse(LabelSerializer, description="Already stored by an earlier submit: that label."),
            409: REFUSED,
            **error_responses(400, 401, 404),
        },
    )
    def post(self, request, slug, pk):
        project, _role = project_for(request.user, slug)
        serializer = JudgementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            label, created = services.submit_label_once(
                project=project, user=request.user, assignment_id=pk, judgement=serializer.judgement(),
                rubric_version_id=project.current_rubric_id, source=LabelSource.API,
            )
        except services.LabelRefused as refused:
            raise _refusal(refused) from None
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SkipApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="assignments_skip", tags=[TAG], request=SkipInputSerializer,
        summary="Skip an open assignment, saying why",
        responses={200: SkippedSerializer, 409: REFUSED, **error_responses(400, 401, 404)},
    )
    def post(self, request, slug, pk):
        project, _role = project_for(request.user, slug)
        serializer = SkipInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            assignment = services.skip_assignment(
                project=project, user=request.user, assignment_id=pk, reason=serializer.validated_data["reason"]
            )
        except services.LabelRefused as refused:
            if selectors.assignment_of(project, request.user, pk) is None:
                raise exceptions.NotFound("No such assignment of yours in this project.") from None
            raise _refusal(refused) from None
        return Response(SkippedSerializer(assignment).data)


class MyLabelListApi(APIView):
    @extend_schema(
        operation_id="labels_mine_list", tags=[TAG], parameters=[MyLabelQuerySerializer, PAGE],
        summary="Your current labels in this project, newest first",
        description="Current labels unless `versions=all`, which adds the versions your edits replaced.",
        responses={200: paginated(LabelListSerializer, "PaginatedMyLabelList"), **error_responses(400, 401, 404)},
    )
    def get(self, request, slug):
        project, _role = project_for(request.user, slug)
        query = MyLabelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=selectors.my_labels(project, request.user, query.filters()),
            serializer_class=LabelListSerializer,
        )


class MyLabelDetailApi(APIView):
    parser_classes = [JSONParser]

    def _label(self, request, slug, pk):
        project, _role = project_for(request.user, slug)
        label = selectors.label_of(project, request.user, pk)
        if label is None:
            raise exceptions.NotFound("No such label of yours in this project.")
        return project, label

    @extend_schema(
        operation_id="labels_mine_retrieve", tags=[TAG],
        summary="One of your labels, with the item as shown and the versions it replaced",
        responses={200: LabelDetailSerializer, **error_responses(401, 404)},
    )
    def get(self, request, slug, pk):
        _project, label = self._label(request, slug, pk)
        return Response(LabelDetailSerializer(label).data)

    @extend_schema(
        operation_id="labels_mine_update", tags=[TAG], request=JudgementInputSerializer,
        summary="Change your label: stored as a new version, the old one kept",
        description="The whole label, in the shown order (as GET returns it).",
        responses={200: LabelDetailSerializer, 409: REFUSED, **error_responses(400, 401, 404)},
    )
    def put(self, request, slug, pk):
        return self._edit(request, slug, pk, partial=False)

    @extend_schema(
        operation_id="labels_mine_partial_update", tags=[TAG], request=JudgementInputSerializer,
        summary="Change part of your label: stored as a new version, the old one kept",
        description="Fields left out keep their values; ``scores`` merges by dimension key.",
        responses={200: LabelDetailSerializer, 409: REFUSED, **error_responses(400, 401, 404)},
    )
    def patch(self, request, slug, pk):
        return self._edit(request, slug, pk, partial=True)

    def _edit(self, request, slug, pk, *, partial: bool):
        project, label = self._label(request, slug, pk)
        if not label.is_current:
            raise Refused("This version has been replaced; edit the current one.", code="not_current")
        serializer = JudgementInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        if partial:
            before = {**selectors.shown_values(label), "active_ms": label.active_ms}
            given = {**before, **given, "scores": {**before["scores"], **given.get("scores", {})}}
            if "finish_reason" not in serializer.validated_data and before["finish_reason"] in DERIVED_FINISH:
                given["finish_reason"] = ""  # derived from the marks, so derived again from the new ones
        try:
            new = services.edit_label(
                project=project, user=request.user, label_id=label.pk,
                judgement=Judgement(**given),
                rubric_version_id=project.current_rubric_id, source=LabelSource.API,
            )
        except services.LabelRefused as refused:
            raise _refusal(refused) from None
        return Response(LabelDetailSerializer(new).data)


# --- leads and admins: the project's assignments (leases) and everyone's labels --------------------------------


def _lead_project(request, slug):
    """The project where the caller is lead or admin: 404 without a role, 403 for annotators (who read only
    their own labels, through labels/mine/)."""
    try:
        return project_for(request.user, slug, Role.LEAD)
    except DjangoPermissionDenied as error:  # keep the message
        raise exceptions.PermissionDenied(str(error)) from None


class ProjectAssignmentListApi(APIView):
    @extend_schema(
        operation_id="assignments_list", tags=[TAG], parameters=[AssignmentQuerySerializer, PAGE],
        summary="The project's assignments and their leases, newest first (leads and admins)",
        description="Who was handed which item, its status and lease expiry. `status=live` lists the leases that "
                    "hold a label slot now; `status=lapsed` the open ones whose lease ran out.",
        responses={200: paginated(LeadAssignmentSerializer, "PaginatedLeadAssignmentList"),
                   **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug):
        project, _role = _lead_project(request, slug)
        query = AssignmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=selectors.project_assignments(project, query.filters()),
            serializer_class=LeadAssignmentSerializer,
        )


class ProjectLabelListApi(APIView):
    @extend_schema(
        operation_id="labels_list", tags=[TAG], parameters=[LabelQuerySerializer, PAGE],
        summary="Every annotator's labels in the project, newest first (leads and admins)",
        description="Values in each item's canonical response order, as exports give them. Current labels unless "
                    "`versions=all`, which adds the versions that edits replaced.",
        responses={200: paginated(ProjectLabelSerializer, "PaginatedProjectLabelList"),
                   **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug):
        project, _role = _lead_project(request, slug)
        query = LabelQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginated_response(
            request=request, view=self, queryset=selectors.project_labels(project, query.filters()),
            serializer_class=ProjectLabelSerializer,
        )
