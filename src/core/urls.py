from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/<int:ct>/<str:pk>/", views.object_history, name="object_history"),
    path("calendar/", views.calendar_overrides, name="calendar"),
    path("calendar/<int:pk>/delete/", views.calendar_override_delete, name="calendar_override_delete"),
]
