"""The audit log pages by keyset, newest first, in each user's scope, with its filter and the jump to a day."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from core import audit
from core.models import AuditEntry
from core.tests.keyset import walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(province, users):
    with audit.acting_as(users[Role.ISO_SECRETARY]):
        for i in range(110):
            audit.record(province["agencies"]["land"], "event", comment=f"Sự kiện {i}")
        for i in range(15):
            audit.record(province["other_agencies"]["land"], "event", comment=f"Khác {i}")
    return AuditEntry.objects.all()


def _listed(qs):
    return list(qs.order_by("-timestamp", "-id").values_list("pk", flat=True))


@pytest.mark.parametrize(
    "who, params", [(Role.OVERSIGHT, {}), (Role.OVERSIGHT, {"action": "event"}), (Role.AGENCY_HEAD, {})]
)
def test_audit_pages_walk_the_log_once_newest_first(entries, users, client_for, who, params):
    user = users[who]
    client = client_for(user)
    if who == Role.OVERSIGHT:
        visible = entries.filter(province_id=user.agency.province_id)
    else:
        visible = entries.filter(agency_id=user.agency_id)
    if params:
        visible = visible.filter(**params)
    expected = _listed(visible)
    assert len(expected) > 100
    assert walk(client, "/audit/", params)[0] == expected
    assert walk(client, "/audit/", params, forward=False)[0] == expected
    assert not set(expected) & set(
        entries.filter(province_id=users["other_staff"].agency.province_id).values_list("pk", flat=True)
    )


def test_audit_log_jumps_to_a_day(entries, users, client_for):
    client = client_for(users[Role.OVERSIGHT])
    today = timezone.localdate()
    page = client.get("/audit/", {"from": today.strftime("%d/%m/%Y")}).context["page"]
    assert [e.pk for e in page] == _listed(entries.filter(province_id=users[Role.OVERSIGHT].agency.province_id))[:50]
    assert not page.has_previous and page.jump_date == today
    # Nothing that early: the oldest page, with the way back to the newer ones.
    page = client.get("/audit/", {"from": (today - dt.timedelta(days=400)).strftime("%d/%m/%Y")}).context["page"]
    assert page.has_previous and not page.has_next and len(page) == 50
    content = client.get("/audit/").content.decode()
    assert 'data-testid="jump-to-date"' in content and "mục" in content
