from django.urls import path

from . import api

urlpatterns = [
    path("projects/<slug:slug>/models/runs/", api.RunListCreateApi.as_view(), name="api-model-runs"),
    path("projects/<slug:slug>/models/runs/<int:run_id>/", api.RunDetailApi.as_view(), name="api-model-run"),
    path("projects/<slug:slug>/models/runs/<int:run_id>/cancel/", api.RunCancelApi.as_view(),
         name="api-model-run-cancel"),
    path("projects/<slug:slug>/models/versions/", api.VersionListApi.as_view(), name="api-model-versions"),
    path("projects/<slug:slug>/models/versions/<int:number>/", api.VersionDetailApi.as_view(),
         name="api-model-version"),
    path("projects/<slug:slug>/models/versions/<int:number>/scores/", api.VersionScoresExportApi.as_view(),
         name="api-model-version-scores"),
    path("projects/<slug:slug>/models/versions/<int:number>/promote/", api.VersionPromoteApi.as_view(),
         name="api-model-version-promote"),
    path("projects/<slug:slug>/models/rollback/", api.VersionRollbackApi.as_view(), name="api-model-rollback"),
    path("projects/<slug:slug>/models/scores/", api.ScoreListApi.as_view(), name="api-model-scores"),
    path("projects/<slug:slug>/models/policy/", api.PolicyApi.as_view(), name="api-model-policy"),
]
