import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from core import audit
from core.models import AuditEntry
from organizations.models import Agency, AgencyChange

SRC = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_province_is_realistic_and_loaded_once():
    call_command("load_demo", "--if-empty", verbosity=0)
    active = Agency.objects.active()
    assert active.filter(obligation="mandatory").count() >= 35
    communes = active.filter(kind__code="commune_committee")
    assert communes.count() == 124  # Tỉnh Vĩnh Long since 1/7/2025
    assert communes.filter(name="UBND phường Phú Khương").exists()
    # the communes remember what they were merged from
    merger = AgencyChange.objects.filter(kind="merger", successors__name="UBND phường Phú Khương").get()
    assert {"UBND phường 8", "UBND xã Phú Hưng"} <= set(merger.predecessors.values_list("name", flat=True))
    assert {u.role for u in User.objects.exclude(is_superuser=True)} == set(Role)
    total = Agency.objects.count()
    call_command("load_demo", "--if-empty", verbosity=0)
    assert Agency.objects.count() == total
    assert audit.verify_chain(str(active.first().province_id)) == []


@pytest.mark.parametrize("extra", [{}, {"EISO_REDIS_URL": "redis://127.0.0.1:6399/0"}], ids=["plain", "redis"])
def test_production_settings_pass_the_deploy_check(extra):
    # the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **base,
        **extra,
        "DJANGO_SETTINGS_MODULE": "eiso.settings.production",
        "EISO_SECRET_KEY": "k" * 20 + "-Zq8!xV@2#pL&9mN$4rT^7wY*1bC(5dF)0gH",
        "EISO_AUDIT_KEYS": "k1:" + "a" * 40,
        "EISO_ALLOWED_HOSTS": "eiso.example.gov.vn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, str(SRC / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_secret():
    env = {k: v for k, v in os.environ.items() if k != "EISO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "eiso.settings.production"
    result = subprocess.run([sys.executable, str(SRC / "manage.py"), "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "EISO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "keys, message",
    [
        (None, "EISO_AUDIT_KEYS must name at least one key"),
        ("k1:short-secret", "needs at least 32 characters"),
        ("k1:" + "a" * 40 + ",k1:" + "b" * 40, "not a valid, distinct key id"),
        ("not an id:" + "a" * 40, "not a valid, distinct key id"),
    ],
    ids=["missing", "short", "duplicate", "bad-id"],
)
def test_production_settings_refuse_missing_or_weak_audit_keys(keys, message):
    env = {k: v for k, v in os.environ.items() if k != "EISO_AUDIT_KEYS"}
    env |= {"DJANGO_SETTINGS_MODULE": "eiso.settings.production", "EISO_SECRET_KEY": "s" * 60}
    if keys is not None:
        env["EISO_AUDIT_KEYS"] = keys
    result = subprocess.run([sys.executable, str(SRC / "manage.py"), "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and message in result.stderr


@pytest.mark.django_db
def test_admin_pages_open_for_the_superuser(admin_client, province):
    for url in (
        "/admin/accounts/user/",
        "/admin/organizations/agency/",
        "/admin/core/auditentry/",
        "/admin/core/calendaroverride/",
        "/admin/organizations/agencychange/",
    ):
        assert admin_client.get(url).status_code == 200, url
    entry = AuditEntry.objects.first()
    assert admin_client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
