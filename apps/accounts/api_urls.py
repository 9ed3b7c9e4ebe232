from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("tokens/", api.TokenListCreateApi.as_view(), name="api-tokens"),
    path("tokens/<int:token_id>/", api.TokenDetailApi.as_view(), name="api-token-detail"),
]
