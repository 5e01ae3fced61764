from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    # internal audit
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/programmes/new/", views.programme_create, name="programme_create"),
    path("audits/programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("audits/programmes/<int:pk>/edit/", views.programme_edit, name="programme_edit"),
    path("audits/programmes/<int:pk>/plans/new/", views.plan_create, name="plan_create"),
    path("audits/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("audits/plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("audits/plans/<int:pk>/sessions/", views.session_add, name="session_add"),
    path("audits/plans/<int:pk>/questions/", views.question_add, name="question_add"),
    path("audits/plans/<int:pk>/findings/", views.finding_add, name="finding_add"),
    path("audits/plans/<int:pk>/close/", views.plan_close, name="plan_close"),
    path("audits/plans/<int:pk>/reports/new/", views.report_create, name="report_create"),
    path("audits/sessions/<int:pk>/delete/", views.session_remove, name="session_remove"),
    path("audits/questions/<int:pk>/", views.question_detail, name="question"),
    path("audits/questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("audits/questions/<int:pk>/delete/", views.question_remove, name="question_remove"),
    path("audits/evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("audits/findings/<int:pk>/raise/", views.finding_raise, name="finding_raise"),
    path("audits/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("audits/reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("audits/reports/<int:pk>/sign/", views.report_sign, name="report_sign"),
    path("audits/reports/<int:pk>/report.docx", views.report_docx, name="report_docx"),
    path("audits/reports/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    # management review and the yearly obligations
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/obligations/", views.obligation_list, name="obligation_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:pk>/recompile/", views.review_recompile, name="review_recompile"),
    path("reviews/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("reviews/<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("reviews/<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("reviews/decisions/<int:pk>/delete/", views.decision_remove, name="decision_remove"),
    path("reviews/decisions/<int:pk>/done/", views.decision_done, name="decision_done"),
]
