import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from conftest import PASSWORD, browser_login, shot
from documents import services
from documents.models import Document
from documents.samples import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, user):
    page.context.clear_cookies()
    browser_login(page, user.username)
    expect(page.get_by_test_id("home-title")).to_be_visible()


def act(page, action, comment=""):
    if comment:
        page.fill("#id_comment", comment)
    page.get_by_test_id(f"action-{action}").click()
    page.wait_for_load_state()


def test_create_review_approve_issue_revise_obsolete(page, users, tmp_path):
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    pdf = tmp_path / "Quy trình tiếp nhận hồ sơ.pdf"
    pdf.write_bytes(make_pdf("QUY TRÌNH TIẾP NHẬN HỒ SƠ", ("Tiếp nhận hồ sơ đất đai tại Bộ phận Một cửa.",)))

    # The ISO secretary creates a procedure with its PDF.
    login_as(page, secretary)
    page.goto(page.base_url + "/documents/")
    page.get_by_test_id("new-document").click()
    page.select_option("#id_doc_type", "procedure")
    page.fill("#id_code", "QT-10")
    page.fill("#id_title", "Quy trình tiếp nhận hồ sơ đất đai")
    page.fill("#id_owner_unit", "Văn phòng Đăng ký đất đai")
    page.set_input_files("#id_upload", str(pdf))
    shot(page, "documents-create-form")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("document-title")).to_contain_text("QT-10")
    page.get_by_test_id("open-version").click()
    expect(page.get_by_test_id("pdf-frame")).to_be_visible()
    frame = page.frame_locator("[data-testid=pdf-frame]")
    expect(frame.locator("embed, body").first).to_be_attached()
    act(page, "submit")
    expect(page.get_by_test_id("version-status")).to_have_text("Chờ kiểm tra")
    # The drafter neither checks nor approves her own draft; the page says who may.
    assert page.get_by_test_id("action-review").count() == 0
    expect(page.get_by_test_id("workflow-step-review")).to_contain_text("không phải người soạn thảo")
    version_url = page.url

    # The head checks it, sends it back once with a reason, then approves and issues it.
    login_as(page, head)
    page.goto(version_url)
    act(page, "review")
    expect(page.get_by_test_id("version-status")).to_have_text("Đã kiểm tra, chờ phê duyệt")
    page.goto(page.base_url + "/")
    expect(page.get_by_test_id("panel-to-approve")).to_contain_text("QT-10")
    page.goto(version_url)
    act(page, "reject")
    expect(page.locator(".alert-danger")).to_contain_text("Cần nêu lý do trả lại")
    act(page, "reject", "Bổ sung thời hạn từng bước")
    expect(page.get_by_test_id("version-status")).to_have_text("Dự thảo")
    login_as(page, secretary)
    page.goto(version_url)
    expect(page.get_by_test_id("rejection")).to_contain_text("Bổ sung thời hạn từng bước")
    act(page, "submit")
    login_as(page, head)
    page.goto(version_url)
    act(page, "review")
    act(page, "approve", "Đồng ý")
    expect(page.get_by_test_id("version-status")).to_have_text("Đã phê duyệt, chờ ban hành")
    act(page, "issue")
    expect(page.get_by_test_id("version-status")).to_have_text("Đã ban hành")
    expect(page.get_by_test_id("current-badge")).to_be_visible()
    expect(page.get_by_test_id("transitions")).to_contain_text("Bổ sung thời hạn từng bước")
    shot(page, "documents-issued-pdf-preview")

    # The secretary revises it: the issued one stays in force meanwhile.
    login_as(page, secretary)
    document = Document.objects.get(code="QT-10")
    page.goto(page.base_url + document.get_absolute_url())
    page.get_by_test_id("revise").click()
    page.fill("#id_change_summary", "Bổ sung tiếp nhận hồ sơ trực tuyến")
    page.fill("#id_change_reason", "Theo Nghị định 107/2021/NĐ-CP")
    page.get_by_test_id("save").click()
    page.check("#id_remove_file")
    page.fill(
        "#id_body",
        "# 1. Mục đích\nTiếp nhận hồ sơ trực tiếp và **trực tuyến**.\n\n- Bước 1: kiểm tra\n- Bước 2: hẹn trả",
    )
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("version-status")).to_have_text("Dự thảo")
    page.goto(page.base_url + document.get_absolute_url())
    expect(page.get_by_test_id("document-status")).to_contain_text("Đang hiệu lực")
    page.get_by_test_id("open-version").click()
    revision_url = page.url
    act(page, "submit")
    login_as(page, head)
    page.goto(revision_url)
    act(page, "review")
    act(page, "approve")
    act(page, "issue")
    expect(page.get_by_test_id("version-status")).to_have_text("Đã ban hành")
    expect(page.get_by_test_id("preview")).to_contain_text("trực tuyến")

    # The first revision is now retired: watermarked, never shown as current.
    page.goto(version_url)
    expect(page.get_by_test_id("retired-banner")).to_contain_text("HẾT HIỆU LỰC")
    expect(page.get_by_test_id("preview")).to_have_class(re.compile("watermark-obsolete"))
    assert page.get_by_test_id("current-badge").count() == 0
    shot(page, "documents-superseded-watermark")
    page.goto(page.base_url + document.get_absolute_url())
    expect(page.get_by_test_id("change-log")).to_contain_text("Bổ sung tiếp nhận hồ sơ trực tuyến")
    expect(page.get_by_test_id("change-log")).to_contain_text("Theo Nghị định 107/2021/NĐ-CP")

    # Withdraw the document.
    page.goto(revision_url)
    act(page, "obsolete", "Thay bằng quy trình liên thông")
    expect(page.get_by_test_id("version-status")).to_have_text("Hết hiệu lực")
    page.goto(page.base_url + document.get_absolute_url())
    expect(page.get_by_test_id("obsolete-banner")).to_be_visible()
    page.goto(page.base_url + "/documents/in-force/")
    expect(page.get_by_test_id("in-force-table")).not_to_contain_text("QT-10")
    shot(page, "documents-obsolete")
    document.refresh_from_db()
    assert document.status == "obsolete" and document.versions.count() == 2


