"""The base layout in a browser: one fixed, readable side menu on every page of every role."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from conftest import browser_login, shot
from core.tests.test_every_page import SKIP, world  # noqa: F401
from dossiers.tests.conftest import catalog  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [(1366, 768), (1920, 1080)]

# Width of the menu, and for each label the number of lines it takes (its text height over its line height).
MEASURE = """() => {
  const menu = document.querySelector('#sidebar');
  const labels = [...menu.querySelectorAll('.nav-link')].map(link => {
    const style = getComputedStyle(link);
    const text = link.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return [link.textContent.trim(), Math.round(text / parseFloat(style.lineHeight))];
  });
  return {width: menu.getBoundingClientRect().width, labels};
}"""


def reachable(page):
    """The pages a user reaches from the side menu and from the home page."""
    hrefs = page.eval_on_selector_all(
        "#sidebar a[href^='/'], main a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    urls = []
    for href in hrefs:
        path = urlsplit(href).path
        if href not in urls and not SKIP.search(path) and not re.search(r"/(docs|schema)/", path):
            urls.append(href)
    return urls


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT, Role.PROVINCIAL_VIEWER]
)
def test_side_menu_has_one_fixed_readable_width(page, users, world, role):  # noqa: F811
    browser_login(page, users[role].username)
    page.wait_for_url(page.base_url + "/")
    urls = reachable(page)
    assert len(urls) >= 5, urls
    widths, problems = {}, []
    for url in urls:
        page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
        response = page.goto(page.base_url + url)
        assert response.status < 400, url
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            measured = page.evaluate(MEASURE)
            widths.setdefault(width, {})[url] = measured["width"]
            problems += [
                f"{url} at {width}px: {label!r} on {lines} lines" for label, lines in measured["labels"] if lines > 2
            ]
    for width, by_url in widths.items():
        assert len(set(by_url.values())) == 1, f"menu width changes at {width}px: {by_url}"
        assert min(by_url.values()) >= 220, f"menu too narrow at {width}px: {by_url}"
    assert not problems, "\n".join(problems)
    shot(page, f"layout-menu-{role}")


def test_side_menu_collapses_on_small_screens(page, users):
    page.set_viewport_size({"width": 400, "height": 800})
    browser_login(page, users[Role.STAFF].username)
    menu = page.locator("#sidebar")
    assert not menu.is_visible()
    page.get_by_test_id("menu-toggle").click()
    menu.get_by_role("link", name="Trang chủ").wait_for()
    assert menu.is_visible()


# Options of the visible select boxes whose text does not fit in the box (the room left of the arrow).
CUT_OPTIONS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('select.form-select')].filter(s => s.offsetParent).flatMap(s => {
    const style = getComputedStyle(s);
    ctx.font = style.font;
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [...s.options].filter(o => ctx.measureText(o.text).width > room + 1).map(o => `${s.name}: ${o.text}`);
  });
}"""

LINES = """el => {
  const style = getComputedStyle(el);
  const text = el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return Math.round(text / parseFloat(style.lineHeight));
}"""

HOLDER = "Nguyễn Thị Phương Thảo Trang"
UNIT = "Phòng Đăng ký đất đai và Cấp giấy chứng nhận quyền sử dụng đất"


@pytest.fixture
def long_names(users, province, catalog):  # noqa: F811
    """55 dossiers held by a person with a long name in a unit with a long name, at steps with long names."""
    from dossiers import services
    from dossiers.tests.conftest import STEPS, T0, receive_row
    from procedures.services import save_process

    save_process(
        catalog["home"],
        province["agencies"]["land"],
        [
            {"code": c, "name": f"Lãnh đạo phê duyệt, ký kết quả ({c})", "responsible_unit": u, "days": d}
            for c, d, u in STEPS
        ],
    )
    for i in range(55):
        services.push_event(
            province["agencies"]["land"],
            receive_row(f"HS-{i:03}", T0, to_name=HOLDER, to_unit=UNIT, to_username="staff"),
        )


def test_select_boxes_show_their_whole_text(page, users, long_names):
    browser_login(page, users[Role.STAFF].username)
    for url in ["/dossiers/", "/dossiers/?mine=1"]:
        page.goto(page.base_url + url)
        assert page.evaluate(CUT_OPTIONS) == [], url
    page.locator("[data-testid=dossier-table] tbody a").first.click()
    page.get_by_test_id("handover-form").wait_for()
    assert page.locator("#id_step option").count() >= 1
    assert page.evaluate(CUT_OPTIONS) == []
    shot(page, "layout-selects-handover")


def test_dossier_list_rows_keep_to_one_line(page, users, long_names):
    browser_login(page, users[Role.PROVINCIAL_VIEWER].username)
    page.goto(page.base_url + "/dossiers/")
    assert page.locator("[data-testid=dossier-table] tbody tr").count() == 50
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 50 * 60, height
    holder = page.get_by_test_id("dossier-holder").first
    assert holder.evaluate(LINES) == 1
    assert holder.get_attribute("title") == f"{HOLDER} — {UNIT}"
    shot(page, "layout-dossier-list")


def test_searchable_select_ignores_diacritics(page, users, catalog):  # noqa: F811
    """Tom Select, served locally, on select[data-searchable]: "dat dai" finds "Đất đai", "dat do" the commune
    "UBND xã Đất Đỏ" (capital Đ); the choice goes into the form like a plain select's."""
    browser_login(page, users[Role.PROVINCIAL_VIEWER].username)
    page.goto(page.base_url + "/dossiers/analytics/")
    # Typed into Tom Select's own input (not page.keyboard): the keys cannot land before the control has focus.
    page.locator(".ts-control:has(#a-field-ts-control)").click()
    expect(page.locator("#a-field-ts-control")).to_be_focused()
    page.locator("#a-field-ts-control").press_sequentially("dat dai")
    options = page.locator("#a-field-ts-dropdown .option")
    expect(options).to_have_text(["Đất đai"])
    shot(page, "layout-searchable-select")
    options.first.click()
    assert page.locator("#a-field").input_value() == str(catalog["home"].field_id)
    expect(page.locator("#a-field-ts-dropdown")).to_be_hidden()
    page.locator(".ts-control:has(#a-agency-ts-control)").click()
    # Tom Select opens and focuses its input a tick after the click: typed earlier, the keys filtered nothing.
    expect(page.locator("#a-agency-ts-dropdown")).to_be_visible()
    expect(page.locator("#a-agency-ts-control")).to_be_focused()
    page.locator("#a-agency-ts-control").press_sequentially("dat do")
    expect(page.locator("#a-agency-ts-control")).to_have_value("dat do")
    agencies = page.locator("#a-agency-ts-dropdown .option")
    expect(agencies).to_have_text(["UBND xã Đất Đỏ"])
    page.keyboard.press("Enter")
    assert page.locator("#a-agency option:checked").inner_text() == "UBND xã Đất Đỏ"
    # Content swapped in by htmx gets searchable selects too.
    page.evaluate("""() => htmx.swap(document.querySelector('main .container-fluid'),
        '<select id="late" data-searchable><option>Hộ tịch</option><option>Đất đai</option></select>',
        {swapStyle: 'beforeend'})""")
    page.locator("#late-ts-control").wait_for()
