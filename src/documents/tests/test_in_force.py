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
        ("QT-01", 1), ("QT-02", 1), ("QT-03", 2)]
    assert [(c, r) for _a, c, r in codes(client.get(URL, {"as_of": yesterday.strftime("%d/%m/%Y")}))] == [
        ("QT-03", 1)]
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
