"""Fixtures shared by every app's tests: a small province, one user per role, and a browser."""

import os
from pathlib import Path

import pytest

from accounts.roles import Role

PASSWORD = "Test@password-2026"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: API rate counts and failure counts do not carry over."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _flush_lifts_the_audit_guard():
    """Transactional tests empty every table afterwards; the audit table's triggers refuse that (core.dbguard), so
    the runner's flush, and only it, runs with them lifted (core.tests.appendonly)."""
    from core.tests.appendonly import install_flush_hook

    undo = install_flush_hook()
    yield
    undo()


@pytest.fixture(autouse=True)
def _empty_anchor_store():
    """Each test starts with no audit anchors (an in-memory storage in the test settings)."""
    from django.core.files.storage import storages

    storages._storages.pop("audit_anchors", None)
    yield


@pytest.fixture
def kinds(db):
    from organizations.models import AgencyKind, Obligation

    def kind(code, name, obligation, order, commune=False):
        return AgencyKind.objects.create(
            code=code, name=name, default_obligation=obligation, order=order, is_commune_committee=commune
        )

    return {
        "provincial_committee": kind("provincial_committee", "UBND cấp tỉnh", Obligation.MANDATORY, 1),
        "department": kind("department", "Sở", Obligation.MANDATORY, 2),
        "commune_committee": kind("commune_committee", "UBND cấp xã", Obligation.ENCOURAGED, 5, commune=True),
    }


@pytest.fixture
def province(kinds):
    """Two provinces, each with a committee, two departments and two communes."""
    from organizations.models import Agency, Province

    def make(code, name):
        p = Province.objects.create(code=code, name=name)
        root = Agency.objects.create(
            province=p, kind=kinds["provincial_committee"], code="UBND", name=f"UBND {name}", obligation="mandatory"
        )
        agencies = {"root": root}
        for key, kcode, aname in [
            ("land", "SNNMT", "Sở Nông nghiệp và Môi trường"),
            ("science", "SKHCN", "Sở Khoa học và Công nghệ"),
        ]:
            agencies[key] = Agency.objects.create(
                province=p, kind=kinds["department"], code=kcode, name=aname, parent=root, obligation="mandatory"
            )
        for key, kcode, aname in [
            ("commune_a", "XA1", "UBND xã Đất Đỏ"),
            ("commune_b", "XA2", "UBND phường Ánh Dương"),
        ]:
            agencies[key] = Agency.objects.create(
                province=p,
                kind=kinds["commune_committee"],
                code=kcode,
                name=aname,
                parent=root,
                obligation="encouraged",
            )
        return p, agencies

    home, home_agencies = make("86", "Tỉnh Vĩnh Long")
    other, other_agencies = make("91", "Tỉnh An Giang")
    return {"province": home, "agencies": home_agencies, "other": other, "other_agencies": other_agencies}


@pytest.fixture
def users(province):
    """One user per role in the home province, plus an agency user of the other province."""
    from accounts.models import User

    a = province["agencies"]

    def make(username, role, agency):
        return User.objects.create_user(
            username=username, password=PASSWORD, role=role, agency=agency, last_name="Nguyễn", first_name=username
        )

    return {
        Role.STAFF: make("staff", Role.STAFF, a["land"]),
        Role.ISO_SECRETARY: make("secretary", Role.ISO_SECRETARY, a["land"]),
        Role.AGENCY_HEAD: make("head", Role.AGENCY_HEAD, a["land"]),
        Role.OVERSIGHT: make("oversight", Role.OVERSIGHT, a["science"]),
        Role.PROVINCIAL_VIEWER: make("viewer", Role.PROVINCIAL_VIEWER, a["root"]),
        "other_staff": make("other_staff", Role.STAFF, province["other_agencies"]["land"]),
        "other_oversight": make("other_oversight", Role.OVERSIGHT, province["other_agencies"]["science"]),
    }


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


# -- browser ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright runs an event loop
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("EISO_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    # an English-language browser: eISO must still speak Vietnamese until the user switches
    context = browser.new_context(viewport={"width": 1366, "height": 850}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        shot(page, f"FAILED-{request.node.name}")
    context.close()


def shot(page, name):
    """Save a full-page screenshot under test-output/screenshots/."""
    folder = OUTPUT / "screenshots" / os.environ.get("EISO_DB_LABEL", "db")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def browser_login(page, username, password=PASSWORD):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
