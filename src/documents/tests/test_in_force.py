"""The list of documents in force: on a given day, and province-wide for the oversight officer."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from documents import dashboard, services

pytestmark = pytest.mark.django_db
URL = reverse("documents:in_force")


def codes(response):
    return [(row.agency_name, row.code, row.revision) for row in response.context["documents"]]


def test_a_document_effective_tomorrow_is_not_in_todays_list(make_document, issue, secretary, head, agency, client):
    today = timezone.localdate()
    tomorrow, yesterday = today + dt.timedelta(days=1), today - dt.timedelta(days=1)
    issue(make_document(code="QT-01").versions.get(), effective_date=today)
    issue(make_document(code="QT-02").versions.get(), effective_date=tomorrow)
    revised = make_document(code="QT-03")
    issue(revised.versions.get(), effective_date=yesterday - dt.timedelta(days=30))
    issue(services.revise(revised, secretary, change_summary="Sửa đổi"), effective_date=tomorrow)
    client.force_login(head)

    listed = codes(client.get(URL))
    assert [(c, r) for _a, c, r in listed] == [("QT-01", 1), ("QT-03", 1)]  # QT-03 still in its 1st revision
    assert [(c, r) for _a, c, r in codes(client.get(URL, {"as_of": tomorrow.strftime("%d/%m/%Y")}))] == [
        ("QT-01", 1),
        ("QT-02", 1),
        ("QT-03", 2),
    ]
    assert [(c, r) for _a, c, r in codes(client.get(URL, {"as_of": yesterday.strftime("%d/%m/%Y")}))] == [("QT-03", 1)]
    # The home page counts what today's list shows.
    request = RequestFactory().get("/")
    request.user = head
    [(_t, panel)] = dashboard.panels(request)
    assert panel["in_force_count"] == len(listed) == 2
    # A bad date falls back to today, with a message.
    response = client.get(URL, {"as_of": "31/02/2026"})
    assert len(response.context["documents"]) == 2 and "không hợp lệ" in response.content.decode()
    # The export reads the same day.
    import io

    import openpyxl

    data = client.get(URL, {"agency": agency.pk, "as_of": tomorrow.strftime("%d/%m/%Y"), "format": "xlsx"}).content
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[5:]] == ["QT-01", "QT-02", "QT-03"]


def test_the_oversight_officer_sees_every_agency_of_the_province_and_the_home_count(
    make_document, issue, province, users, client
):
    land, commune = province["agencies"]["land"], province["agencies"]["commune_a"]
    commune_secretary = User.objects.create_user("sec_c", password="x" * 12, role=Role.ISO_SECRETARY, agency=commune)
    commune_head = User.objects.create_user("head_c", password="x" * 12, role=Role.AGENCY_HEAD, agency=commune)
    issue(make_document(code="QT-01").versions.get())
    issue(make_document(code="QT-02").versions.get())
    version = make_document(code="QT-01", agency=commune, user=commune_secretary).versions.get()
    for actor, action in (
        (commune_secretary, "submit"),
        (commune_head, "review"),
        (commune_head, "approve"),
        (commune_head, "issue"),
    ):
        services.transition(version, actor, action)
    make_document(code="QT-09")  # a draft: not in force
    other_land = province["other_agencies"]["land"]
    other_secretary = User.objects.create_user("sec_o", password="x" * 12, role=Role.ISO_SECRETARY, agency=other_land)
    make_document(code="QT-01", agency=other_land, user=other_secretary)

    oversight = users[Role.OVERSIGHT]
    request = RequestFactory().get("/")
    request.user = oversight
    [(_t, panel)] = dashboard.panels(request)
    client.force_login(oversight)
    response = client.get(URL)
    listed = codes(response)
    assert panel["in_force_count"] == len(listed) == 3
    assert sorted(listed) == sorted([(land.name, "QT-01", 1), (land.name, "QT-02", 1), (commune.name, "QT-01", 1)])
    page = response.content.decode()
    assert 'name="agency"' in page and "in-force-row-agency" in page and commune.name in page
    home = client.get(reverse("core:home")).content.decode()
    assert "Danh mục tài liệu đang hiệu lực (3)" in home
    # The picker narrows the list to one agency; another province's agency is refused.
    assert codes(client.get(URL, {"agency": commune.pk})) == [(commune.name, "QT-01", 1)]
    assert client.get(URL, {"agency": other_land.pk}).status_code == 403
