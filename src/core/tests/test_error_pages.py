"""The pages a visitor sees when something goes wrong, as the demo and production serve them (DEBUG off)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from accounts.roles import Role

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("logged_in", [False, True])
@override_settings(DEBUG=False)
def test_unknown_address_shows_the_vietnamese_404_page(client, users, logged_in):
    if logged_in:
        client.force_login(users[Role.STAFF])
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="not-found"' in html and "Không tìm thấy trang" in html
    assert "Page not found" not in html and "Request Method" not in html


@override_settings(DEBUG=False, ROOT_URLCONF="core.tests.urls_error")
def test_a_failing_view_shows_the_vietnamese_500_page():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-testid="server-error"' in html and "Lỗi hệ thống" in html
    assert "Server Error" not in html and "RuntimeError" not in html and "Traceback" not in html


def test_the_500_page_needs_no_database_and_no_request():
    from django.template import loader

    with pytest.MonkeyPatch.context() as mp:
        from django.db.backends.base.base import BaseDatabaseWrapper

        mp.setattr(BaseDatabaseWrapper, "cursor", lambda self: pytest.fail("the 500 page queried the database"))
        html = loader.get_template("500.html").render()
    assert "Lỗi hệ thống" in html


@pytest.mark.parametrize("demo, listed", [(True, True), (False, False)])
def test_demo_accounts_follow_the_demo_setting_not_debug(client, settings, demo, listed):
    from accounts.demo import DEMO_ACCOUNTS

    settings.DEBUG = not demo  # the list follows EISO["DEMO"] whatever DEBUG says
    settings.EISO = {**settings.EISO, "DEMO": demo}
    html = client.get("/accounts/login/").content.decode()
    assert (f"<code>{DEMO_ACCOUNTS[0][0]}</code>" in html) is listed


@pytest.mark.parametrize("value, debug", [("0", False), ("1", True)])
def test_the_demo_settings_take_debug_from_the_environment(value, debug):
    env = {**os.environ, "EISO_DEBUG": value, "DJANGO_SETTINGS_MODULE": "eiso.settings.dev", "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == str(debug)
