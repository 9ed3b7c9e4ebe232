"""API exports: GET /api/projects/{slug}/exports/{format}/ streams JSON lines. Leads and admins only."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from apps.accounts.api import error_responses
from apps.accounts.models import Role
from apps.accounts.selectors import project_for

from . import exporters
from .exporters import FORMATS, UnknownFormat
from .exporters.options import (
    AGGREGATE_CHOICES,
    CONVERSATIONAL_CHOICES,
    GOLD_CHOICES,
    NEUTRAL_CHOICES,
    ExportOptions,
    OptionError,
)
from .export_views import streamed_export

FORMAT_HELP = " ".join(f"`{f.key}`: {f.summary}" for f in FORMATS.values())


class ExportApi(APIView):
    def perform_content_negotiation(self, request, force=False):
        # The body is JSON lines whatever the Accept header asks for; errors stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary="Export the project's labels (streamed JSON lines)",
        description=(
            "Streams one JSON object per line as a file download. " + FORMAT_HELP + " Pairs whose current "
            "labels reach no majority (a tie, or votes split evenly) are skipped (trl with `aggregate=dawid-skene`: "
            "pairs whose Dawid-Skene label is a tie). Options a format does not use are ignored."
        ),
        parameters=[
            OpenApiParameter("export_format", str, OpenApiParameter.PATH, enum=list(FORMATS),
                             description="The export format."),
            OpenApiParameter("gold", str, enum=list(GOLD_CHOICES), default="include",
                             description="Include or leave out gold items (trl, ranking_pairs, fastchat, trl_stepwise, "
                                         "prm800k)."),
            OpenApiParameter("margin", bool, default=False,
                             description="Add TRL's `margin`: the mean preference strength toward the chosen "
                                         "response (trl, ranking_pairs)."),
            OpenApiParameter("conversational", str, enum=list(CONVERSATIONAL_CHOICES), default="auto",
                             description="`auto`: message lists when any prompt is multi-turn or has a system "
                                         "message, else plain strings; `always`: message lists (trl, ranking_pairs)."),
            OpenApiParameter("current_only", bool, default=False,
                             description="Leave out superseded label versions (labels, step_labels)."),
            OpenApiParameter("aggregate", str, enum=list(AGGREGATE_CHOICES), default="majority",
                             description="trl: pick the chosen side by the `majority` of the current labels, or by "
                                         "the item's `dawid-skene` label from the quality statistics (items "
                                         "labelled since they last ran use the majority); an adjudicated label "
                                         "wins over both."),
            OpenApiParameter("neutral", str, enum=list(NEUTRAL_CHOICES), default="project",
                             description="trl_stepwise: a neutral (0) step becomes `false` (TRL's own mapping), "
                                         "`true`, or what the project's setting says (`project`)."),
        ],
        responses={
            (200, "application/jsonl"): OpenApiResponse(OpenApiTypes.STR, description="JSON lines, one row each."),
            **error_responses(400, 401, 403, 404),
        },
    )
    def get(self, request, slug, export_format):
        project, _ = project_for(request.user, slug, Role.LEAD)
        try:
            fmt = exporters.export_format(export_format)
            options = ExportOptions.from_params(request.query_params)
        except UnknownFormat as error:
            raise NotFound(error.message) from None
        except OptionError as error:
            raise ValidationError(str(error)) from None
        return streamed_export(project, fmt, options)
