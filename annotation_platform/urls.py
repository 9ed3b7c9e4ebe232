from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns = [
    path("", include("apps.accounts.api_urls")),
    path("", include("apps.projects.api_urls")),
    path("", include("apps.datasets.api_urls")),
    path("", include("apps.labeling.api_urls")),
    path("", include("apps.quality.api_urls")),
    path("", include("apps.rewardmodels.api_urls")),
    path("", include("apps.audit.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("accounts/", include("apps.accounts.urls")),
    path("", include("apps.projects.urls")),
    path("", include("apps.datasets.urls")),
    path("", include("apps.labeling.urls")),
    path("", include("apps.quality.urls")),
    path("", include("apps.rewardmodels.urls")),
    path("", include("apps.audit.urls")),
]

handler400 = "apps.core.api_errors.bad_request"
handler404 = "apps.core.api_errors.not_found"
