import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from conftest import PASSWORD
from dossiers.tests.conftest import catalog  # noqa: F401
from procedures.tests.conftest import client_as  # noqa: F401

QUALITY_UNIT = "Văn phòng Sở"
LAND_UNIT = "Phòng Quản lý đất đai"


def window():
    """Audit dates around today, inside this year."""
    today = timezone.localdate()
    return max(today - dt.timedelta(days=2), today.replace(month=1, day=1)), min(
        today + dt.timedelta(days=2), today.replace(month=12, day=31)
    )


@pytest.fixture
def land(province):
    return province["agencies"]["land"]


@pytest.fixture
def team(users, province, land):
    """The agency's officials in their units, and an auditor of the provincial ISO advisory team (another agency)."""
    from accounts.models import User

    def make(username, role, agency, unit, first):
        return User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=role,
            agency=agency,
            unit=unit,
            last_name="Trần",
            first_name=first,
        )

    users[Role.ISO_SECRETARY].unit = QUALITY_UNIT
    users[Role.ISO_SECRETARY].save()
    users[Role.STAFF].unit = LAND_UNIT
    users[Role.STAFF].save()
    return {
        "secretary": users[Role.ISO_SECRETARY],
        "head": users[Role.AGENCY_HEAD],
        "land_officer": users[Role.STAFF],
        "quality_officer": make("auditor1", Role.STAFF, land, QUALITY_UNIT, "Lan"),
        "advisor": make("advisor", Role.STAFF, province["agencies"]["science"], "Chi cục TĐC", "Minh"),
    }


@pytest.fixture
def programme(team, land):
    from evaluation import services

    return services.save_programme(
        team["secretary"], land, timezone.localdate().year, "Đánh giá sự phù hợp của HTQLCL", "TCVN ISO 9001:2015"
    )


@pytest.fixture
def plan(programme, team, catalog):  # noqa: F811
    from evaluation import services

    catalog["home"].agencies.add(programme.agency)
    start, end = window()
    return services.save_plan(
        team["secretary"],
        programme,
        {
            "title": "Đánh giá lĩnh vực đất đai",
            "units": [LAND_UNIT, QUALITY_UNIT],
            "procedures": [catalog["home"]],
            "clauses": ["7.5", "8.5", "9.1"],
            "start_on": start,
            "end_on": end,
            "lead_auditor": team["quality_officer"],
            "auditors": [team["advisor"]],
        },
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def procedure_document(team, land, catalog):  # noqa: F811
    """An issued procedure document of the land agency, for the catalog's land procedure."""
    from documents import services as documents
    from documents.models import Document

    document = documents.create_document(
        agency=land,
        user=team["secretary"],
        code="QT-DD-01",
        title="Quy trình đăng ký biến động",
        doc_type="procedure",
        body="# Trình tự",
        admin_procedure=catalog["home"],
    )
    version = document.versions.get()
    documents.transition(version, team["secretary"], "submit")
    documents.transition(version, team["head"], "review")
    documents.transition(version, team["head"], "approve")
    documents.transition(version, team["head"], "issue")
    return Document.objects.get(pk=document.pk)
