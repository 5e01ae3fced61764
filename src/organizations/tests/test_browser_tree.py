import pytest

from accounts.roles import Role
from conftest import browser_login, shot
from organizations.models import Agency, AgencyChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_oversight_browses_the_tree_and_searches_without_diacritics(page, users, province):
    browser_login(page, users[Role.OVERSIGHT].username)
    page.get_by_role("link", name="Cơ quan, đơn vị").first.click()
    tree = page.get_by_test_id("agency-tree")
    for name in ("UBND Tỉnh Vĩnh Long", "Sở Nông nghiệp và Môi trường", "UBND xã Đất Đỏ"):
        assert tree.get_by_text(name, exact=True).is_visible()
    assert "Bắt buộc" in tree.inner_text() and "Khuyến khích" in tree.inner_text()
    assert "An Giang" not in page.content()
    shot(page, "agency-tree")
    page.get_by_test_id("agency-search").fill("dat do")
    page.get_by_test_id("agency-table").get_by_role("link", name="UBND xã Đất Đỏ").wait_for()
    assert "Sở Khoa học" not in page.get_by_test_id("agency-table").inner_text()
    assert "q=dat%20do" in page.url  # the search is kept in the address (shareable, back button)
    page.get_by_role("link", name="UBND xã Đất Đỏ").click()
    assert page.get_by_test_id("agency-name").inner_text() == "UBND xã Đất Đỏ"
    assert "Khuyến khích" in page.content()
    shot(page, "agency-detail")


def test_oversight_creates_moves_and_merges(page, users, province):
    a = province["agencies"]
    browser_login(page, users[Role.OVERSIGHT].username)
    # create under the provincial committee
    page.goto(page.base_url + a["root"].get_absolute_url())
    page.get_by_role("link", name="Thêm đơn vị trực thuộc").click()
    page.fill("#id_name", "UBND xã Tân Lập")
    page.fill("#id_code", "XA-TL")
    page.select_option("#id_kind", label="UBND cấp xã")
    page.fill("#id_established_on", "01/07/2025")
    page.get_by_role("button", name="Lưu").click()
    assert page.get_by_test_id("agency-name").inner_text() == "UBND xã Tân Lập"
    assert "Đã tạo cơ quan" in page.content() and "01/07/2025" in page.content()
    new = Agency.objects.get(code="XA-TL")
    assert new.parent_id == a["root"].pk and new.obligation == "encouraged"

    # a move that would create a cycle is refused with the reason
    page.goto(page.base_url + a["root"].get_absolute_url())
    page.get_by_role("link", name="Chuyển cấp trên").click()
    page.select_option("#id_parent", label="Sở Nông nghiệp và Môi trường")
    page.get_by_role("button", name="Chuyển").click()
    assert "đơn vị trực thuộc của nó" in page.get_by_test_id("field-error").inner_text()
    shot(page, "agency-move-cycle-refused")
    assert Agency.objects.get(pk=a["root"].pk).parent_id is None

    # merge two communes: the new agency is flagged for a scope review, the old ones are history
    page.goto(page.base_url + "/agencies/merge/")
    page.select_option("#id_agencies", label=["UBND xã Đất Đỏ", "UBND xã Tân Lập"])
    page.fill("#id_name", "UBND xã Đất Đỏ Mới")
    page.fill("#id_code", "XA-DDM")
    page.fill("#id_effective_on", "01/07/2025")
    page.fill("#id_decision", "Nghị quyết 1687/NQ-UBTVQH15")
    page.get_by_role("button", name="Hợp nhất").click()
    assert page.get_by_test_id("agency-name").inner_text() == "UBND xã Đất Đỏ Mới"
    assert page.get_by_test_id("scope-review").is_visible()
    changes = page.get_by_test_id("changes").inner_text()
    assert "UBND xã Đất Đỏ" in changes and "UBND xã Tân Lập" in changes
    shot(page, "agency-merged")
    assert Agency.objects.get(pk=a["commune_a"].pk).status == Agency.Status.MERGED
    assert AgencyChange.objects.filter(kind="merger").count() == 1

    # the oversight home lists it among the agencies to review
    page.goto(page.base_url + "/")
    assert "UBND xã Đất Đỏ Mới" in page.content()


def test_staff_cannot_open_another_agency(page, users, province):
    browser_login(page, users[Role.STAFF].username)
    page.goto(page.base_url + province["agencies"]["commune_a"].get_absolute_url())
    assert page.get_by_test_id("forbidden").inner_text() == "Không có quyền truy cập"
    assert "UBND xã Đất Đỏ" not in page.content()
    shot(page, "forbidden")


def test_oversight_splits_an_agency(page, users, province):
    agency = province["agencies"]["commune_b"]
    browser_login(page, users[Role.OVERSIGHT].username)
    page.goto(page.base_url + agency.get_absolute_url())
    page.get_by_role("link", name="Chia tách").click()
    page.fill("#id_names", "XA2-A; UBND phường Ánh Dương A\nXA2-B; UBND phường Ánh Dương B")
    page.fill("#id_effective_on", "01/01/2026")
    page.get_by_role("button", name="Chia tách").click()
    assert "Đã chia tách thành 2 cơ quan mới" in page.content()
    assert "Đã chia tách" in page.get_by_test_id("agency-name").locator("..").inner_text()
    changes = page.get_by_test_id("changes").inner_text()
    assert "UBND phường Ánh Dương A" in changes and "UBND phường Ánh Dương B" in changes
    shot(page, "agency-split")
    page.get_by_test_id("changes").get_by_role("link", name="UBND phường Ánh Dương A").click()
    assert page.get_by_test_id("scope-review").is_visible()
