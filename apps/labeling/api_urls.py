from django.urls import path

from . import api

urlpatterns = [
    path("projects/<slug:slug>/assignments/", api.ProjectAssignmentListApi.as_view(), name="api-assignments"),
    path("projects/<slug:slug>/assignments/next/", api.NextAssignmentApi.as_view(), name="api-assignment-next"),
    path("projects/<slug:slug>/assignments/<int:pk>/submit/", api.SubmitApi.as_view(), name="api-assignment-submit"),
    path("projects/<slug:slug>/assignments/<int:pk>/skip/", api.SkipApi.as_view(), name="api-assignment-skip"),
    path("projects/<slug:slug>/labels/", api.ProjectLabelListApi.as_view(), name="api-labels"),
    path("projects/<slug:slug>/labels/mine/", api.MyLabelListApi.as_view(), name="api-my-labels"),
    path("projects/<slug:slug>/labels/mine/<int:pk>/", api.MyLabelDetailApi.as_view(), name="api-my-label"),
]
