from django.urls import path

from . import adjudication_api, api

urlpatterns = [
    path("projects/<slug:slug>/agreement/", api.AgreementApi.as_view(), name="api-agreement"),
    path("projects/<slug:slug>/disagreements/", api.DisagreementQueueApi.as_view(), name="api-disagreements"),
    path("projects/<slug:slug>/adjudications/", adjudication_api.AdjudicationListCreateApi.as_view(),
         name="api-adjudications"),
    path("projects/<slug:slug>/adjudications/<int:pk>/", adjudication_api.AdjudicationDetailApi.as_view(),
         name="api-adjudication"),
]
