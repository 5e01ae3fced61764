"""The internal audit, the management review and the yearly obligations as officials go through them in Chromium."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import browser_login, shot
from dossiers.models import Dossier
from evaluation.models import AuditPlan, AuditReport, Finding, Result
from improvement.models import SurveyResponse
from improvement.tests.conftest import settle

from .conftest import LAND_UNIT, QUALITY_UNIT, window

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.username)
    expect(page.get_by_test_id("home-title")).to_be_visible()


def _pdf_file(tmp_path):
    from weasyprint import HTML

    path = tmp_path / "phieu-kiem-soat.pdf"
    path.write_bytes(HTML(string="<p>Phiếu kiểm soát quá trình giải quyết hồ sơ HS-01</p>").write_pdf())
    return path


def test_an_audit_from_programme_to_signed_report(page, team, land, catalog, tmp_path):  # noqa: F811
    from docx import Document
    from pypdf import PdfReader

    secretary, head = team["secretary"], team["head"]
    start, end = window()
    login_as(page, secretary)
    page.goto(page.base_url + "/audits/")
    page.get_by_test_id("programme-new").click()
    page.fill("#id_aims", "Đánh giá sự phù hợp của HTQLCL trước khi xem xét của lãnh đạo")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("programme-title")).to_contain_text(str(timezone.localdate().year))

    page.get_by_test_id("plan-new").click()
    page.fill("#id_title", "Đánh giá lĩnh vực đất đai")
    page.fill("#id_start_on", f"{start:%d/%m/%Y}")
    page.fill("#id_end_on", f"{end:%d/%m/%Y}")
    page.get_by_label(LAND_UNIT).check()
    page.get_by_label(QUALITY_UNIT).check()
    page.eval_on_selector_all(
        "input[name=clauses]", "els => els.forEach(e => e.checked = ['7.5', '8.5'].includes(e.value))"
    )
    page.select_option("#id_lead_auditor", str(secretary.pk))
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("question-row")).to_have_count(3)  # 7.5 has two questions, 8.5 one

    # the secretary works in the quality unit: refused there, assigned to the land unit
    form = page.get_by_test_id("session-form")
    form.locator("#id_session-unit").select_option(QUALITY_UNIT)
    form.locator("#id_session-auditor").select_option(str(secretary.pk))
    page.get_by_test_id("session-add").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("không được đánh giá đơn vị mình")
    page.go_back()
    form = page.get_by_test_id("session-form")
    form.locator("#id_session-unit").select_option(LAND_UNIT)
    form.locator("#id_session-auditor").select_option(str(secretary.pk))
    page.get_by_test_id("session-add").click()
    expect(page.get_by_test_id("sessions")).to_contain_text(LAND_UNIT)

    # the checklist: evidence on the first question, answers, one nonconform
    page.get_by_test_id("question-link").first.click()
    page.set_input_files("#id_evidence-file", str(_pdf_file(tmp_path)))
    page.fill("[data-testid=evidence-form] #id_evidence-note", "Phiếu kiểm soát của hồ sơ mẫu")
    page.get_by_test_id("evidence-add").click()
    expect(page.get_by_test_id("evidence-item")).to_contain_text("phieu-kiem-soat.pdf")
    page.get_by_test_id("answer-form").get_by_label("Phù hợp", exact=True).check()
    page.get_by_test_id("answer-save").click()
    page.get_by_test_id("answer-form").get_by_label("Phù hợp", exact=True).check()
    page.get_by_test_id("answer-save").click()
    expect(page.get_by_test_id("question-text")).to_contain_text("Phiếu kiểm soát")
    page.get_by_test_id("answer-form").get_by_label("Không phù hợp", exact=True).check()
    page.get_by_test_id("answer-save").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("Ghi rõ điều đã thấy")  # notes needed
    page.get_by_test_id("answer-form").get_by_label("Không phù hợp", exact=True).check()
    page.fill("[data-testid=answer-form] textarea", "Hồ sơ HS-01 trễ hạn không có phiếu xin lỗi")
    page.get_by_test_id("answer-save").click()
    expect(page.get_by_test_id("open-count")).to_have_text("0")
    shot(page, "evaluation-plan-answered")

    # a finding needs its clause; then it raises the nonconformity, linked both ways
    findings = page.get_by_test_id("finding-form")
    findings.locator("#id_kind").select_option("nc")
    findings.locator("#id_description").fill("Hồ sơ HS-01 trễ hạn không có phiếu xin lỗi và hẹn lại")
    page.get_by_test_id("finding-add").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("điều khoản")
    page.select_option("#id_clause", "8.5")  # the same form again, kept as typed, with the clause
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("finding")).to_contain_text("Hồ sơ HS-01 trễ hạn")
    page.get_by_test_id("raise-nc").click()
    expect(page.get_by_test_id("nc-source")).to_contain_text("Đánh giá nội bộ")
    page.get_by_test_id("nc-finding").click()
    expect(page.get_by_test_id("finding-nc")).to_contain_text("KPH-")

    # closing, the report, the head's signature
    page.get_by_test_id("plan-close").click()
    page.fill("#id_conclusion", "HTQLCL cơ bản phù hợp; một điểm không phù hợp")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Đã kết thúc")
    page.get_by_test_id("report-new").click()
    page.fill("#id_summary", "Các quá trình được đánh giá cơ bản đáp ứng yêu cầu")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Dự thảo")
    report_url = page.url
    login_as(page, head)
    page.goto(report_url)
    page.get_by_test_id("report-sign").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Đã ký")
    shot(page, "evaluation-report-signed")

    plan = AuditPlan.objects.get()
    report = AuditReport.objects.get()
    with page.expect_download() as download:
        page.get_by_test_id("report-docx").click()
    doc = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    conform = plan.items.filter(result=Result.CONFORM).count()
    assert f"{plan.items.count()} câu hỏi — Phù hợp: {conform}; Không phù hợp: 1" in text
    nc = Finding.objects.get().nonconformity
    assert nc.number in [c.text for row in doc.tables[-2].rows for c in row.cells]
    assert head.get_full_name() in doc.tables[-1].rows[0].cells[-1].text
    pdf = page.context.request.get(page.base_url + f"/audits/reports/{report.pk}/report.pdf").body()
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert nc.number in pdf_text and f"{plan.items.count()} câu hỏi" in pdf_text

    # the signed report is not edited afterwards
    login_as(page, secretary)
    page.goto(page.base_url + f"/audits/reports/{report.pk}/edit/")  # no form: back to the report, which says why
    expect(page.get_by_test_id("report-status")).to_have_text("Đã ký")
    expect(page.get_by_role("alert")).to_contain_text("lần ban hành mới")
    expect(page.get_by_test_id("report-edit")).to_have_count(0)
    expect(page.get_by_test_id("report-revise")).to_be_visible()
    assert AuditReport.objects.get().summary == "Các quá trình được đánh giá cơ bản đáp ứng yêu cầu"


def test_a_management_review_shows_inputs_equal_to_the_records(page, team, land, catalog):  # noqa: F811
    from docx import Document

    for i, days in enumerate([3, 4, 6, 18, 22, 30]):
        settle(land, f"MR-{i}", days)
    at = timezone.make_aware(dt.datetime(2026, 5, 4, 9))
    for i, overall in enumerate([5, 5, 4, 3, 1]):
        SurveyResponse.objects.create(
            agency=land, submitted_at=at + dt.timedelta(hours=i), overall=overall, on_time="yes", attitude=4, guidance=4
        )
    secretary, head = team["secretary"], team["head"]
    login_as(page, secretary)
    page.goto(page.base_url + "/reviews/")
    page.get_by_test_id("review-new").click()
    page.fill("#id_participants", "Ban Giám đốc; Ban ISO; trưởng các phòng")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Đang chuẩn bị")

    settled = Dossier.objects.filter(agency=land, completed_at__isnull=False)
    on_time = settled.filter(is_late=False).count()
    expect(page.get_by_test_id("on-time-rate")).to_have_text(
        f"{100 * on_time / settled.count():.1f} %".replace(".", ",")
    )
    answers = SurveyResponse.objects.filter(agency=land)
    satisfied = answers.filter(overall__gte=4).count()
    expect(page.get_by_test_id("satisfied-pct")).to_have_text(
        f"{100 * satisfied / answers.count():.1f}".replace(".", ",")
    )
    shot(page, "evaluation-review-inputs")

    form = page.get_by_test_id("decision-form")
    form.locator("#id_description").fill("Bổ sung nhân lực thẩm định hồ sơ đất đai")
    form.locator("#id_owner").select_option(str(head.pk))
    form.locator("#id_due_on").fill(f"{timezone.localdate() + dt.timedelta(days=30):%d/%m/%Y}")
    page.get_by_test_id("decision-add").click()
    expect(page.get_by_test_id("decision")).to_contain_text("Bổ sung nhân lực")
    login_as(page, head)
    page.goto(page.base_url + "/reviews/")
    page.get_by_test_id("review-table").get_by_role("link").first.click()
    page.fill("#id_conclusion", "HTQLCL phù hợp, thỏa đáng và có hiệu lực")
    page.get_by_test_id("review-close").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Đã ký biên bản")
    with page.expect_download() as download:
        page.get_by_test_id("minutes-docx").click()
    doc = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{settled.count()} hồ sơ đã giải quyết, {on_time} đúng hạn" in text
    assert "Bổ sung nhân lực thẩm định hồ sơ đất đai" in [c.text for row in doc.tables[-2].rows for c in row.cells]


def test_the_update_window_after_a_procedure_is_amended_in_the_catalog(
    page,
    team,
    users,
    land,
    catalog,
    procedure_document,  # noqa: F811
):
    from accounts.roles import Role
    from documents.models import add_months

    oversight = users[Role.OVERSIGHT]
    login_as(page, oversight)
    page.goto(page.base_url + f"/procedures/{catalog['home'].pk}/status/")
    page.select_option("#id_status", "amended")
    page.fill("#id_reason", "Sửa đổi theo Quyết định 123/QĐ-UBND")
    page.locator("form button[type=submit]").last.click()
    page.goto(page.base_url + "/reviews/obligations/?attention=1")
    row = page.get_by_test_id("obligation-row").filter(has_text=land.name)
    due = add_months(timezone.localdate(), 3)
    expect(row.get_by_test_id("windows")).to_contain_text(
        f"QT-DD-01: từ {timezone.localdate():%d/%m/%Y}, hạn {due:%d/%m/%Y}"
    )
    expect(row.get_by_test_id("windows")).to_contain_text("đang trong hạn")
    shot(page, "evaluation-obligations")
    login_as(page, team["secretary"])
    expect(page.get_by_test_id("update-window")).to_contain_text("QT-DD-01")
    expect(page.get_by_test_id("update-window")).to_contain_text(f"hạn {due:%d/%m/%Y}")
