from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.agency_list, name="agency_list"),
    path("new/", views.agency_create, name="agency_create"),
    path("merge/", views.agency_merge, name="agency_merge"),
    path("<int:pk>/", views.agency_detail, name="agency_detail"),
    path("<int:pk>/edit/", views.agency_update, name="agency_update"),
    path("<int:pk>/move/", views.agency_move, name="agency_move"),
    path("<int:pk>/split/", views.agency_split, name="agency_split"),
    path("<int:pk>/scope-reviewed/", views.agency_scope_reviewed, name="agency_scope_reviewed"),
]
