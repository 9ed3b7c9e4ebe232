from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<slug:slug>/", views.project_detail, name="detail"),
    path("projects/<slug:slug>/edit/", views.project_edit, name="edit"),
    path("projects/<slug:slug>/rubric/", views.rubric_edit, name="rubric"),
    path("projects/<slug:slug>/rubric/row/", views.rubric_dimension_row, name="rubric_row"),
    path("projects/<slug:slug>/rubric/versions/<int:number>/", views.rubric_version_detail, name="rubric_version"),
    path("projects/<slug:slug>/members/", views.members, name="members"),
    path("projects/<slug:slug>/members/<path:username>/role/", views.member_role, name="member_role"),
    path("projects/<slug:slug>/members/<path:username>/remove/", views.member_remove, name="member_remove"),
]
