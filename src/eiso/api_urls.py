from django.urls import include, path

urlpatterns = [
    path("organizations/", include("organizations.api.urls")),
    path("procedures/", include("procedures.api.urls")),
    path("dossiers/", include("dossiers.api.urls")),
    path("documents/", include("documents.api.urls")),
]
