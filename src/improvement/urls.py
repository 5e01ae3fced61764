from django.urls import path

from . import views

app_name = "improvement"
urlpatterns = [
    path("", views.objective_list, name="home"),
    path("objectives/", views.objective_list, name="objective_list"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/recompute/", views.objective_recompute, name="objective_recompute"),
    path("risks/", views.risk_list, name="risk_list"),
    path("risks/new/", views.risk_create, name="risk_create"),
    path("risks/levels/", views.risk_levels, name="risk_levels"),
    path("risks/levels/<int:pk>/", views.risk_level_edit, name="risk_level_edit"),
    path("risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("risks/actions/<int:pk>/done/", views.risk_action_done, name="risk_action_done"),
    path("nonconformities/", views.nc_list, name="nc_list"),
    path("nonconformities/new/", views.nc_create, name="nc_create"),
    path("nonconformities/<int:pk>/", views.nc_detail, name="nc_detail"),
    path("nonconformities/<int:pk>/analysis/", views.nc_analyse, name="nc_analyse"),
    path("nonconformities/<int:pk>/actions/", views.nc_action_add, name="nc_action_add"),
    path("nonconformities/<int:pk>/close/", views.nc_close, name="nc_close"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/done/", views.action_complete, name="action_complete"),
    path("actions/<int:pk>/verify/", views.action_verify, name="action_verify"),
    path("proposals/<int:pk>/", views.pattern_detail, name="pattern_detail"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("satisfaction/card/", views.survey_card, name="survey_card"),
    path("satisfaction/answers/<int:pk>/", views.survey_response, name="survey_response"),
]
