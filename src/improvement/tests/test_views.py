"""The improvement pages: each role sees what it may, scoped to its agency or province; the public survey needs no
login."""

import datetime as dt

import pytest

from accounts.roles import Role
from improvement import services
from improvement.models import Nonconformity, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def nc(province, users, land):
    return services.raise_nonconformity(users[Role.STAFF], land, "Biểu mẫu cũ", dt.date(2026, 3, 2))


def test_pages_are_scoped_to_the_agency_and_read_across_the_province(nc, province, users, client_as):
    for role in (Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT, Role.PROVINCIAL_VIEWER):
        client = client_as(users[role])
        for path in (
            "/improvement/objectives/",
            "/improvement/risks/",
            "/improvement/nonconformities/?status=all",
            "/improvement/actions/",
            "/improvement/satisfaction/",
            nc.get_absolute_url(),
        ):
            assert client.get(path).status_code == 200, (role, path)
    other = client_as(users["other_oversight"])
    assert other.get(nc.get_absolute_url()).status_code == 403
    assert "KPH-2026/001" not in other.get("/improvement/nonconformities/?status=all").content.decode()
    # Province roles read but do not raise or close.
    viewer = client_as(users[Role.PROVINCIAL_VIEWER])
    assert viewer.post(f"/improvement/nonconformities/{nc.pk}/close/").status_code == 403
    assert viewer.get("/improvement/nonconformities/new/").status_code == 403


def test_a_form_error_names_the_field_and_keeps_what_was_typed(nc, users, client_as, land):
    client = client_as(users[Role.ISO_SECRETARY])
    page = client.post(
        f"/improvement/nonconformities/{nc.pk}/actions/",
        {"description": "Thay biểu mẫu", "owner": users[Role.STAFF].pk, "due_on": "01/03/2026"},
    )
    assert page.status_code == 200
    assert "Hạn hoàn thành không được trước ngày phát hiện (02/03/2026)." in page.content.decode()
    assert 'value="Thay biểu mẫu"' in page.content.decode() or "Thay biểu mẫu</textarea>" in page.content.decode()
    assert not nc.actions.exists()


def test_the_public_survey_needs_no_login(province, land, client):
    assert client.get("/s/NOPE/").status_code == 404
    # Both provinces hosted here have an SNNMT: the visitor chooses, then the link names the province.
    choose = client.get("/s/SNNMT/").content.decode()
    assert 'data-testid="survey-choose"' in choose and "?tinh=86" in choose and "?tinh=91" in choose
    page = client.get("/s/SNNMT/?tinh=86")
    assert page.status_code == 200 and land.name in page.content.decode()
    answer = {"overall": "2", "on_time": "no", "attitude": "3", "guidance": "2", "comment": "Chờ lâu", "website": ""}
    done = client.post("/s/SNNMT/?tinh=86", answer)
    assert done.status_code == 302 and done["Location"].endswith("/s/SNNMT/thanks/?tinh=86")
    assert client.get(done["Location"]).status_code == 200
    robot = client.post("/s/SNNMT/?tinh=86", answer | {"website": "spam"})
    assert robot.status_code == 429 and "Phiếu không hợp lệ." in robot.content.decode()
    assert SurveyResponse.objects.count() == 1 and SurveyResponse.objects.get().agency == land
    svg = client.get("/s/SNNMT/qr.svg?tinh=86")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get("/s/SNNMT/qr.svg").status_code == 404  # ambiguous


def test_a_single_province_link_has_no_province_parameter(province, land, users, client_as):
    from organizations.models import Agency

    Agency.objects.filter(province=province["other"], code="SNNMT").update(code="SNNMT-AG")
    page = client_as(users[Role.ISO_SECRETARY]).get("/improvement/satisfaction/")
    assert page.context["survey_url"] == "http://testserver/s/SNNMT/"
    assert client_as(users[Role.ISO_SECRETARY]).get("/improvement/satisfaction/card/").status_code == 200


def test_the_health_panel_on_the_home_page(nc, users, client_as):
    services.add_action(users[Role.ISO_SECRETARY], nc, "Thay biểu mẫu", users[Role.STAFF], dt.date(2026, 3, 10))
    page = client_as(users[Role.AGENCY_HEAD]).get("/")
    assert 'data-testid="qms-health"' in page.content.decode()
    assert (
        next(p for p in page.context["panels"] if p["template"] == "improvement/_panel_health.html")["context"][
            "overdue_count"
        ]
        == 1
    )
    mine = client_as(users[Role.STAFF]).get("/").content.decode()
    assert 'data-testid="panel-my-actions"' in mine and "Thay biểu mẫu" in mine
    assert Nonconformity.objects.count() == 1


def test_links_carry_ids_above_a_thousand_unformatted(province, users, land, client_as):
    """Ids in query strings and option values are written without the thousands separator (1.234 is not an id)."""
    from improvement.models import SurveyResponse

    answer = services.submit(land, services.Answer(1, "no", 1, 1, "Chờ lâu"), "10.4.4.4")
    SurveyResponse.objects.filter(pk=answer.pk).update(id=123456)
    page = client_as(users[Role.ISO_SECRETARY]).get("/improvement/satisfaction/").content.decode()
    assert "?feedback=123456&" in page
    form = client_as(users[Role.ISO_SECRETARY]).get("/improvement/nonconformities/new/?feedback=123456")
    assert form.context["feedback"].pk == 123456
    oversight = client_as(users[Role.OVERSIGHT]).get("/improvement/objectives/").content.decode()
    assert f'<option value="{land.pk}"' in oversight


def test_a_bad_agency_or_year_parameter_is_left_out(nc, users, client_as):
    client = client_as(users[Role.OVERSIGHT])
    for path in (
        "/improvement/objectives/",
        "/improvement/risks/",
        "/improvement/nonconformities/",
        "/improvement/actions/",
        "/improvement/satisfaction/",
    ):
        for query in ("?agency=99999999999999999999999", "?agency=abc", "?year=99999999999", "?year=x&agency=-1"):
            assert client.get(path + query).status_code == 200, (path, query)
