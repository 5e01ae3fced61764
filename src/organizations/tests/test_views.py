import pytest
from django.urls import reverse

from accounts.roles import Role
from organizations.models import Agency, AgencyChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def oversight(client_for, users):
    return client_for(users[Role.OVERSIGHT])


def test_search_without_diacritics_via_htmx(oversight, province):
    response = oversight.get(reverse("organizations:agency_list"), {"q": "dat do"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "UBND xã Đất Đỏ" in html and "Sở Khoa học" not in html
    assert "<html" not in html  # htmx gets the fragment only


def test_create_shows_field_errors_and_saves_nothing(oversight, province, kinds):
    count = Agency.objects.count()
    response = oversight.post(
        reverse("organizations:agency_create"),
        {
            "name": "Sở Trùng Mã",
            "code": "SNNMT",
            "kind": kinds["department"].pk,
            "parent": province["agencies"]["root"].pk,
            "obligation": "mandatory",
        },
    )
    assert response.status_code == 200
    assert "đã được dùng trong tỉnh" in response.content.decode()
    assert Agency.objects.count() == count


def test_create_then_redirect_to_the_new_agency(oversight, province, kinds):
    response = oversight.post(
        reverse("organizations:agency_create"),
        {
            "name": "Trung tâm Dữ liệu",
            "code": "TTDL",
            "kind": kinds["department"].pk,
            "parent": province["agencies"]["science"].pk,
            "established_on": "15/08/2025",
        },
    )
    agency = Agency.objects.get(code="TTDL", province=province["province"])
    assert response.status_code == 302 and response["Location"] == agency.get_absolute_url()
    assert agency.established_on.isoformat() == "2025-08-15" and agency.obligation == "mandatory"


def test_move_into_own_child_shows_the_reason(oversight, province):
    a = province["agencies"]
    response = oversight.post(reverse("organizations:agency_move", args=[a["root"].pk]), {"parent": a["land"].pk})
    assert response.status_code == 200
    assert "đơn vị trực thuộc của nó" in response.content.decode()
    a["root"].refresh_from_db()
    assert a["root"].parent is None


def test_merge_through_the_form(oversight, province):
    a = province["agencies"]
    response = oversight.post(
        reverse("organizations:agency_merge"),
        {
            "agencies": [a["commune_a"].pk, a["commune_b"].pk],
            "name": "UBND phường Mới",
            "code": "PM",
            "effective_on": "01/07/2025",
            "decision": "NQ 1687",
        },
    )
    new = Agency.objects.get(code="PM")
    assert response.status_code == 302
    assert new.scope_review_required
    detail = oversight.get(new.get_absolute_url()).content.decode()
    assert "Cần rà soát phạm vi HTQLCL" in detail and "UBND xã Đất Đỏ" in detail


def test_split_form_reports_the_bad_line(oversight, province):
    url = reverse("organizations:agency_split", args=[province["agencies"]["commune_a"].pk])
    response = oversight.post(url, {"names": "A1; Xã A\nthiếu dấu chấm phẩy", "effective_on": "01/07/2025"})
    assert "Dòng 2" in response.content.decode()
    assert not AgencyChange.objects.filter(kind="split").exists()


def test_scope_reviewed_clears_the_flag(oversight, province):
    agency = province["agencies"]["commune_a"]
    agency.scope_review_required = True
    agency.save()
    oversight.post(reverse("organizations:agency_scope_reviewed", args=[agency.pk]))
    agency.refresh_from_db()
    assert not agency.scope_review_required


def test_detail_shows_history(oversight, province):
    agency = province["agencies"]["land"]
    agency.name = "Sở Nông nghiệp và Môi trường tỉnh"
    agency.save()
    html = oversight.get(agency.get_absolute_url()).content.decode()
    assert "Lịch sử thay đổi" in html and "Sở Nông nghiệp và Môi trường tỉnh" in html


def test_dates_are_shown_day_first(oversight, province):
    agency = province["agencies"]["land"]
    agency.established_on = "2025-07-01"
    agency.save()
    assert "01/07/2025" in oversight.get(agency.get_absolute_url()).content.decode()


def test_english_translation(oversight, province):
    oversight.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = oversight.get(reverse("organizations:agency_list")).content.decode()
    assert "Agencies" in html


def test_vietnamese_even_for_an_english_browser(oversight, province):
    html = oversight.get(reverse("organizations:agency_list"), headers={"Accept-Language": "en-US,en;q=0.9"}).content
    assert "Cơ quan, đơn vị" in html.decode() and '<html lang="vi">' in html.decode()


def test_edit_keeps_the_kinds_obligation_when_left_empty(oversight, province, kinds):
    agency = province["agencies"]["commune_a"]
    response = oversight.post(
        reverse("organizations:agency_update", args=[agency.pk]),
        {
            "name": "UBND xã Đất Đỏ",
            "code": "XA1",
            "kind": kinds["commune_committee"].pk,
            "parent": province["agencies"]["root"].pk,
            "obligation": "",
            "address": "Ấp 3",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.obligation == "encouraged" and agency.address == "Ấp 3"
