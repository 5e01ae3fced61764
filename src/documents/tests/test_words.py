"""Words, not codes: documents models read as Vietnamese, and so does their audit history."""

import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import AuditEntry
from core.templatetags.eiso import audit_changes
from documents import services
from documents.models import Distribution, Notification, Transition

pytestmark = pytest.mark.django_db


def test_every_model_and_field_has_a_vietnamese_name():
    for model in apps.get_app_config("documents").get_models():
        meta = model._meta
        assert meta.verbose_name != model.__name__.lower(), model
        assert "__str__" in model.__dict__, f"{model.__name__} reads as 'object (N)'"
        for field in meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            assert field.verbose_name != field.name.replace("_", " "), f"{model.__name__}.{field.name}"


def test_the_audit_history_names_every_change(make_document, issue, secretary, head, users, client):
    from accounts.roles import Role

    staff = users[Role.STAFF]
    staff.unit = "Văn phòng"
    staff.save()
    document = make_document()
    version = document.versions.get()
    issue(version)
    services.distribute(version, secretary, recipients=[staff])
    services.acknowledge(version, staff)
    services.mark_reviewed(document, secretary)
    services.flag_for_review(document, "Luật sửa đổi")
    services.revise(document, secretary, change_summary="Sửa đổi lần 2")
    distribution = Distribution.objects.get()
    assert str(distribution) == f"Phân phối {version} tới {staff} (Văn phòng)"
    assert str(Transition.objects.filter(action="approve").get()) == f"Phê duyệt: {version}"
    assert str(Notification.objects.filter(user=staff).first()).startswith(f"Thông báo tới {staff}: ")

    rows = [row for entry in AuditEntry.objects.all() for row in audit_changes(entry)]
    labels = {label for label, _before, _after in rows}
    for raw in ("distributed", "reviewed", "needs review", "needs_review", "revision", "reviewed by id"):
        assert raw.capitalize() not in labels and raw not in labels, raw
    assert {
        "Số người được phân phối",
        "Đã xem xét định kỳ",
        "Cần xem xét, cập nhật",
        "Lần ban hành",
        "Người kiểm tra",
        "Người phê duyệt",
        "Người nhận",
        "Ngày xác nhận đã đọc",
    } <= labels
    values = {str(v) for _label, before, after in rows for v in (before, after)}
    assert not [v for v in values if re.fullmatch(r"#\d+", v)]  # a user id instead of a name
    assert str(head) in values and "Có" in values

    client.force_login(secretary)
    ct = ContentType.objects.get_for_model(Distribution)
    page = client.get(reverse("documents:version_distribute", args=[version.pk])).content.decode()
    history = reverse("core:object_history", args=[ct.pk, distribution.pk])
    assert history in page
    html = client.get(history).content.decode()
    assert "Ngày xác nhận đã đọc" in html and "object (" not in html
    assert str(distribution) in html


def test_document_form_selects_are_vietnamese_and_long_ones_searchable(secretary, client):
    client.force_login(secretary)
    html = client.get(reverse("documents:document_create")).content.decode()
    assert "— Chọn —" in html and "---------" not in html and "Select an option" not in html
    for name in ("admin_procedure", "responsible", "legal_bases"):
        tag = html[html.index(f'name="{name}"') - 200 : html.index(f'name="{name}"') + 200]
        assert 'data-searchable="1"' in tag, name
