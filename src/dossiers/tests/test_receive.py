"""A dossier received at the desk: its code of the day."""

import pytest
from django.utils import timezone

from accounts.roles import Role
from dossiers import services
from dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def test_the_next_code_follows_the_highest_number_of_the_day(catalog, province, users):
    land = province["agencies"]["land"]
    staff = users[Role.STAFF]
    prefix = f"{land.code}-{timezone.localdate():%y%m%d}-"
    for code in (f"{prefix}0001", f"{prefix}0003", f"{prefix}tay", "KHAC-0009"):
        services.receive_dossier(land, staff, procedure_code=catalog["home"].code, applicant_name="A", code=code)
    dossier = services.receive_dossier(land, staff, procedure_code=catalog["home"].code, applicant_name="Lê Văn B")
    # the day's highest number is 3 (a gap at 2 is not reused: codes already printed on receipts stay unique)
    assert dossier.code == f"{prefix}0004"
    assert dossier.holder == staff and dossier.applicant_name == "Lê Văn B"
    assert Dossier.objects.filter(agency=land).count() == 5
