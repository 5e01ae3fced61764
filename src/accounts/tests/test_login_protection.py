"""Failed logins are throttled per account and per client address (django-axes). Found by a new user: 30 wrong
passwords in a row were all answered normally and the right one was accepted straight after."""

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from accounts.security import client_ip

PASSWORD = "Test@password-2026"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def attempt(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_after_the_limit_and_the_administrator_unlocks_it(users, client, limit):
    for _ in range(limit - 1):
        assert attempt(client, "staff", "sai-mat-khau").status_code == 200  # the usual wrong-password page
    assert attempt(client, "staff", "sai-mat-khau").status_code == 429  # the limit-th failure locks
    locked = attempt(client, "staff", PASSWORD, address="10.0.0.2")  # the right password, from another machine
    assert locked.status_code == 429 and "tạm thời bị khóa đăng nhập" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(client, "head", PASSWORD, address="10.0.0.2").status_code == 302  # other accounts log in
    call_command("axes_reset_username", "staff")
    assert attempt(client, "staff", PASSWORD, address="10.0.0.2").status_code == 302


def test_one_address_trying_many_accounts_is_locked(users, client, limit):
    for username in ["staff", "head", "secretary"]:
        attempt(client, username, "sai-mat-khau", address="10.9.9.9")
    assert attempt(client, "viewer", PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(client, "viewer", PASSWORD, address="10.9.9.8").status_code == 302


def test_a_success_resets_the_count(users, client, limit):
    for _ in range(limit - 1):
        attempt(client, "staff", "sai-mat-khau")
    assert attempt(client, "staff", PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        attempt(client, "staff", "sai-mat-khau")
    assert attempt(client, "staff", PASSWORD).status_code == 302


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "127.0.0.1"
    settings.TRUSTED_PROXIES = 1  # nginx appended the address it saw; "1.2.3.4" was sent by the client itself
    assert client_ip(request) == "203.0.113.7"


def test_the_lock_answers_in_english_too(users, client, limit):
    for _ in range(limit):
        attempt(client, "staff", "sai-mat-khau")
    client.cookies["django_language"] = "en"
    body = attempt(client, "staff", PASSWORD).content.decode()
    assert "Too many failed logins" in body


def test_an_idle_session_ends_and_each_request_renews_it(users, client, settings):
    """A request renews the idle time; the session row is written for it at most once a minute."""
    import datetime as dt

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from core.middleware import SessionRenewalMiddleware as Renewal

    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert attempt(client, "staff", PASSWORD).status_code == 302
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/").status_code == 200  # renewed less than a minute ago (the login): not written again
    assert Session.objects.get(pk=key).expire_date < timezone.now() + dt.timedelta(minutes=2)
    stored = SessionStore(session_key=key)
    stored[Renewal.KEY] -= Renewal.RENEW_SECONDS  # its last renewal a minute ago
    stored.save()
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get("/").status_code == 200  # still active: the request renews the idle time
    renewed = Session.objects.get(pk=key).expire_date
    assert renewed > timezone.now() + dt.timedelta(minutes=29)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # idle too long
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
