"""The one fetch-and-check of the views: 404 for what does not exist, 403 with the view's message for what the
user may not touch, the object otherwise."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.permissions import get_permitted, own_agency, require
from accounts.roles import Role
from organizations.models import Agency

pytestmark = pytest.mark.django_db


def test_get_permitted_returns_404_403_or_the_object(province, users):
    land, other = province["agencies"]["land"], province["other_agencies"]["land"]
    staff = users[Role.STAFF]
    assert get_permitted(staff, Agency, "organizations.view_agency", pk=land.pk) == land
    assert get_permitted(users[Role.OVERSIGHT], Agency.objects.all(), "organizations.view_agency", pk=land.pk) == land
    with pytest.raises(Http404):
        get_permitted(staff, Agency, "organizations.view_agency", pk=10**9)
    with pytest.raises(PermissionDenied) as denied:
        get_permitted(staff, Agency, "organizations.view_agency", "Không phải cơ quan của bạn.", pk=other.pk)
    assert str(denied.value) == "Không phải cơ quan của bạn."


def test_require_and_own_agency(province, users):
    staff, oversight = users[Role.STAFF], users[Role.OVERSIGHT]
    require(staff, "dossiers.view_dossier")
    with pytest.raises(PermissionDenied) as denied:
        require(staff, "organizations.add_agency")
    assert str(denied.value) == "Bạn không có quyền thực hiện thao tác này."
    assert own_agency(staff, "dossiers.add_dossier") == province["agencies"]["land"]
    assert own_agency(oversight) == province["agencies"]["science"]
    with pytest.raises(PermissionDenied) as denied:
        own_agency(oversight, message="Chức năng này dành cho cán bộ của cơ quan giải quyết hồ sơ.")
    assert "cán bộ của cơ quan" in str(denied.value)
    staff.agency = None
    with pytest.raises(PermissionDenied) as denied:
        own_agency(staff)
    assert str(denied.value) == "Tài khoản chưa gắn với cơ quan nào."
