from django.urls import include, path

urlpatterns = [
    path("organizations/", include("organizations.api.urls")),
    path("documents/", include("documents.api.urls")),
]
