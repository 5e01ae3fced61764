from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("receive/", views.dossier_receive, name="receive"),
    path("<int:pk>/", views.dossier_detail, name="detail"),
    path("<int:pk>/action/<str:kind>/", views.dossier_action, name="action"),
    path("<int:pk>/control-sheet/", views.control_sheet, name="control_sheet"),
    path("<int:pk>/control-sheet.pdf", views.control_sheet, {"pdf": True}, name="control_sheet_pdf"),
    path("<int:pk>/apology/", views.apology_create, name="apology_create"),
    path("apology/<int:pk>.pdf", views.apology_pdf, name="apology_pdf"),
    path("warnings/", views.warning_list, name="warnings"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/template.csv", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors.<str:fmt>", views.import_errors, name="import_errors"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("analytics/", views.analytics, name="analytics"),
    path("analytics.xlsx", views.analytics_xlsx, name="analytics_xlsx"),
]
