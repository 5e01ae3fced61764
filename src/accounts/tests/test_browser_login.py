import pytest

from accounts.roles import Role
from conftest import browser_login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_TITLES = {
    Role.STAFF: "Trang làm việc của tôi",
    Role.ISO_SECRETARY: "Điều hành HTQLCL của cơ quan",
    Role.AGENCY_HEAD: "Lãnh đạo cơ quan",
    Role.OVERSIGHT: "Theo dõi HTQLCL toàn tỉnh",
    Role.PROVINCIAL_VIEWER: "Tổng quan HTQLCL toàn tỉnh",
}


@pytest.mark.parametrize("role", list(HOME_TITLES))
def test_each_role_lands_on_its_own_home(page, users, role):
    user = users[role]
    browser_login(page, user.username)
    title = page.get_by_test_id("home-title")
    assert title.inner_text() == HOME_TITLES[role]
    assert user.agency.name in page.content()
    shot(page, f"home-{role.value}")


def test_wrong_password_is_refused_with_a_clear_message_then_the_account_locks(page, users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    browser_login(page, users[Role.STAFF].username, "wrong-password")
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.get_by_test_id("login-error").inner_text()
    assert page.url.endswith("/accounts/login/")
    shot(page, "login-error")
    browser_login(page, users[Role.STAFF].username, "wrong-again")
    browser_login(page, users[Role.STAFF].username, "and-again")  # the third failure locks
    browser_login(page, users[Role.STAFF].username)  # the right password is refused while locked
    assert "tạm thời bị khóa đăng nhập trong 15 phút" in page.get_by_test_id("login-locked").inner_text()
    assert page.get_by_test_id("home-title").count() == 0
    shot(page, "login-locked")


def test_english_can_be_chosen(page, users):
    browser_login(page, users[Role.OVERSIGHT].username)
    with page.expect_navigation():  # the select submits its form; wait for the new page, not the old one
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("home-title").inner_text() == "Province-wide QMS oversight"
    shot(page, "home-oversight-english")
