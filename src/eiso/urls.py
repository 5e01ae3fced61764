from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.middleware import second_factor_exempt
from improvement import views as improvement_views

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("agencies/", include("organizations.urls")),
    path("procedures/", include("procedures.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("documents/", include("documents.urls")),
    path("improvement/", include("improvement.urls")),
    path("", include("evaluation.urls")),  # /audits/ and /reviews/
    # The public satisfaction survey's short link (printed as a QR code on the receipt): no login.
    path("s/<str:code>/", improvement_views.survey, name="survey"),
    path("s/<str:code>/thanks/", improvement_views.survey_thanks, name="survey_thanks"),
    path("s/<str:code>/qr.svg", improvement_views.survey_qr, name="survey_qr"),
    path("i18n/setlang/", second_factor_exempt(login_not_required(set_language)), name="set_language"),
    path("admin/", admin.site.urls),
    # REST API, described by OpenAPI
    path("api/", include("eiso.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
# Uploaded files are never served as plain media: each app's download view checks permissions.

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
