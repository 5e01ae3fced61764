from django.urls import path

from . import views

app_name = "procedures"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("import/", views.catalog_import, name="import"),
    path("new/", views.procedure_create, name="create"),
    path("<int:pk>/", views.procedure_detail, name="detail"),
    path("<int:pk>/edit/", views.procedure_update, name="update"),
    path("<int:pk>/status/", views.procedure_status, name="status"),
    path("<int:pk>/process/", views.process_edit, name="process"),
]
