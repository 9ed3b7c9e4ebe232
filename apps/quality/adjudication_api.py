"""Adjudication API for leads and admins: list a project's adjudications, record one, read one.

Values are in the item's CANONICAL order (``preference`` positive = the first canonical response is
better; ``ranks`` and each ``scores`` list run over the canonical responses), unlike the annotators'
labelling API, which speaks in the order shown. Thin: ``adjudication`` reads and writes.
"""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import error_responses, paginated, paginated_response
from apps.accounts.models import Role
from apps.accounts.selectors import project_for
from apps.accounts.serializers import StrictSerializer
from apps.labeling.judgements import FLAGS, Judgement

from . import adjudication
from .models import Adjudication

TAG = "adjudication"


class AdjudicationSerializer(serializers.ModelSerializer):
    adjudicator = serializers.CharField(source="adjudicator.username")
    rubric_version = serializers.IntegerField(source="rubric_version.number", allow_null=True, default=None)
    item = serializers.IntegerField(source="item_id")
    previous = serializers.IntegerField(source="previous_id", allow_null=True,
                                        help_text="The adjudication this one replaced.")

    class Meta:
        model = Adjudication
        fields = ["id", "item", "version", "is_current", "previous", "adjudicator", "preference", "ranks",
                  "step_ratings", "scores", "flags", "note", "rubric_version", "created_at"]
        read_only_fields = fields


class AdjudicationInputSerializer(StrictSerializer):
    """An adjudicated label in canonical order. Which fields are required depends on the item's kind and
    the project's rubric, as for a label."""

    item = serializers.IntegerField(help_text="Id of the item (of this project) being adjudicated.")
    preference = serializers.IntegerField(
        required=False, allow_null=True, min_value=-2, max_value=2,
        help_text="Pairs: positive means the first canonical response is better; 2 much better, 1 better, 0 tie "
                  "(values allowed by the project's scale).",
    )
    ranks = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=8), required=False,
                                  allow_null=True, help_text="Rankings: the rank of each canonical response, 1 = best.")
    step_ratings = serializers.ListField(
        child=serializers.IntegerField(allow_null=True, min_value=-1, max_value=1), required=False, allow_null=True,
        help_text="Steps: 1, 0 or -1 per step (null after the first -1 where marking stops there).",
    )
    scores = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(allow_null=True)), required=False,
        help_text="Rubric dimension key → one score per canonical response (every dimension of the current rubric).",
    )
    flags = serializers.ListField(child=serializers.ChoiceField(choices=list(FLAGS)), required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=adjudication.MAX_NOTE,
                                 help_text="Why: kept in the item's adjudication history.")

    def judgement(self) -> Judgement:
        data = self.validated_data
        return Judgement(preference=data.get("preference"), ranks=data.get("ranks"),
                         step_ratings=data.get("step_ratings"), scores=data.get("scores") or {},
                         flags=data.get("flags") or [])


def _project(request, slug):
    try:
        return project_for(request.user, slug, Role.LEAD)
    except DjangoPermissionDenied as error:  # keep the message
        raise exceptions.PermissionDenied(str(error)) from None


class AdjudicationListCreateApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="adjudications_list", tags=[TAG],
        summary="A project's adjudications, newest first (leads and admins)",
        parameters=[
            OpenApiParameter("item", int, description="Only this item's adjudications (its history)."),
            OpenApiParameter("current", bool, description="Only current adjudications (one per item)."),
        ],
        responses={200: paginated(AdjudicationSerializer, "PaginatedAdjudicationList"),
                   **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug):
        project, _role = _project(request, slug)
        item = request.query_params.get("item")
        if item is not None and not item.isdigit():
            raise exceptions.ValidationError({"item": ["An item id is a whole number."]})
        current = str(request.query_params.get("current", "")).lower() in ("1", "true", "yes")
        rows = adjudication.adjudications_of(project, item_id=int(item) if item else None, current_only=current)
        return paginated_response(request=request, view=self, queryset=rows, serializer_class=AdjudicationSerializer)

    @extend_schema(
        operation_id="adjudications_create", tags=[TAG], request=AdjudicationInputSerializer,
        summary="Record the adjudicated label of an item",
        description="Becomes the item's current adjudication, which exports use in place of the majority of its "
                    "labels; an earlier one is kept in the history, no longer current.",
        responses={201: AdjudicationSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, slug):
        project, _role = _project(request, slug)
        serializer = AdjudicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = adjudication.adjudicate(
                project=project, user=request.user, item_id=serializer.validated_data["item"],
                judgement=serializer.judgement(), note=serializer.validated_data.get("note", ""),
                rubric_version_id=project.current_rubric_id,
            )
        except adjudication.AdjudicationRefused as refused:
            raise exceptions.NotFound(refused.message) from None
        done = adjudication.adjudication_get(project, done.pk)
        return Response(AdjudicationSerializer(done).data, status=status.HTTP_201_CREATED)


class AdjudicationDetailApi(APIView):
    @extend_schema(
        operation_id="adjudications_retrieve", tags=[TAG],
        responses={200: AdjudicationSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, slug, pk):
        project, _role = _project(request, slug)
        found = adjudication.adjudication_get(project, pk)
        if found is None:
            raise exceptions.NotFound("No such adjudication in this project.")
        return Response(AdjudicationSerializer(found).data)

