from django.urls import path

from . import views

app_name = "rewardmodels"
urlpatterns = [
    path("projects/<slug:slug>/models/", views.overview, name="overview"),
    path("projects/<slug:slug>/models/runs/", views.runs_fragment, name="runs"),
    path("projects/<slug:slug>/models/runs/new/", views.run_new, name="run_new"),
    path("projects/<slug:slug>/models/runs/<int:run_id>/", views.run_detail, name="run"),
    path("projects/<slug:slug>/models/runs/<int:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("projects/<slug:slug>/models/versions/<int:number>/scores/", views.version_scores, name="version_scores"),
    path("projects/<slug:slug>/models/versions/<int:number>/promote/", views.version_promote, name="promote"),
    path("projects/<slug:slug>/models/rollback/", views.version_rollback, name="rollback"),
    path("projects/<slug:slug>/models/policy/", views.policy_update, name="policy"),
]
