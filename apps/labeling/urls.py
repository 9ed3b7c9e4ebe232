from django.urls import path

from . import views

app_name = "labeling"
urlpatterns = [
    path("label/", views.home, name="home"),
    path("projects/<slug:slug>/label/", views.work, name="work"),
    path("projects/<slug:slug>/label/skip/", views.skip, name="skip"),
    path("projects/<slug:slug>/label/mine/", views.mine, name="mine"),
    path("projects/<slug:slug>/label/mine/<int:label_id>/", views.edit, name="edit"),
]
