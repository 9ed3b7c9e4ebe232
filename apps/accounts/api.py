from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from .selectors import can_create_project, projects_with_roles, tokens_of
from .serializers import (
    ErrorSerializer,
    MeSerializer,
    TokenCreatedSerializer,
    TokenCreateInputSerializer,
    TokenSerializer,
)
from .services import token_create, token_revoke


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Token <key>`` in the schema (registered by being defined)."""

    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


# Shared by the API modules of accounts and projects.

def error_responses(*codes: int) -> dict:
    text = {400: "Invalid input.", 401: "Not authenticated.", 403: "Your role does not allow this.",
            404: "Not found, or no role in this project.", 409: "Conflict."}
    return {code: OpenApiResponse(ErrorSerializer, description=text[code]) for code in codes}


def paginated(serializer_class, name: str):
    """Schema of a page of ``serializer_class`` as the default paginator returns it."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


# The page parameter of the lists answered through ``paginated_response`` (an APIView has no paginator the schema
# generator could ask).
PAGE = OpenApiParameter("page", int, description="Page number (50 rows a page).")


def paginated_response(*, request, view, queryset, serializer_class, context=None) -> Response:
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {"request": request}).data
    return paginator.get_paginated_response(data)


class MeApi(APIView):
    @extend_schema(operation_id="me", responses={200: MeSerializer, **error_responses(401)})
    def get(self, request):
        user = request.user
        data = {
            "username": user.username,
            "is_staff": user.is_staff,
            "can_create_projects": can_create_project(user),
            "projects": projects_with_roles(user),
        }
        return Response(MeSerializer(data).data)


class TokenListCreateApi(APIView):
    @extend_schema(
        operation_id="tokens_list",
        responses={200: paginated(TokenSerializer, "PaginatedTokenList"), **error_responses(401)},
    )
    def get(self, request):
        return paginated_response(
            request=request, view=self, queryset=tokens_of(request.user), serializer_class=TokenSerializer
        )

    @extend_schema(
        operation_id="tokens_create",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreatedSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        serializer = TokenCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = token_create(user=request.user, name=serializer.validated_data["name"])
        token.key = key
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    @extend_schema(
        operation_id="tokens_revoke",
        responses={204: OpenApiResponse(description="Revoked (or already revoked)."), **error_responses(401, 404)},
    )
    def delete(self, request, token_id: int):
        if not tokens_of(request.user).filter(pk=token_id).exists():
            raise NotFound("No such token.")
        token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
