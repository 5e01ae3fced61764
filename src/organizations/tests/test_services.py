import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEntry
from organizations import services
from organizations.models import Agency, AgencyChange

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 7, 1)


def snapshot():
    return sorted(Agency.objects.values_list("id", "parent_id", "status", "name", "scope_review_required"))


def test_create_agency_under_a_parent(province, kinds):
    a = province["agencies"]
    agency = services.create_agency(
        province=province["province"],
        kind=kinds["commune_committee"],
        name="UBND xã Tân Mới",
        code="XA9",
        parent=a["root"],
    )
    assert agency.obligation == "encouraged"  # the kind's default
    assert agency.search_key == "ubnd xa tan moi xa9"  # name, short name and code
    assert AgencyChange.objects.filter(kind="establishment", successors=agency).exists()


def test_duplicate_code_in_the_province_is_refused(province, kinds):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.create_agency(
            province=province["province"],
            kind=kinds["department"],
            name="Sở Trùng",
            code="SNNMT",
            parent=province["agencies"]["root"],
        )
    assert "code" in exc.value.error_dict
    assert snapshot() == before


def test_same_code_in_another_province_is_fine(province, kinds):
    for p in (province["province"], province["other"]):
        services.create_agency(province=p, kind=kinds["department"], name="Sở X", code="SO-X")
    assert Agency.objects.filter(code="SO-X").count() == 2


def test_move_to_a_new_parent(province):
    a = province["agencies"]
    services.move_agency(a["commune_a"], a["land"], decision="QĐ 12/QĐ-UBND")
    a["commune_a"].refresh_from_db()
    assert a["commune_a"].parent == a["land"]
    assert AgencyChange.objects.filter(kind="move", predecessors=a["commune_a"]).exists()


def test_move_that_would_create_a_cycle_is_refused(province):
    a = province["agencies"]
    before = snapshot()
    with pytest.raises(ValidationError, match="đơn vị trực thuộc"):
        services.move_agency(a["root"], a["land"])
    with pytest.raises(ValidationError, match="chính nó"):
        services.move_agency(a["land"], a["land"])
    assert snapshot() == before


def test_move_to_another_province_is_refused(province):
    before = snapshot()
    with pytest.raises(ValidationError, match="cùng tỉnh"):
        services.move_agency(province["agencies"]["land"], province["other_agencies"]["root"])
    assert snapshot() == before


def test_merger_keeps_old_agencies_as_history_and_flags_the_new_one(province, users):
    a = province["agencies"]
    old_ids = [a["commune_a"].pk, a["commune_b"].pk]
    # data owned by an old agency stays attached to it
    staff = users["other_staff"]
    new = services.merge_agencies(
        [a["commune_a"], a["commune_b"]],
        name="UBND phường Hợp Nhất",
        code="XA-HN",
        effective_on=DAY,
        decision="NQ 1687/NQ-UBTVQH15",
    )
    assert new.scope_review_required and "hợp nhất" in new.scope_review_reason
    assert new.parent == a["root"] and new.kind == a["commune_a"].kind
    for old in Agency.objects.filter(pk__in=old_ids):
        assert old.status == Agency.Status.MERGED and old.ended_on == DAY
    change = AgencyChange.objects.get(kind="merger")
    assert set(change.predecessors.values_list("pk", flat=True)) == set(old_ids)
    assert list(change.successors.all()) == [new]
    assert AuditEntry.objects.filter(action="event", object_id=str(old_ids[0])).exists()
    staff.refresh_from_db()
    assert staff.agency_id == province["other_agencies"]["land"].pk


def test_merger_across_provinces_is_refused_and_changes_nothing(province):
    before = snapshot()
    with pytest.raises(ValidationError, match="cùng một tỉnh"):
        services.merge_agencies(
            [province["agencies"]["commune_a"], province["other_agencies"]["commune_a"]],
            name="X",
            code="X",
            effective_on=DAY,
        )
    assert snapshot() == before
    assert not AgencyChange.objects.filter(kind="merger").exists()


def test_merging_an_ended_agency_is_refused(province):
    a = province["agencies"]
    services.merge_agencies([a["commune_a"], a["commune_b"]], name="M", code="M1", effective_on=DAY)
    with pytest.raises(ValidationError, match="chấm dứt"):
        services.merge_agencies([a["commune_a"], a["land"]], name="N", code="N1", effective_on=DAY)


def test_merge_into_an_existing_agency(province):
    a = province["agencies"]
    result = services.merge_agencies([a["commune_b"]], into=a["commune_a"], name="", code="", effective_on=DAY)
    assert result.pk == a["commune_a"].pk and result.scope_review_required
    assert Agency.objects.get(pk=a["commune_b"].pk).status == Agency.Status.MERGED


def test_split(province):
    a = province["agencies"]
    parts = [{"code": "XA1-A", "name": "UBND xã Đất Đỏ A"}, {"code": "XA1-B", "name": "UBND xã Đất Đỏ B"}]
    new = services.split_agency(a["commune_a"], parts, effective_on=DAY)
    assert [n.name for n in new] == ["UBND xã Đất Đỏ A", "UBND xã Đất Đỏ B"]
    assert all(n.scope_review_required and n.parent == a["root"] for n in new)
    assert Agency.objects.get(pk=a["commune_a"].pk).status == Agency.Status.SPLIT


def test_split_with_a_duplicate_code_changes_nothing(province):
    before = snapshot()
    parts = [{"code": "XA1-A", "name": "A"}, {"code": "SNNMT", "name": "B"}]
    with pytest.raises(ValidationError):
        services.split_agency(province["agencies"]["commune_a"], parts, effective_on=DAY)
    assert snapshot() == before


def test_tree_is_nested_and_ordered(province):
    agencies = list(Agency.objects.filter(province=province["province"]).select_related("kind"))
    tree = services.build_tree(agencies)
    assert len(tree) == 1
    root, children = tree[0]
    assert root.code == "UBND"
    names = [c[0].name for c in children]
    # departments (kind order 2) before communes (5); Vietnamese order inside a kind
    assert names == [
        "Sở Khoa học và Công nghệ",
        "Sở Nông nghiệp và Môi trường",
        "UBND phường Ánh Dương",
        "UBND xã Đất Đỏ",
    ]


def test_search_ignores_diacritics(province):
    assert list(Agency.objects.search("dat do").values_list("code", flat=True)) == ["XA1", "XA1"]
    assert Agency.objects.search("nong nghiep").count() == 2