def test_distribution_and_acknowledgement(page, users):
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    agency = secretary.agency
    reader = User.objects.create_user(
        "reader",
        password=PASSWORD,
        role=Role.STAFF,
        agency=agency,
        unit="Phòng Quản lý đất đai",
        last_name="Lê Văn",
        first_name="Đọc",
    )
    User.objects.create_user(
        "lazy",
        password=PASSWORD,
        role=Role.STAFF,
        agency=agency,
        unit="Phòng Quản lý đất đai",
        last_name="Trần Thị",
        first_name="Chưa",
    )
    document = services.create_document(
        agency=agency,
        user=secretary,
        doc_type="policy",
        code="CSCL",
        title="Chính sách chất lượng",
        body="**Công khai – Minh bạch – Đúng hạn – Tận tình.**",
    )
    version = document.versions.get()
    for action, actor in [("submit", secretary), ("review", head), ("approve", head), ("issue", head)]:
        services.transition(version, actor, action)

    login_as(page, secretary)
    page.goto(page.base_url + version.get_absolute_url())
    page.get_by_test_id("distribute").click()
    page.get_by_label("Phòng Quản lý đất đai", exact=True).check()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("ack-summary")).to_have_text("0/2")

    login_as(page, reader)
    expect(page.get_by_test_id("panel-to-read")).to_contain_text("CSCL")
    page.get_by_test_id("panel-to-read").get_by_text("Chính sách chất lượng").click()
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("ack-done")).to_be_visible()

    login_as(page, secretary)
    page.goto(page.base_url + f"/documents/versions/{version.pk}/distribute/")
    expect(page.get_by_test_id("ack-summary")).to_have_text("1/2")
    expect(page.get_by_test_id("dist-lazy")).to_contain_text("Chưa xác nhận")
    expect(page.get_by_test_id("dist-reader")).not_to_contain_text("Chưa xác nhận")
    shot(page, "documents-distribution")


def test_search_and_in_force_export_pages(page, users):
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    for code, title in [("QT-01", "Quy trình kiểm soát tài liệu"), ("QT-02", "Quy trình đăng ký đất đai")]:
        doc = services.create_document(
            agency=secretary.agency, user=secretary, doc_type="procedure", code=code, title=title, body="Nội dung."
        )
        for action, actor in [("submit", secretary), ("review", head), ("approve", head), ("issue", head)]:
            services.transition(doc.versions.get(), actor, action)
    login_as(page, users[Role.STAFF])
    page.goto(page.base_url + "/documents/")
    page.fill("#id_q", "dang ky dat dai")
    page.get_by_test_id("search").click()
    expect(page.get_by_test_id("document-table")).to_contain_text("QT-02")
    expect(page.get_by_test_id("document-table")).not_to_contain_text("QT-01")
    page.goto(page.base_url + "/documents/in-force/")
    expect(page.get_by_test_id("in-force-table")).to_contain_text("QT-01")
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    shot(page, "documents-in-force")


def test_demo_pages_for_secretary_head_and_staff(page, tmp_path):
    from django.core.management import call_command

    from accounts.demo import DEMO_PASSWORD

    with open(tmp_path / "demo.txt", "w") as out:
        call_command("load_demo", stdout=out)

    def demo_login(username):
        page.context.clear_cookies()
        browser_login(page, username, DEMO_PASSWORD)

    demo_login("lanhdao")
    expect(page.get_by_test_id("panel-to-approve")).to_contain_text("MTCL")
    shot(page, "documents-demo-home-head")
    demo_login("thuky")
    expect(page.get_by_test_id("needs-review-count")).not_to_have_text("0")
    shot(page, "documents-demo-home-secretary")
    page.goto(page.base_url + "/documents/")
    expect(page.get_by_test_id("document-table")).to_contain_text("QT-01")
    shot(page, "documents-demo-list")
    page.goto(page.base_url + "/documents/needs-review/")
    expect(page.get_by_test_id("needs-review-table")).to_contain_text("QT-06")
    page.goto(page.base_url + "/documents/records/")
    expect(page.get_by_test_id("expiring")).to_contain_text(str(timezone.localdate().year - 5))
    page.goto(page.base_url + "/documents/templates/")
    page.get_by_text("Mô hình HTQLCL áp dụng cho UBND cấp xã").click()
    expect(page.get_by_test_id("template-items")).to_contain_text("Quy trình kiểm soát tài liệu")
    document = Document.objects.get(agency__code="SNNMT", code="QT-01")
    page.goto(page.base_url + document.current_version.get_absolute_url())
    expect(page.get_by_test_id("preview")).to_contain_text("Mục đích")
    shot(page, "documents-demo-docx-preview")
    demo_login("canbo")
    expect(page.get_by_test_id("panel-to-read")).to_contain_text("QT-01")
    shot(page, "documents-demo-home-staff")


