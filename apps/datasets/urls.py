from django.urls import path

from . import views

app_name = "datasets"
urlpatterns = [
    path("projects/<slug:slug>/import/", views.import_page, name="import"),
    path("projects/<slug:slug>/imports/<int:pk>/", views.import_report, name="import_report"),
    path("projects/<slug:slug>/items/", views.item_list, name="items"),
    path("projects/<slug:slug>/items/<int:pk>/", views.item_detail, name="item"),
]
