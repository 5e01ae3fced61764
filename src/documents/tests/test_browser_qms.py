import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from conftest import browser_login, shot
from documents import services
from documents.models import Document, RecordType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.username)
    expect(page.get_by_test_id("home-title")).to_be_visible()


def test_oversight_writes_a_model_and_an_agency_builds_its_qms_from_it(page, users, kinds):
    oversight, secretary = users[Role.OVERSIGHT], users[Role.ISO_SECRETARY]
    login_as(page, oversight)
    page.goto(page.base_url + "/documents/templates/")
    page.get_by_text("Tạo mô hình").click()
    page.select_option("#id_kind", str(kinds["department"].pk))
    page.fill("#id_name", "Mô hình HTQLCL cấp Sở")
    page.get_by_test_id("save").click()
    for code, title, doc_type in [
        ("CSCL", "Chính sách chất lượng", "policy"),
        ("QT-01", "Quy trình kiểm soát tài liệu", "procedure"),
    ]:
        page.get_by_text("Thêm tài liệu mẫu").click()
        page.select_option("#id_doc_type", doc_type)
        page.fill("#id_code", code)
        page.fill("#id_title", title)
        page.fill("#id_body", f"# 1. Mục đích\n{title} của cơ quan.")
        if doc_type == "procedure":
            page.fill("#id_records_text", "Danh mục tài liệu nội bộ | Thư ký ISO | 60")
        page.get_by_test_id("save").click()
    expect(page.get_by_test_id("template-items")).to_contain_text("QT-01")

    login_as(page, secretary)
    page.goto(page.base_url + "/documents/templates/")
    page.get_by_text("Mô hình HTQLCL cấp Sở").click()
    page.get_by_test_id("instantiate").click()
    expect(page.get_by_test_id("document-table")).to_contain_text("QT-01")
    expect(page.get_by_test_id("document-table")).to_contain_text("CSCL")
    shot(page, "documents-built-from-template")
    assert Document.objects.filter(agency=secretary.agency, status="draft").count() == 2
    assert RecordType.objects.get(agency=secretary.agency).retention_months == 60
    # a second time is refused: the codes exist already
    page.goto(page.base_url + "/documents/templates/")
    page.get_by_text("Mô hình HTQLCL cấp Sở").click()
    page.get_by_test_id("instantiate").click()
    expect(page.locator(".alert-danger")).to_contain_text("CSCL, QT-01")


def test_records_of_a_procedure_and_retention_expiry(page, users):
    secretary = users[Role.ISO_SECRETARY]
    procedure = services.create_document(
        agency=secretary.agency,
        user=secretary,
        doc_type="procedure",
        code="QT-02",
        title="Quy trình kiểm soát hồ sơ",
        body="Nội dung.",
    )
    login_as(page, secretary)
    page.goto(page.base_url + "/documents/records/")
    page.get_by_text("Thêm loại hồ sơ").click()
    page.select_option("#id_document", str(procedure.pk))
    page.fill("#id_name", "Sổ theo dõi hồ sơ")
    page.fill("#id_kept_by", "Bộ phận Một cửa")
    page.fill("#id_kept_at", "Tủ số 2")
    page.fill("#id_retention_months", "24")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("record-types")).to_contain_text("2 năm")
    page.get_by_text("Thêm tập hồ sơ lưu trữ").click()
    page.select_option("#id_record_type", str(RecordType.objects.get().pk))
    page.fill("#id_label", "Sổ theo dõi hồ sơ năm 2020")
    page.fill("#id_closed_on", "31/12/2020")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("expiring")).to_contain_text("31/12/2022")
    shot(page, "documents-records")