def test_a_document_based_on_a_revised_law_needs_review(page, users):
    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    agency = secretary.agency
    decree = services.create_document(
        agency=agency,
        user=secretary,
        code="ND-61",
        doc_type="external",
        title="Nghị định 61/2018/NĐ-CP về cơ chế một cửa",
        body="Nghị định 61",
        external_number="61/2018/NĐ-CP",
        external_issuer="Chính phủ",
    )
    for user, action in ((secretary, "submit"), (head, "review"), (head, "approve"), (head, "issue")):
        services.transition(decree.versions.get(), user, action)

    # The secretary writes a procedure based on the decree.
    login_as(page, secretary)
    page.goto(page.base_url + "/documents/")
    page.get_by_test_id("new-document").click()
    page.select_option("#id_doc_type", "procedure")
    page.fill("#id_code", "QT-07")
    page.fill("#id_title", "Quy trình tiếp nhận và trả kết quả")
    page.select_option("#id_legal_bases", label="ND-61 Nghị định 61/2018/NĐ-CP về cơ chế một cửa")
    page.fill("#id_body", "# Mục đích\nTiếp nhận hồ sơ theo Nghị định 61.")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("legal-bases")).to_contain_text("ND-61")
    procedure = Document.objects.get(agency=agency, code="QT-07")
    for user, action in ((secretary, "submit"), (head, "review"), (head, "approve"), (head, "issue")):
        services.transition(procedure.versions.get(), user, action)

    # The decree is amended: the procedure shows up in the needs-review list with the reason.
    draft = services.revise(Document.objects.get(pk=decree.pk), secretary, change_summary="Theo Nghị định 107/2021")
    for user, action in ((secretary, "submit"), (head, "review"), (head, "approve"), (head, "issue")):
        services.transition(draft, user, action)
    page.goto(page.base_url + "/documents/needs-review/")
    expect(page.locator("body")).to_contain_text("QT-07")
    expect(page.locator("body")).to_contain_text("Văn bản căn cứ “ND-61")
    shot(page, "documents-legal-basis-needs-review")


def test_a_docx_preview_is_prepared_in_the_background_and_appears_when_ready(page, users, tmp_path, settings):
    """The page never converts: it says the preview is being prepared and polls until the worker has stored it;
    a long document shows its beginning with a note and the download link."""
    from documents.samples import make_docx

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # the worker waits
    settings.EISO = {**settings.EISO, "DOCUMENT_PREVIEW_MAX_CHARS": 2000}
    docx = tmp_path / "Quy trình giải quyết khiếu nại.docx"
    paragraphs = [f"Bước {i}: tiếp nhận, phân loại và giải quyết đơn khiếu nại đúng thời hạn." for i in range(300)]
    docx.write_bytes(make_docx("QUY TRÌNH GIẢI QUYẾT KHIẾU NẠI", paragraphs))
    login_as(page, users[Role.ISO_SECRETARY])
    page.goto(page.base_url + "/documents/")
    page.get_by_test_id("new-document").click()
    page.select_option("#id_doc_type", "procedure")
    page.fill("#id_code", "QT-KN")
    page.fill("#id_title", "Quy trình giải quyết khiếu nại")
    page.set_input_files("#id_upload", str(docx))
    page.get_by_test_id("save").click()
    page.get_by_test_id("open-version").click()
    expect(page.get_by_test_id("preview-pending")).to_contain_text("Bản xem trước đang được chuẩn bị")
    shot(page, "documents-docx-preview-pending")

    services.render_preview(Document.objects.get(code="QT-KN").versions.get().pk)  # what the task worker does
    expect(page.get_by_test_id("docx-preview")).to_have_attribute("data-status", "ready")
    expect(page.get_by_test_id("docx-preview")).to_contain_text("Bước 0: tiếp nhận")
    expect(page.get_by_test_id("preview-truncated")).to_contain_text(
        "Bản xem trước chỉ hiển thị 2.000 ký tự đầu của tài liệu; tải tệp gốc để xem đầy đủ."
    )
    expect(page.get_by_test_id("preview-download")).to_have_attribute("href", re.compile(r"/download/$"))
    assert "Bước 299" not in page.get_by_test_id("docx-preview").inner_text()
    shot(page, "documents-docx-preview-bounded")
