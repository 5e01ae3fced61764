"""The pages work under the Content-Security-Policy: charts, htmx, searchable selects, the language switch, the
API documentation (Swagger UI) and the admin, with no violation reported by the browser."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from conftest import PASSWORD, browser_login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page):
    seen = []
    page.on("console", lambda m: seen.append((page.url, m.text)) if "Content Security Policy" in m.text else None)
    return seen


def test_pages_work_under_the_csp(page, users, django_user_model):
    violations = watch_violations(page)
    browser_login(page, users[Role.OVERSIGHT].username)
    response = page.goto(page.base_url + "/dossiers/analytics/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    # The charts are drawn by the inline script that carries the nonce.
    assert page.evaluate("() => !!Chart.getChart('chart-field') && !!Chart.getChart('chart-month')")
    expect(page.locator(".ts-control").first).to_be_visible()  # Tom Select ran (eiso.js)
    for path in ["/", "/dossiers/", "/documents/", "/procedures/", "/agencies/"]:
        page.goto(page.base_url + path)
    page.goto(page.base_url + "/audit/")
    with page.expect_navigation():  # data-autosubmit: the listener in eiso.js, not an inline onchange
        page.select_option("select[name=action]", index=1)
    assert "action=" in page.url
    page.goto(page.base_url + "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    shot(page, "csp-swagger")
    django_user_model.objects.create_superuser("quantri", "quantri@example.vn", PASSWORD)
    page.context.clear_cookies()
    page.goto(page.base_url + "/admin/login/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(page.base_url + "/admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    assert violations == []
