"""Quality API: the agreement dashboard's figures and the disagreement queue, for project leads and admins.

Thin: ``project_for`` resolves the project and role (404 without a role, 403 below lead); the figures come
from ``selectors`` (the trigger-kept summaries plus the latest heavy-statistics snapshot).
"""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import error_responses
from apps.accounts.models import Role
from apps.accounts.selectors import project_for

from . import selectors

TAG = "quality"
MAX_QUEUE_PAGE = 200

STAT_HELP = ("Coefficient objects are {value, reason, n_units, n_values, details}: value is null when the "
             "coefficient is not defined and reason says why.")

AgreementSerializer = inline_serializer(
    name="Agreement",
    fields={
        "project": serializers.JSONField(help_text="{id, slug, name, task_type, overlap}"),
        "generated_at": serializers.DateTimeField(),
        "headline": serializers.JSONField(
            help_text="{labels, items, items_labelled, items_complete, annotators, metric, level, alpha, "
                      "alpha_interval, gold_accuracy}"),
        "preference": serializers.JSONField(
            allow_null=True, help_text="alpha_ordinal, alpha_direction, ac2_quadratic, percent_agreement, tie_rate, "
                                       "fleiss_kappa, intervals, distribution; null without preferences"),
        "dimensions": serializers.ListField(
            child=serializers.JSONField(), help_text="Per rubric dimension: alpha_ordinal, alpha_interval, "
                                                     "ac2_quadratic, percent_agreement, fleiss_kappa, interval"),
        "flags": serializers.ListField(child=serializers.JSONField(), help_text="Per flag: alpha_nominal, ac1, rate"),
        "ranking": serializers.JSONField(allow_null=True, help_text="alpha on implied pairs, mean tau-b, Kendall's W"),
        "steps": serializers.JSONField(allow_null=True, help_text="per-step and per-chain figures"),
        "annotators": serializers.ListField(
            child=serializers.JSONField(), help_text="Calibration per annotator: gold, leave-one-out agreement, "
                                                     "left/longer share with BH q-values, tie rate flag, active "
                                                     "time, Dawid-Skene reliability, trend, flagged"),
        "heatmap": serializers.JSONField(help_text="Cohen's kappa for every annotator pair"),
        "trends": serializers.JSONField(help_text="alpha, tie rate and alpha per rubric dimension per time window "
                                                  "{window, chosen, choices, points}"),
        "dawid_skene": serializers.JSONField(allow_null=True),
        "model": serializers.JSONField(
            help_text="The active reward model's agreement with the human majority beside human-human agreement "
                      "{available, version, kind, rescored_at, model_vs_majority, model_pairs, human_vs_human, "
                      "human_pairs, reason}"),
        "heavy": serializers.JSONField(help_text="When the heavy statistics were computed, and their age"),
    },
)

QUEUE_ROW_FIELDS = {
    "item_id": serializers.IntegerField(), "external_id": serializers.CharField(),
    "kind": serializers.CharField(), "is_gold": serializers.BooleanField(),
    "labels": serializers.IntegerField(), "pairs": serializers.IntegerField(),
    "disagreeing": serializers.IntegerField(), "split": serializers.FloatField(),
    "distance": serializers.FloatField(), "metric": serializers.CharField(),
    "values": serializers.DictField(child=serializers.IntegerField()),
    "majority": serializers.JSONField(
        allow_null=True, help_text="The plain majority of the current labels on the headline value (pairs: A, tie "
                                   "or B in canonical order; rankings: ranks; steps: first wrong step, -1 none); "
                                   "null without a unique one"),
    "dawid_skene": serializers.JSONField(
        allow_null=True, help_text="The item's Dawid-Skene label {value, confidence, computed_at, stale}; null "
                                   "until the heavy statistics have run on its labels"),
    "agree": serializers.BooleanField(allow_null=True, help_text="Whether the majority and Dawid-Skene agree"),
}


class AgreementApi(APIView):
    @extend_schema(
        operation_id="project_agreement", tags=[TAG],
        summary="Agreement and annotator calibration figures of a project (leads and admins)",
        description="Every figure of the quality dashboard, kept up to date as labels arrive; bootstrap intervals, "
                    "Dawid-Skene, Cohen pairs and trends come from a snapshot recomputed every few minutes "
                    "(`heavy.computed_at`, `heavy.age_seconds`). " + STAT_HELP,
        parameters=[OpenApiParameter("window", str, enum=list(selectors.TREND_WINDOW_CHOICES), default="auto",
                                     description="The trends' time window (auto: the one that suits the labels' "
                                                 "time span).")],
        responses={200: AgreementSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, slug):
        project, _role = project_for(request.user, slug, min_role=Role.LEAD)
        window = request.query_params.get("window") or "auto"
        if window not in selectors.TREND_WINDOW_CHOICES:
            raise serializers.ValidationError(
                {"window": f"window must be one of {', '.join(selectors.TREND_WINDOW_CHOICES)}."})
        return Response(selectors.project_dashboard(project, trend_window=window))


class DisagreementQueueApi(APIView):
    @extend_schema(
        operation_id="project_disagreements", tags=[TAG],
        summary="Items whose labels split most (leads and admins)",
        parameters=[
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"Rows (1 to {MAX_QUEUE_PAGE}, default 50)."),
            OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip (default 0)."),
        ],
        responses={
            200: inline_serializer(name="DisagreementQueue", fields={
                "count": serializers.IntegerField(), "results": inline_serializer(name="DisagreementQueueRow", fields=QUEUE_ROW_FIELDS, many=True)}),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, slug):
        project, _role = project_for(request.user, slug, min_role=Role.LEAD)
        try:
            limit = int(request.query_params.get("limit", 50))
            offset = int(request.query_params.get("offset", 0))
        except ValueError:
            raise serializers.ValidationError({"limit": "limit and offset must be whole numbers."}) from None
        if not 1 <= limit <= MAX_QUEUE_PAGE or offset < 0:
            raise serializers.ValidationError({"limit": f"limit must be 1 to {MAX_QUEUE_PAGE}, offset 0 or more."})
        return Response({
            "count": selectors.disagreement_count(project),
            "results": selectors.disagreement_queue(project, limit=limit, offset=offset),
        })
