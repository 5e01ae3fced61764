import datetime as dt

import pytest

from accounts.roles import Role
from conftest import browser_login, shot
from dossiers import services
from dossiers.models import Dossier

from .conftest import T0, receive_row, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Mã sự kiện,Mã hồ sơ,Loại sự kiện,Thời điểm,Bước,Người giao,Người nhận,Đơn vị nhận,Mã thủ tục,Người nộp\n"
ROWS = [
    "E1,HS-1,Tiếp nhận,02/03/2026 08:30,receive,,Lê Thị Hoa,Bộ phận một cửa,1.004227,Nguyễn Văn Đông\n",
    "E2,HS-1,Chuyển xử lý,02/03/2026 10:00,review,Lê Thị Hoa,Phạm Quốc Việt,Phòng Đăng ký đất đai,,\n",
    "E3,HS-404,Chuyển xử lý,02/03/2026 10:00,review,,,,,\n",
    "E4,HS-1,Chuyển xử lý,01/03/2026 10:00,approve,,,,,\n",
    "E5,HS-2,Tiếp nhận,02/03/2026 08:30,,,,,0.000,Trần Thị Ánh\n",
]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])  # the Python reader; Arrow's (well-formed UTF-8)
def test_bulk_import_with_progress_and_error_report(page, users, catalog, tmp_path, encoding):
    path = tmp_path / "mot-cua.csv"
    path.write_bytes((HEADER + "".join(ROWS)).encode(encoding))
    browser_login(page, users[Role.ISO_SECRETARY].username)
    page.goto(page.base_url + "/dossiers/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_test_id("import-submit").click()
    page.get_by_test_id("import-status").wait_for()
    assert page.get_by_test_id("import-status").inner_text() == "Hoàn thành"
    assert page.get_by_test_id("import-progress").get_attribute("aria-valuenow") == "100"
    assert page.get_by_test_id("rows-stored").inner_text() == "2"
    assert page.get_by_test_id("rows-error").inner_text() == "3"
    table = page.get_by_test_id("error-table").inner_text()
    assert "HS-404" in table and "sai thứ tự thời gian" in table and "0.000" in table
    assert "Mã hồ sơ=HS-404" in table and "dossier_code" not in table  # the row under the file's own headers
    shot(page, f"dossiers-import-errors-{encoding}")
    with page.expect_download() as download:
        page.get_by_test_id("errors-csv").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "Dòng,Lý do,Nội dung dòng" and len(report.splitlines()) == 4
    # Importing the same file again stores nothing twice.
    page.goto(page.base_url + "/dossiers/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_test_id("import-submit").click()
    assert page.get_by_test_id("rows-stored").inner_text() == "0"
    assert Dossier.objects.get(code="HS-1").events.count() == 2


def test_receive_hand_over_and_control_sheet(page, users, catalog):
    browser_login(page, users[Role.STAFF].username)
    page.goto(page.base_url + "/dossiers/")
    page.get_by_test_id("receive-dossier").click()
    page.select_option("#id_procedure", label="1.004227 Đăng ký biến động quyền sử dụng đất")
    page.fill("#id_applicant_name", "Thạch Thị Sa Rết")
    page.get_by_test_id("receive-submit").click()
    assert "Đã tiếp nhận hồ sơ" in page.content()
    # the next step only: the process's steps are not skipped
    assert page.locator("#id_step option[value=review]").count() == 0
    page.select_option("#id_step", "transfer")
    page.get_by_test_id("handover-submit").click()
    assert "Chọn người nhận hồ sơ" in page.content()  # a dossier always has a holder
    page.select_option("#id_step", "transfer")
    page.select_option("#id_to_user", label="Nguyễn head")
    page.get_by_test_id("handover-submit").click()
    assert "Đã ghi nhận: Chuyển xử lý" in page.content()
    shot(page, "dossiers-detail")
    page.get_by_test_id("control-sheet-link").click()
    sheet = page.get_by_test_id("control-sheet").inner_text()
    assert "Tiếp nhận" in sheet and "Đúng hạn" in sheet
    shot(page, "dossiers-control-sheet")
    # Found again from the list, typed without diacritics.
    page.goto(page.base_url + "/dossiers/")
    page.get_by_test_id("dossier-search").fill("thach thi sa ret")
    page.get_by_test_id("dossier-search").press("Enter")
    assert "Thạch Thị Sa Rết" in page.locator("table").inner_text()
    shot(page, "dossiers-search")


def test_late_dossier_apology_and_analytics_charts(page, users, catalog, province):
    land = province["agencies"]["land"]
    services.push_event(land, receive_row(to_username="staff"))
    services.push_event(
        land,
        row(
            "HS-001",
            "e2",
            "transfer",
            T0 + dt.timedelta(days=1),
            step="review",
            to_name="Chuyên viên",
            to_username="staff",
            to_unit="Phòng Đăng ký đất đai",
        ),
    )
    services.push_event(land, receive_row("HS-002", T0 + dt.timedelta(days=3)))
    services.push_event(land, row("HS-002", "x2", "return", T0 + dt.timedelta(days=4)))
    services.push_event(land, receive_row("HS-003", T0))
    services.push_event(land, row("HS-003", "x3", "return", T0 + dt.timedelta(days=40)))  # returned late
    browser_login(page, users[Role.STAFF].username)
    assert page.get_by_test_id("held-late").inner_text().startswith("1")
    dossier = Dossier.objects.get(code="HS-001")
    page.goto(page.base_url + dossier.get_absolute_url())
    page.get_by_test_id("apology-link").click()
    page.fill("#id_reason", "Cần xác minh thực địa ranh giới thửa đất")
    page.fill("#id_new_due_at", "31/12/2035 16:00")
    page.get_by_test_id("apology-submit").click()
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as response:
        page.get_by_test_id("apology-pdf").click()
    assert response.value.headers["content-type"] == "application/pdf"
    # The oversight officer in a browser of their own (clearing cookies while the PDF response is
    # still arriving raced with the new login's CSRF cookie).
    staff_page = page
    page = staff_page.context.browser.new_context(viewport={"width": 1366, "height": 850}).new_page()
    page.base_url = staff_page.base_url
    browser_login(page, users[Role.OVERSIGHT].username)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page.base_url + "/dossiers/analytics/")
    page.wait_for_timeout(500)
    assert not errors, errors
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length >= 2")
    # two completed dossiers, one returned on time, one late; the late HS-001 is still open (decimal comma)
    assert page.get_by_test_id("total-rate").inner_text() == "50,0%"
    assert "Đất đai" in page.get_by_test_id("by-field").inner_text()
    # The bottleneck table, from the late-step summary: HS-001's receipt step ended late (handed on a day later).
    bottlenecks = page.get_by_test_id("bottlenecks").inner_text()
    assert "Bước receive" in bottlenecks and "Bộ phận một cửa" in bottlenecks
    # "the agencies with the most late dossiers" plots their late dossiers, not their rates
    late_by_agency = page.evaluate("() => Chart.getChart('chart-agency').data.datasets[0]")
    assert late_by_agency["label"] == "Hồ sơ trễ hạn" and late_by_agency["data"] == [
        Dossier.objects.filter(agency=land, status="returned", is_late=True).count()
    ] == [1]
    shot(page, "dossiers-analytics")
    # the province-wide officer picks an agency: the figures are that agency's
    page.select_option("#a-agency", label=province["agencies"]["science"].name)
    page.get_by_role("button", name="Xem").click()
    assert page.get_by_test_id("total-rate").inner_text() == "—"
    assert "agency=" in page.url
    page.context.close()


def test_catalog_and_process_definition_in_the_browser(page, users, catalog):
    browser_login(page, users[Role.ISO_SECRETARY].username)
    page.goto(page.base_url + "/procedures/?q=dang ky bien dong")
    page.get_by_role("link", name="1.004227").click()
    assert "Đăng ký biến động" in page.get_by_test_id("procedure-name").inner_text()
    page.get_by_test_id("define-process").click()
    page.fill("#id_form-2-days", "6")
    page.get_by_test_id("save-process").click()
    assert "khác thời hạn giải quyết" in page.get_by_test_id("form-errors").inner_text()
    shot(page, "procedures-process-error")
    page.fill("#id_form-2-days", "7")
    page.get_by_test_id("save-process").click()
    assert "Đã lưu quy trình" in page.content()
    shot(page, "procedures-detail")


def test_the_head_signs_what_he_holds_and_the_secretary_acts_for_an_absent_holder(page, users, catalog, province):
    land = province["agencies"]["land"]
    now = dt.datetime.now(dt.UTC)
    services.push_event(land, receive_row("KY-1", at=now - dt.timedelta(hours=3), to_username="staff"))
    for i, (step, to) in enumerate([("transfer", "staff"), ("review", "staff"), ("approve", "head")], start=2):
        services.push_event(
            land,
            row(
                "KY-1",
                f"k{i}",
                "transfer",
                now - dt.timedelta(hours=3 - i * 0.5),
                step=step,
                to_username=to,
                to_name=f"Nguyễn {to}",
            ),
        )
    services.push_event(
        land, receive_row("VANG-1", at=now - dt.timedelta(hours=1), to_username="staff", to_name="Nguyễn staff")
    )
    browser_login(page, users[Role.AGENCY_HEAD].username)
    panel = page.get_by_test_id("held-panel")
    assert "Hồ sơ chờ tôi ký, phê duyệt" in panel.inner_text()
    shot(page, "dossiers-head-home")
    panel.get_by_text("KY-1").click()
    page.get_by_test_id("return-submit").click()
    assert "Đã ghi nhận: Trả kết quả" in page.content()
    assert Dossier.objects.get(code="KY-1").status == "returned"
    # the ISO secretary hands over a dossier whose holder is absent: the reason is required, the sheet names both
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Đăng xuất").click()
    browser_login(page, users[Role.ISO_SECRETARY].username)
    page.goto(page.base_url + Dossier.objects.get(code="VANG-1").get_absolute_url())
    assert page.get_by_test_id("acting-for").is_visible()
    page.select_option("#id_step", "transfer")
    page.select_option("#id_to_user", label="Nguyễn head")
    page.get_by_test_id("handover-submit").click()
    assert "cần ghi rõ lý do" in page.content()
    page.select_option("#id_step", "transfer")
    page.select_option("#id_to_user", label="Nguyễn head")
    page.fill("#id_note", "Người giữ hồ sơ đi công tác")
    page.get_by_test_id("handover-submit").click()
    assert "Đã ghi nhận: Chuyển xử lý" in page.content()
    assert "thay mặt Nguyễn staff" in page.get_by_test_id("control-sheet").inner_text()
    shot(page, "dossiers-acting-for")


def test_the_long_list_pages_on_back_to_its_start_and_jumps_to_a_day(page, users, catalog, province):
    """Keyset pages: "Sau ›" and "‹ Trước" keep the filter, "« Đầu danh sách" goes back to the newest, a day typed
    dd/mm/yyyy starts the list at that day's last dossier; the count above the cap reads "Hơn …"."""
    from django.utils import timezone
    from playwright.sync_api import expect

    from .test_list_pages import MOMENTS, _dossiers

    Dossier.objects.bulk_create(_dossiers(province["agencies"]["land"], catalog["home"], 120, "SNN"))
    browser_login(page, users[Role.PROVINCIAL_VIEWER].username)
    page.goto(page.base_url + "/dossiers/")
    rows = page.locator("[data-testid=dossier-table] tbody tr")
    expect(rows).to_have_count(50)
    expect(page.get_by_test_id("list-count")).to_have_text("120 hồ sơ")
    newest = rows.first.locator("td").first.inner_text()
    page.get_by_test_id("page-next").click()
    expect(rows).to_have_count(50)
    assert rows.first.locator("td").first.inner_text() != newest
    page.get_by_test_id("page-next").click()
    expect(rows).to_have_count(20)
    expect(page.get_by_test_id("page-next")).to_have_count(0)
    page.get_by_test_id("page-previous").click()
    expect(rows).to_have_count(50)
    page.get_by_test_id("page-first").click()
    expect(rows.first.locator("td").first).to_have_text(newest)
    expect(page.get_by_test_id("page-previous")).to_have_count(0)
    # Filtered, then a day: the filter stays, the list starts at that day.
    page.select_option("#id_status", "returned")
    page.get_by_role("button", name="Lọc").click()
    day = timezone.localtime(MOMENTS[5])
    page.get_by_test_id("jump-date").fill(day.strftime("%d/%m/%Y"))
    page.get_by_test_id("jump-date").press("Enter")
    expect(page.get_by_test_id("list-count")).to_contain_text(f"từ ngày tiếp nhận {day:%d/%m/%Y} trở về trước")
    assert "status=returned" in page.url and "from=" in page.url
    received = rows.locator("td:nth-child(5)").all_inner_texts()
    assert received and all(text.startswith(day.strftime("%d/%m/%Y")) for text in received[:1])
    expect(page.get_by_test_id("jump-date")).to_have_value(day.strftime("%d/%m/%Y"))
    shot(page, "dossiers-list-jump-to-day")
    page.get_by_test_id("page-previous").click()
    assert "status=returned" in page.url and "before=" in page.url
