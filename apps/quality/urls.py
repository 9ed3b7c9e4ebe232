from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("projects/<slug:slug>/quality/", views.dashboard, name="dashboard"),
    path("projects/<slug:slug>/quality/live/", views.dashboard_live, name="dashboard_live"),
    path("projects/<slug:slug>/quality/disagreements/", views.disagreements, name="disagreements"),
    path("projects/<slug:slug>/quality/items/<int:item_id>/", views.adjudicate, name="adjudicate"),
]
