"""Tenancy: agency roles see only their agency, province roles their province, on every view."""

import pytest
from django.urls import reverse

from accounts.permissions import has_perm, scope_queryset, visible_agencies
from accounts.roles import Role
from core.models import AuditEntry
from organizations.models import Agency

pytestmark = pytest.mark.django_db

AGENCY_ROLES = [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD]
PROVINCE_ROLES = [Role.OVERSIGHT, Role.PROVINCIAL_VIEWER]


@pytest.mark.parametrize("role", AGENCY_ROLES)
def test_agency_roles_see_only_their_agency(users, province, role):
    user = users[role]
    assert list(visible_agencies(user)) == [user.agency]
    assert list(scope_queryset(user, Agency.objects.all(), agency_field="parent")) == []


@pytest.mark.parametrize("role", PROVINCE_ROLES)
def test_province_roles_see_their_whole_province_only(users, province, role):
    seen = set(visible_agencies(users[role]))
    assert seen == set(Agency.objects.filter(province=province["province"]))
    assert not seen & set(Agency.objects.filter(province=province["other"]))


@pytest.mark.parametrize("role", AGENCY_ROLES + PROVINCE_ROLES)
def test_agency_list_never_shows_another_tenants_agencies(client_for, users, province, role):
    client = client_for(users[role])
    html = client.get(reverse("organizations:agency_list") + "?status=").content.decode()
    assert "Tỉnh An Giang" not in html
    shown = {a.name for a in Agency.objects.all() if f">{a.name}</a>" in html}
    assert shown == {a.name for a in visible_agencies(users[role])}


@pytest.mark.parametrize("role", AGENCY_ROLES)
def test_detail_of_another_agency_is_a_clear_403(client_for, users, province, role):
    client = client_for(users[role])
    other = province["agencies"]["commune_a"]
    response = client.get(other.get_absolute_url())
    assert response.status_code == 403
    body = response.content.decode()
    assert "Không có quyền truy cập" in body and other.name not in body
    assert client.get(users[role].agency.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", PROVINCE_ROLES)
def test_province_roles_cannot_open_another_provinces_agency(client_for, users, province, role):
    client = client_for(users[role])
    assert client.get(province["agencies"]["commune_a"].get_absolute_url()).status_code == 200
    response = client.get(province["other_agencies"]["commune_a"].get_absolute_url())
    assert response.status_code == 403
    assert province["other_agencies"]["commune_a"].name not in response.content.decode()


@pytest.mark.parametrize("role", AGENCY_ROLES + [Role.PROVINCIAL_VIEWER])
@pytest.mark.parametrize(
    "url_name,needs_pk",
    [
        ("organizations:agency_create", False),
        ("organizations:agency_merge", False),
        ("organizations:agency_update", True),
        ("organizations:agency_move", True),
        ("organizations:agency_split", True),
    ],
)
def test_only_oversight_restructures(client_for, users, province, role, url_name, needs_pk):
    client = client_for(users[role])
    args = [users[role].agency.pk] if needs_pk else []
    assert client.get(reverse(url_name, args=args)).status_code == 403
    assert client.post(reverse(url_name, args=args), {"name": "x"}).status_code == 403


def test_oversight_cannot_restructure_another_province(client_for, users, province):
    client = client_for(users[Role.OVERSIGHT])
    other = province["other_agencies"]["commune_a"]
    for name in ("organizations:agency_update", "organizations:agency_move", "organizations:agency_split"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 403


@pytest.mark.parametrize("role", AGENCY_ROLES + PROVINCE_ROLES)
def test_api_lists_only_visible_agencies(client_for, users, province, role):
    client = client_for(users[role])
    data = client.get("/api/organizations/agencies/?limit=1000").json()
    ids = {row["id"] for row in data["results"]}
    assert ids == set(visible_agencies(users[role]).values_list("pk", flat=True))
    other = province["other_agencies"]["root"]
    assert client.get(f"/api/organizations/agencies/{other.pk}/").status_code == 404


def test_api_requires_authentication(client, province):
    assert client.get("/api/organizations/agencies/").status_code in (401, 403)


@pytest.mark.parametrize("role", AGENCY_ROLES + PROVINCE_ROLES)
def test_audit_log_is_scoped(client_for, users, province, role):
    client = client_for(users[role])
    html = client.get(reverse("core:audit_log")).content.decode()
    assert province["other_agencies"]["root"].name not in html
    other_entry = AuditEntry.objects.filter(province_id=province["other"].pk).first()
    url = reverse("core:object_history", args=[other_entry.content_type_id, other_entry.object_id])
    assert client.get(url).status_code == 403


def test_anonymous_users_are_sent_to_login(client, province):
    response = client.get(reverse("organizations:agency_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_object_permissions_follow_scope(users, province):
    oversight, staff = users[Role.OVERSIGHT], users[Role.STAFF]
    home, other = province["agencies"]["commune_a"], province["other_agencies"]["commune_a"]
    assert has_perm(oversight, "organizations.change_agency", home)
    assert not has_perm(oversight, "organizations.change_agency", other)
    assert not has_perm(staff, "organizations.change_agency", staff.agency)
    assert has_perm(staff, "organizations.view_agency", staff.agency)
    assert not has_perm(staff, "organizations.view_agency", home)
