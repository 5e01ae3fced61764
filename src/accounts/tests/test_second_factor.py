"""The optional second factor (TOTP, django-otp): required of some roles by EISO_OTP_REQUIRED, voluntary otherwise;
and the account manager's two rescue actions: unlock a login locked by django-axes, reset a lost phone's TOTP."""

import base64
import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from eiso.settings.base import OTP_REQUIRED_DEFAULT, env_otp_required

pytestmark = pytest.mark.django_db

PASSWORD = "Test@password-2026"
ENROL = reverse("accounts:otp_enrol")
VERIFY = reverse("accounts:otp_verify")


def totp(device, steps=0):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return totp


def code(device):
    """The device's code as the phone computes it (django-otp's TOTP): now, or the next time step when this one was
    used already (a code is accepted once)."""
    steps = 0
    while totp(device, steps).t() <= device.last_t:
        steps += 1
    return f"{totp(device, steps).token():0{device.digits}d}"


def wrong(device):
    near = {f"{totp(device, steps).token():06d}" for steps in range(-2, 4)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in near)


def login(client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@pytest.fixture
def required(settings):
    settings.EISO = {**settings.EISO, "OTP_REQUIRED": OTP_REQUIRED_DEFAULT}


def device_for(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def events(user):
    return list(
        AuditEntry.objects.filter(object_id=str(user.pk), action=AuditEntry.Action.EVENT)
        .order_by("timestamp", "id")
        .values_list("comment", flat=True)
    )


# -- the setting ------------------------------------------------------------------------------------------------
def test_the_setting_is_off_by_default_and_1_means_heads_oversight_and_administrators(monkeypatch, settings):
    assert settings.EISO["OTP_REQUIRED"] == ()
    cases = [("", ()), ("0", ()), ("off", ()), ("1", OTP_REQUIRED_DEFAULT), ("on", OTP_REQUIRED_DEFAULT)]
    for value, expected in cases:
        monkeypatch.setenv("EISO_OTP_REQUIRED", value)
        assert env_otp_required("EISO_OTP_REQUIRED") == expected
    monkeypatch.setenv("EISO_OTP_REQUIRED", "Oversight, admin")
    assert env_otp_required("EISO_OTP_REQUIRED") == ("oversight", "admin")


def test_required_of_heads_oversight_and_administrators_only(users, required):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    staff_flag = User.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    needed = {u.username for u in [*users.values(), admin, staff_flag] if services.second_factor_required(u)}
    assert needed == {"head", "oversight", "other_oversight", "root", "clerk"}


def test_off_by_default_nobody_is_asked(users, client):
    login(client, "head")
    assert client.get("/").status_code == 200
    assert client.get(reverse("accounts:user_list")).status_code == 200


# -- enrolment when required -------------------------------------------------------------------------------------
def test_a_head_is_sent_to_enrolment_and_confirms_with_the_apps_code(users, client, required):
    head = users[Role.AGENCY_HEAD]
    assert login(client, "head")["Location"] == "/"
    for url in ["/", reverse("accounts:user_list"), "/documents/", "/admin/"]:
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(ENROL), url
    page = client.get(ENROL + "?next=/documents/").content.decode()
    assert "bắt buộc dùng xác thực hai bước" in page and 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=head, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == device.bin_key
    assert client.get(ENROL).content.decode().count(secret) == 1  # the same key until confirmed

    refused = client.post(ENROL, {"token": wrong(device), "next": "/documents/"})
    assert refused.status_code == 200 and "Mã xác thực không đúng hoặc đã hết hạn" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1  # counted by django-otp's throttle
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # the 1 s wait, elapsed

    done = client.post(ENROL, {"token": code(device), "next": "/documents/"})
    assert done.status_code == 302 and done["Location"] == "/documents/"
    device.refresh_from_db()
    assert device.confirmed and TOTPDevice.objects.filter(user=head).count() == 1
    assert client.get("/").status_code == 200 and client.get(reverse("accounts:user_list")).status_code == 200
    assert "Bật xác thực hai bước" in events(head)

    client.post(reverse("accounts:logout"))  # the next login asks for the code
    login(client, "head")
    assert client.get("/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"token": code(device), "next": "/"})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_bad_code_format_is_refused_and_nothing_is_confirmed(users, client, required):
    login(client, "oversight")
    client.get(ENROL)
    for token in ["", "12345", "abcdef", "1234567"]:
        answer = client.post(ENROL, {"token": token})
        assert answer.status_code == 200 and "Mã xác thực" in answer.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_staff_are_not_asked_when_it_is_required_of_heads(users, client, required):
    login(client, "staff")
    assert client.get("/").status_code == 200


# -- the code at login -------------------------------------------------------------------------------------------
def test_with_a_device_the_code_comes_before_any_page_and_the_admin(client, required, province):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    device = device_for(admin)
    login(client, "root")
    for url in ["/", "/admin/", "/admin/accounts/user/"]:
        assert client.get(url)["Location"].startswith(VERIFY), url
    refused = client.post(VERIFY, {"token": wrong(device)})
    assert refused.status_code == 200 and "Mã xác thực không đúng" in refused.content.decode()
    assert client.get("/admin/").status_code == 302
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    assert client.post(VERIFY, {"token": code(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_wrong_codes_are_throttled_by_django_otp(users, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute after the first failure: the test cannot outrun it
    device = device_for(users[Role.STAFF])
    login(client, "staff")
    client.post(VERIFY, {"token": wrong(device)})
    throttled = client.post(VERIFY, {"token": code(device)})  # the right code, too soon
    assert "Nhập sai mã quá nhiều lần: hãy chờ" in throttled.content.decode()
    assert client.get("/").status_code == 302


def test_the_language_and_logout_stay_reachable_and_htmx_is_redirected_whole(users, client, required):
    login(client, "head")
    assert client.post(reverse("set_language"), {"language": "en", "next": ENROL}).status_code == 302
    assert "Turn on two-step verification" in client.get(ENROL).content.decode()
    assert client.get("/documents/", headers={"HX-Request": "true"})["HX-Redirect"].startswith(ENROL)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_refuses_an_unverified_session_but_integration_tokens_are_unaffected(users, client, required):
    from rest_framework.test import APIClient

    from dossiers.models import IntegrationToken

    login(client, "head")
    answer = client.get("/api/dossiers/dossiers/")
    assert answer.status_code == 403 and "mã xác thực hai bước" in answer.json()["detail"]
    _token, raw = IntegrationToken.issue(users[Role.AGENCY_HEAD].agency, "Một cửa")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/dossiers/dossiers/").status_code == 200


# -- voluntary, when nobody is required ----------------------------------------------------------------------------
def test_anyone_may_turn_it_on_from_their_page_and_off_with_a_code(users, client):
    staff = users[Role.STAFF]
    login(client, "staff")
    page = client.get(reverse("accounts:otp_settings")).content.decode()
    assert "Chưa bật" in page and ENROL in page
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    assert client.post(ENROL, {"token": code(device), "next": reverse("accounts:otp_settings")}).status_code == 302
    assert "Đang bật" in client.get(reverse("accounts:otp_settings")).content.decode()
    client.post(reverse("accounts:logout"))
    login(client, "staff")
    assert client.get("/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"token": code(device)})
    assert client.get("/").status_code == 200
    assert client.post(reverse("accounts:otp_settings"), {"token": code(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert events(staff)[-2:] == ["Bật xác thực hai bước", "Tắt xác thực hai bước"]


def test_a_required_second_factor_cannot_be_turned_off(users, required):
    head = users[Role.AGENCY_HEAD]
    device = device_for(head)
    with pytest.raises(Exception, match="bắt buộc"):
        services.disable_second_factor(head, code(device))
    assert TOTPDevice.objects.filter(user=head).exists()


# -- the account manager: unlock a login, reset a lost phone ------------------------------------------------------
def lock(client, username, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": username, "password": "sai-mat-khau"})
    locked = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert locked.status_code == 429


def test_the_head_sees_the_lock_and_unlocks_the_account_audited(users, client_for, settings):
    from django.test import Client

    staff = users[Role.STAFF]
    lock(Client(), "staff", settings)
    failures = services.login_lock("staff").failures  # the right password while locked counts as one more
    assert services.login_lock("staff").locked and failures == 4
    manager = client_for(users[Role.AGENCY_HEAD])
    assert "Đang bị khóa đăng nhập" in manager.get(reverse("accounts:user_list")).content.decode()
    detail = manager.get(staff.get_absolute_url()).content.decode()
    assert "Đang bị khóa đăng nhập" in detail and "Mở khóa đăng nhập" in detail
    done = manager.post(reverse("accounts:user_unlock", args=[staff.pk]), follow=True)
    assert "Đã mở khóa đăng nhập" in done.content.decode()
    assert services.login_lock("staff") == services.LoginLock(0, False, None)
    assert f"Mở khóa đăng nhập (xóa {failures} lần đăng nhập sai)" in events(staff)
    credentials = {"username": "staff", "password": PASSWORD}
    assert Client().post(reverse("accounts:login"), credentials, REMOTE_ADDR="10.0.0.9").status_code == 302
    again = manager.post(reverse("accounts:user_unlock", args=[staff.pk]), follow=True)  # nothing left to clear
    assert "không có lần đăng nhập sai nào" in again.content.decode()


def test_only_those_who_manage_the_account_unlock_it(users, client_for, settings):
    from django.test import Client

    lock(Client(), "head", settings)
    head = users[Role.AGENCY_HEAD]
    for role in [Role.STAFF, "other_oversight"]:
        assert client_for(users[role]).post(reverse("accounts:user_unlock", args=[head.pk])).status_code == 403
    assert client_for(users[Role.STAFF]).get(reverse("accounts:user_unlock", args=[head.pk])).status_code == 405
    assert services.login_lock("head").locked and not any("Mở khóa" in c for c in events(head))
    assert client_for(users[Role.OVERSIGHT]).post(reverse("accounts:user_unlock", args=[head.pk])).status_code == 302
    assert not services.login_lock("head").locked


def test_the_oversight_officer_resets_a_lost_phone_audited(users, client_for, settings):
    from django.test import Client

    secretary, head = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]
    device_for(secretary)
    device_for(head)
    manager = client_for(users[Role.OVERSIGHT])
    url = reverse("accounts:user_reset_otp", args=[head.pk])
    assert "Đặt lại xác thực hai bước" in manager.get(head.get_absolute_url()).content.decode()
    assert "Gỡ ứng dụng xác thực" in manager.get(url).content.decode()
    outsider = Client()
    outsider.force_login(users["other_oversight"])
    assert outsider.post(url, {"comment": "x"}).status_code == 403
    assert manager.post(url, {"comment": "Mất điện thoại"})["Location"] == head.get_absolute_url()
    assert not TOTPDevice.objects.filter(user=head).exists() and TOTPDevice.objects.filter(user=secretary).exists()
    assert "Đặt lại xác thực hai bước bởi người quản lý tài khoản: Mất điện thoại" in events(head)
    nothing = manager.post(url, {"comment": ""})
    assert nothing.status_code == 200 and "chưa bật xác thực hai bước" in nothing.content.decode()
    settings.EISO = {**settings.EISO, "OTP_REQUIRED": OTP_REQUIRED_DEFAULT}
    head_client = Client()
    login(head_client, "head")  # required of a head: enrols again at once
    assert head_client.get("/")["Location"].startswith(ENROL)
