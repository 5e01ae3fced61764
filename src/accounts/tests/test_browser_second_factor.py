"""The second factor as a person meets it: an agency head, of whom EISO_OTP_REQUIRED requires it, logs in, reads the
key from the enrolment page into an authenticator app (here: django-otp's TOTP in Python) and types its code."""

import base64
import time

import pytest
from django_otp.oath import TOTP

from accounts.roles import Role
from conftest import browser_login, shot
from eiso.settings.base import OTP_REQUIRED_DEFAULT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret, steps=0):
    """What an authenticator app shows for the key (base32, as the page writes it): 6 digits, 30 s steps."""
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + 30 * steps
    return f"{totp.token():06d}"


def wrong_code(secret):
    near = {app_code(secret, steps) for steps in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in near)


def test_a_head_enrols_at_first_login_and_lands_on_home(page, users, settings):
    settings.EISO = {**settings.EISO, "OTP_REQUIRED": OTP_REQUIRED_DEFAULT}
    browser_login(page, users[Role.AGENCY_HEAD].username)
    page.get_by_test_id("otp-enrol-title").wait_for()
    assert "/accounts/two-factor/enrol/" in page.url and page.locator("#sidebar").count() == 0
    assert "bắt buộc dùng xác thực hai bước" in page.get_by_test_id("otp-required").inner_text()
    assert page.get_by_test_id("otp-qr").evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP lets it in
    shot(page, "otp-enrol")
    secret = page.get_by_test_id("otp-secret").inner_text()
    page.get_by_test_id("otp-token").fill(wrong_code(secret))
    page.get_by_test_id("otp-submit").click()
    assert "Mã xác thực không đúng" in page.get_by_test_id("field-error").inner_text()
    time.sleep(1.1)  # django-otp's throttle: 1 s after a wrong code
    page.get_by_test_id("otp-token").fill(app_code(page.get_by_test_id("otp-secret").inner_text()))  # the same key
    page.get_by_test_id("otp-submit").click()
    assert page.get_by_test_id("home-title").inner_text() == "Lãnh đạo cơ quan"
    assert "Đã bật xác thực hai bước" in page.content()
    shot(page, "otp-enrolled-home")
