"""The object history (`/audit/<content type>/<id>/`) can be pointed at any object of any model: walk them all as
users of another agency and of another province, and expect a refusal wherever the object is not theirs."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from accounts.roles import Role
from dossiers.tests.conftest import catalog, receive_row  # noqa: F401
from organizations.models import Agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(users, province, catalog, settings, tmp_path):  # noqa: F811
    """Records of every kind owned by the land department, written by the services (so audited as in use)."""
    from documents import services as documents
    from dossiers import services as dossiers
    from dossiers.models import IntegrationToken

    settings.MEDIA_ROOT = tmp_path
    land = province["agencies"]["land"]
    secretary = users[Role.ISO_SECRETARY]
    document = documents.create_document(
        agency=land, user=secretary, code="QT-01", title="Quy trình mật", doc_type="procedure", body="Nội dung"
    )
    documents.transition(document.versions.first(), secretary, "submit")
    dossiers.push_event(land, receive_row())
    IntegrationToken.issue(land, "Một cửa mật", secretary)
    return land


def owner(obj, depth=3):
    """(agency id, province id) of an object, found by following its foreign keys: computed here, apart from the
    permission module, so that the test does not share its mistakes."""
    if isinstance(obj, Agency):
        return obj.pk, obj.province_id
    agency_id = getattr(obj, "agency_id", None)
    if isinstance(agency_id, int):
        agency = Agency.objects.filter(pk=agency_id).first()
        return agency_id, agency.province_id if agency else getattr(obj, "province_id", None)
    if depth:
        for field in obj._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is not ContentType:
                related = getattr(obj, field.name, None)
                if related is not None and field.name not in ("actor", "created_by", "user", "recipient"):
                    found = owner(related, depth - 1)
                    if found != (None, None):
                        return found
    province_id = getattr(obj, "province_id", None)
    return None, province_id if isinstance(province_id, int) else None


def every_object():
    for model in apps.get_models():
        ct = ContentType.objects.get_for_model(model)
        for obj in model._default_manager.all()[:200]:
            yield ct, obj


def test_no_history_of_another_agencys_object(client_for, users, province, records):
    land = province["agencies"]["land"]
    home_province = province["province"].pk
    walkers = {
        "same province": users[Role.STAFF].__class__.objects.create_user(
            username="science_staff", password="x", role=Role.STAFF, agency=province["agencies"]["science"]
        ),
        "other province": users["other_staff"],
    }
    checked = 0
    for who, walker in walkers.items():
        client = client_for(walker)
        for ct, obj in every_object():
            agency_id, province_id = owner(obj)
            if who == "same province":
                secret = agency_id == land.pk
            else:
                secret = province_id == home_province or agency_id in {a.pk for a in province["agencies"].values()}
            if isinstance(obj, users[Role.STAFF].__class__):
                secret = secret or obj.agency_id == land.pk
            if not secret:
                continue
            response = client.get(reverse("core:object_history", args=[ct.pk, obj.pk]))
            assert response.status_code in (403, 404), (who, ct.model, obj.pk, str(obj))
            checked += 1
    # the walk reached the audit entries, the documents, the dossiers and the token of the land department
    assert checked > 20


def test_history_of_an_audit_entry_of_another_agency_is_refused(client_for, users, province, records):
    from core.models import AuditEntry

    entry = AuditEntry.objects.filter(agency_id=province["agencies"]["land"].pk).first()
    ct = ContentType.objects.get_for_model(AuditEntry)
    url = reverse("core:object_history", args=[ct.pk, entry.pk])
    science = users[Role.STAFF].__class__.objects.create_user(
        username="science_staff", password="x", role=Role.STAFF, agency=province["agencies"]["science"]
    )
    response = client_for(science).get(url)
    assert response.status_code == 403
    assert entry.object_repr not in response.content.decode()
    assert client_for(users[Role.ISO_SECRETARY]).get(url).status_code == 200


@pytest.mark.parametrize("path", ["/audit/999999/1/", "/audit/{ct}/abc/", "/audit/{ct}/999999/"])
def test_history_of_nothing_is_a_404(client_for, users, path):
    from core.models import AuditEntry

    ct = ContentType.objects.get_for_model(AuditEntry).pk
    assert client_for(users[Role.STAFF]).get(path.format(ct=ct)).status_code == 404


def test_the_audit_trail_shows_words_not_codes(client_for, users, province, catalog):  # noqa: F811
    """Workflow facts by their labels, steps by name, related rows by name (not "#2"), counts labelled."""
    from dossiers import services as dossiers
    from dossiers.models import Dossier
    from organizations.services import move_agency

    land = province["agencies"]["land"]
    staff = users[Role.STAFF]
    dossiers.push_event(land, receive_row(to_username="staff"))
    dossiers.web_event(
        Dossier.objects.get(code="HS-001"),
        staff,
        "transfer",
        step="transfer",
        to_username="staff",
        to_name="Nguyễn staff",
    )
    move_agency(province["agencies"]["commune_a"], province["agencies"]["science"], user=users[Role.OVERSIGHT])
    html = client_for(users[Role.OVERSIGHT]).get(reverse("core:audit_log")).content.decode()
    assert "Thao tác: — → Chuyển xử lý" in html and "Chuyển đến bước: — → 2. Bước transfer" in html
    assert "→ Sở Khoa học và Công nghệ" in html
    for raw in ("→ transfer<", "Event:", "Step:", "→ #"):
        assert raw not in html, raw
