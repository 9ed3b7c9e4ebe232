from django.urls import path

from . import api

urlpatterns = [
    path("projects/", api.ProjectListCreateApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", api.ProjectDetailApi.as_view(), name="api-project"),
    path("projects/<slug:slug>/rubric/", api.RubricApi.as_view(), name="api-rubric"),
    path("projects/<slug:slug>/rubric/versions/", api.RubricVersionListApi.as_view(), name="api-rubric-versions"),
    path(
        "projects/<slug:slug>/rubric/versions/<int:number>/",
        api.RubricVersionDetailApi.as_view(), name="api-rubric-version",
    ),
    path("projects/<slug:slug>/members/", api.MemberListApi.as_view(), name="api-members"),
    path("projects/<slug:slug>/members/<path:username>/", api.MemberDetailApi.as_view(), name="api-member"),
]
