from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("new/", views.document_create, name="document_create"),
    path("in-force/", views.in_force, name="in_force"),
    path("needs-review/", views.needs_review, name="needs_review"),
    path("reading/", views.my_reading, name="my_reading"),
    path("notifications/", views.notifications, name="notifications"),
    path("<int:pk>/", views.document_detail, name="document_detail"),
    path("<int:pk>/revise/", views.document_revise, name="document_revise"),
    path("<int:pk>/reviewed/", views.document_reviewed, name="document_reviewed"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/download/", views.version_download, name="version_download"),
    path("versions/<int:pk>/inline/", views.version_inline, name="version_inline"),
    path("versions/<int:pk>/preview/", views.version_preview, name="version_preview"),
    path("versions/<int:pk>/distribute/", views.version_distribute, name="version_distribute"),
    path("versions/<int:pk>/acknowledge/", views.version_acknowledge, name="version_acknowledge"),
    path("versions/<int:pk>/<slug:action>/", views.version_transition, name="version_transition"),
    path("records/", views.records, name="records"),
    path("records/types/new/", views.record_type_create, name="record_type_create"),
    path("records/files/new/", views.record_file_create, name="record_file_create"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/items/new/", views.template_document_edit, name="template_document_add"),
    path("templates/<int:pk>/items/<int:item_pk>/", views.template_document_edit, name="template_document_edit"),
    path("templates/<int:pk>/instantiate/", views.template_instantiate, name="template_instantiate"),
]
