"""The agency head's home page: what waits for his approval."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from documents import services

pytestmark = pytest.mark.django_db


def test_the_head_sees_every_document_waiting_for_his_approval(make_document, secretary, head, province, client):
    waiting = []
    for i in range(12):  # more than a panel used to list
        version = make_document(code=f"QT-{i:02d}", title=f"Quy trình số {i}").versions.get()
        services.transition(version, secretary, "submit")
        waiting.append(services.transition(version, head, "review"))
    submitted = services.transition(make_document(code="QT-90").versions.get(), secretary, "submit")
    commune = province["agencies"]["commune_a"]
    other_secretary = User.objects.create_user("sec_c", password="x" * 12, role=Role.ISO_SECRETARY, agency=commune)
    other_head = User.objects.create_user("head_c", password="x" * 12, role=Role.AGENCY_HEAD, agency=commune)
    elsewhere = make_document(code="QT-50", agency=commune, user=other_secretary).versions.get()
    services.transition(elsewhere, other_secretary, "submit")
    services.transition(elsewhere, other_head, "review")

    client.force_login(head)
    response = client.get(reverse("core:home"))
    [panel] = [p["context"] for p in response.context["panels"] if p["template"] == "documents/_panel.html"]
    assert panel["to_approve_count"] == 12 and len(panel["to_approve"]) == 12
    page = response.content.decode()
    assert "12 chờ phê duyệt" in page  # a labelled badge, not a bare number
    for version in waiting:
        assert f'href="{version.get_absolute_url()}" data-testid="to-approve-item"' in page
    assert page.count('data-testid="to-approve-item"') == 12
    assert "Đã kiểm tra, chờ phê duyệt" in page and f"Kiểm tra: {head}" in page
    assert f'href="{submitted.get_absolute_url()}" data-testid="to-approve-item"' not in page
    assert f'href="{elsewhere.get_absolute_url()}"' not in page
