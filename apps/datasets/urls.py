from django.urls import path

from . import export_views, views

app_name = "datasets"
urlpatterns = [
    path("projects/<slug:slug>/import/", views.import_page, name="import"),
    path("projects/<slug:slug>/imports/<int:pk>/", views.import_report, name="import_report"),
    path("projects/<slug:slug>/items/", views.item_list, name="items"),
    path("projects/<slug:slug>/items/<int:pk>/", views.item_detail, name="item"),
    path("projects/<slug:slug>/export/", export_views.export_page, name="export"),
    path("projects/<slug:slug>/export/download/", export_views.export_download, name="export_download"),
]
