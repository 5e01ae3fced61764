"""The base layout in a browser: one fixed, readable side menu on every page of every role."""

import re
from urllib.parse import urlsplit

import pytest

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
    hrefs = page.eval_on_selector_all("#sidebar a[href^='/'], main a[href^='/']",
                                      "els => els.map(e => e.getAttribute('href'))")
    urls = []
    for href in hrefs:
        path = urlsplit(href).path
        if href not in urls and not SKIP.search(path) and not re.search(r"/(docs|schema)/", path):
            urls.append(href)
    return urls


@pytest.mark.parametrize("role", [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT,
                                  Role.PROVINCIAL_VIEWER])
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
            problems += [f"{url} at {width}px: {label!r} on {lines} lines"
                         for label, lines in measured["labels"] if lines > 2]
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
