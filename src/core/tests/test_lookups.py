import pytest

from organizations.models import Agency

pytestmark = pytest.mark.django_db


def test_any_is_in_with_one_parameter(province):
    mine = Agency.objects.filter(province=province["province"]).order_by("pk")
    agencies = list(mine[:3])
    codes = [a.code for a in agencies] + ["no-such-code"]
    assert list(mine.filter(code__any=codes)) == agencies
    assert list(Agency.objects.filter(pk__any=[a.pk for a in agencies[:2]]).order_by("pk")) == agencies[:2]
    assert not Agency.objects.filter(code__any=[]).exists()
    assert Agency.objects.filter(province_id__any=[province["province"].pk]).count() == mine.count()


def test_any_converts_values_that_are_not_the_columns_own_type(province):
    agencies = list(Agency.objects.filter(province=province["province"]).order_by("pk")[:2])
    assert list(Agency.objects.filter(pk__any=[str(agencies[0].pk), agencies[1].pk]).order_by("pk")) == agencies
    assert list(Agency.objects.filter(pk__any=(a.pk for a in agencies)).order_by("pk")) == agencies
