from django.urls import path

from . import api, export_api

urlpatterns = [
    path("projects/<slug:slug>/imports/", api.ImportListCreateApi.as_view(), name="api-imports"),
    path("projects/<slug:slug>/imports/<int:pk>/", api.ImportDetailApi.as_view(), name="api-import"),
    path("projects/<slug:slug>/items/", api.ItemListApi.as_view(), name="api-items"),
    path("projects/<slug:slug>/items/<int:pk>/", api.ItemDetailApi.as_view(), name="api-item"),
    path("projects/<slug:slug>/items/<int:pk>/labels/", api.ItemLabelsApi.as_view(), name="api-item-labels"),
    path("projects/<slug:slug>/exports/<str:export_format>/", export_api.ExportApi.as_view(), name="api-export"),
]
