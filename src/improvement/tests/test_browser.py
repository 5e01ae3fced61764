"""The improvement flows as officials and citizens go through them in Chromium."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from conftest import browser_login, shot
from improvement import services
from improvement.models import Measure, Nonconformity, SurveyResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.username)
    expect(page.get_by_test_id("home-title")).to_be_visible()


def test_late_dossiers_to_a_proposal_accepted_acted_on_verified_and_closed(page, pattern_dossiers, users):
    secretary, staff, head = users[Role.ISO_SECRETARY], users[Role.STAFF], users[Role.AGENCY_HEAD]
    services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 20))  # what the nightly task does

    login_as(page, secretary)
    page.goto(page.base_url + "/improvement/nonconformities/")
    expect(page.get_by_test_id("proposals")).to_contain_text("trễ hạn ở 3 hồ sơ trong tháng 03/2026")
    page.get_by_test_id("proposal").first.click()
    expect(page.get_by_test_id("pattern-dossiers")).to_contain_text("HS-L2")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("nc-source")).to_contain_text("đề xuất từ 3 hồ sơ trễ hạn tháng 03/2026")
    page.fill("#id_containment", "Ưu tiên xử lý hồ sơ đang chậm")
    page.fill("#id_why_1", "Vì sao chậm? Một cửa chuyển hồ sơ một lần mỗi tuần.")
    page.fill("#id_root_cause", "Quy trình không quy định thời điểm chuyển hồ sơ trong ngày.")
    page.get_by_test_id("save-analysis").click()
    expect(page.get_by_test_id("root-cause")).to_contain_text("Quy trình không quy định")
    page.fill("[data-testid=action-form] #id_description", "Chuyển hồ sơ cho phòng chuyên môn hai lần mỗi ngày")
    page.select_option("[data-testid=action-form] #id_owner", str(staff.pk))
    page.fill("[data-testid=action-form] #id_due_on", f"{timezone.localdate() + dt.timedelta(days=10):%d/%m/%Y}")
    page.get_by_test_id("add-action").click()
    expect(page.get_by_test_id("action")).to_contain_text("hai lần mỗi ngày")
    expect(page.get_by_test_id("close-problems")).to_contain_text("chưa được kiểm tra")
    nc_url = page.url

    login_as(page, staff)  # the owner reports it done
    page.goto(nc_url)
    page.fill("[data-testid=complete-form] textarea", "Đã áp dụng từ thứ Hai")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("action")).to_contain_text("Hoàn thành")
    expect(page.get_by_test_id("verify-form")).to_have_count(0)  # not by the owner

    login_as(page, head)  # someone else verifies, then closes
    page.goto(nc_url)
    page.get_by_test_id("verify-form").get_by_label("Có hiệu lực", exact=True).check()
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("action-effective")).to_be_visible()
    page.get_by_test_id("nc-close").click()
    expect(page.get_by_test_id("nc-status")).to_have_text("Đã đóng")
    shot(page, "improvement-nc-closed")
    nc = Nonconformity.objects.get()
    action = nc.actions.get()
    assert (nc.closed_by, action.owner, action.verified_by, action.effective) == (head, staff, head, True)
    assert nc.late_pattern.decided_by == secretary


def test_a_citizen_answers_the_survey_by_its_link_and_the_agency_sees_it(page, province, users, land):
    from organizations.models import Agency

    Agency.objects.filter(province=province["other"], code="SNNMT").update(code="SNNMT-AG")  # one province
    secretary = users[Role.ISO_SECRETARY]
    login_as(page, secretary)
    page.goto(page.base_url + "/improvement/satisfaction/")
    expect(page.get_by_test_id("survey-qr")).to_be_visible()
    link = page.get_by_test_id("survey-url").inner_text()
    assert link.endswith("/s/SNNMT/")

    page.context.clear_cookies()  # a citizen's phone: no login
    page.goto(link)
    expect(page.get_by_test_id("survey-agency")).to_have_text(land.name)
    form = page.get_by_test_id("survey-form")
    form.locator("input[name=overall][value='2']").check()
    form.locator("input[name=on_time][value='no']").check()
    form.locator("input[name=attitude][value='3']").check()
    form.locator("input[name=guidance][value='2']").check()
    page.fill("#id_comment", "Phải đi lại ba lần để bổ sung giấy tờ.")
    shot(page, "improvement-survey")
    page.get_by_test_id("survey-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    assert SurveyResponse.objects.get().comment == "Phải đi lại ba lần để bổ sung giấy tờ."

    login_as(page, secretary)
    page.goto(page.base_url + "/improvement/satisfaction/")
    expect(page.get_by_test_id("answers")).to_have_text("1")
    expect(page.get_by_test_id("dissatisfied-pct")).to_have_text("100,0%")
    expect(page.get_by_test_id("answers-table")).to_contain_text("Phải đi lại ba lần")
    page.get_by_test_id("raise-from-feedback").click()
    expect(page.get_by_test_id("feedback-source")).to_contain_text("Phải đi lại ba lần")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("nc-source")).to_contain_text("Phản ánh của người dân")
    shot(page, "improvement-nc-from-feedback")


def test_the_trend_of_an_objective_and_a_measurement_out_of_range(page, province, users, land):
    secretary = users[Role.ISO_SECRETARY]
    year = timezone.localdate().year
    objective = services.save_objective(
        secretary,
        land,
        {
            "year": year,
            "title": "Thời gian trả lời phản ánh",
            "measure": Measure.MANUAL,
            "direction": "le",
            "target": Decimal(5),
            "unit": "days",
            "frequency": "quarterly",
            "owner": secretary,
        },
    )
    for month, value in ((1, "4.5"), (4, "6.2")):
        services.record_measurement(secretary, objective, dt.date(year, month, 1), Decimal(value))
    login_as(page, secretary)
    page.goto(page.base_url + "/improvement/objectives/")
    expect(page.get_by_test_id("off-target-alert")).to_be_visible()
    page.get_by_text("Thời gian trả lời phản ánh").click()
    expect(page.get_by_test_id("objective-trend")).to_have_attribute("data-drawn", "1")
    page.select_option("#id_period_start", dt.date(year, 7, 1).isoformat())
    page.fill("#id_value", "400")
    page.get_by_test_id("save-measurement").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("chỉ nhận từ 0 đến 366")
    page.fill("#id_value", "4,8")  # as officials type it
    page.get_by_test_id("save-measurement").click()
    expect(page.get_by_test_id("measurements")).to_contain_text("4,8")
    expect(page.get_by_test_id("objective-trend")).to_have_attribute("data-drawn", "1")
    shot(page, "improvement-objective-trend")
    assert [float(m.value) for m in objective.measurements.all()] == [4.5, 6.2, 4.8]
