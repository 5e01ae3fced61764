"""The main flow of account management, in a browser."""

import pytest

from accounts.models import User
from accounts.roles import Role
from conftest import browser_login, shot
from core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Song-Co-Chien@2026"


def test_oversight_creates_a_commune_account_and_the_secretary_manages_its_staff(page, users, province):
    commune = province["agencies"]["commune_a"]
    leaving = User.objects.create_user(
        "tranvanb", agency=users[Role.STAFF].agency, last_name="Trần Văn", first_name="Bình", unit="Văn phòng"
    )

    # the oversight officer creates an ISO secretary's account for a commune
    browser_login(page, users[Role.OVERSIGHT].username)
    page.get_by_role("link", name="Người dùng").click()
    page.get_by_test_id("user-add").click()
    page.fill("#id_username", "xadatdo.thuky")
    page.fill("#id_last_name", "Lê Thị")
    page.fill("#id_first_name", "Hoa")
    page.select_option("#id_agency", label=commune.name)
    page.select_option("#id_role", Role.ISO_SECRETARY.value)
    page.fill("#id_unit", "Văn phòng HĐND và UBND")
    page.fill("#id_position", "Công chức Văn phòng - Thống kê")
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_confirm", NEW_PASSWORD)
    shot(page, "accounts-create-form")
    page.get_by_role("button", name="Lưu").click()
    assert page.get_by_test_id("user-name").inner_text() == "Lê Thị Hoa"
    info = page.get_by_test_id("user-info").inner_text()
    assert commune.name in info and "Thư ký ISO" in info
    created = User.objects.get(username="xadatdo.thuky")
    assert created.agency == commune and created.check_password(NEW_PASSWORD)
    shot(page, "accounts-created")

    # the ISO secretary of the department: a staff member's unit, then another one deactivated
    page.context.clear_cookies()
    browser_login(page, users[Role.ISO_SECRETARY].username)
    page.get_by_role("link", name="Người dùng").click()
    page.get_by_test_id("user-search").fill("nguyen staff")  # without diacritics
    page.get_by_test_id("user-filter-submit").click()
    assert page.get_by_test_id("user-row").count() == 1
    assert "xadatdo.thuky" not in page.content()  # another agency's account is not listed
    page.get_by_role("link", name="Nguyễn staff").click()
    page.get_by_test_id("user-edit").click()
    page.fill("#id_unit", "Phòng Kế hoạch - Tài chính")
    page.get_by_role("button", name="Lưu").click()
    assert "Phòng Kế hoạch - Tài chính" in page.get_by_test_id("user-info").inner_text()
    history = page.get_by_test_id("history").inner_text()
    assert "Phòng, bộ phận: — → Phòng Kế hoạch - Tài chính" in history
    shot(page, "accounts-unit-changed")

    page.goto(page.base_url + leaving.get_absolute_url())
    page.get_by_test_id("user-deactivate").click()
    assert "Trần Văn Bình" in page.get_by_test_id("confirm-question").inner_text()
    page.fill("#id_comment", "Chuyển công tác")
    shot(page, "accounts-deactivate-confirm")
    page.get_by_test_id("confirm-submit").click()
    assert page.get_by_test_id("user-status").inner_text() == "Đã ngừng kích hoạt"
    assert "Chuyển công tác" in page.get_by_test_id("history").inner_text()
    leaving.refresh_from_db()
    assert not leaving.is_active
    entry = AuditEntry.objects.for_object(leaving).order_by("seq").last()
    assert entry.actor == users[Role.ISO_SECRETARY] and entry.changes == {"is_active": [True, False]}

    page.get_by_role("link", name="Người dùng").first.click()
    assert "tranvanb" not in page.get_by_test_id("user-table").inner_text()  # deactivated: hidden by default
    shot(page, "accounts-list")
