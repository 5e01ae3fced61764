import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.roles import Role
from core import audit
from core.models import AppendOnlyError, AuditEntry
from organizations.models import Agency

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(AuditEntry.objects.for_object(obj).order_by("seq"))


def test_create_update_delete_are_recorded_with_before_and_after(province, users):
    kind = province["agencies"]["land"].kind
    with audit.acting_as(users[Role.OVERSIGHT]):
        agency = Agency.objects.create(
            province=province["province"], kind=kind, code="NEW", name="Sở Mới", obligation="mandatory"
        )
        agency.name = "Sở Mới Đổi Tên"
        agency.save()
        agency.save()  # no change: no entry
        pk = agency.pk
        agency.delete()
    created, updated, deleted = AuditEntry.objects.filter(object_id=str(pk)).order_by("seq")
    assert created.action == "create" and created.changes["name"] == [None, "Sở Mới"]
    assert updated.action == "update" and updated.changes == {"name": ["Sở Mới", "Sở Mới Đổi Tên"]}
    assert deleted.action == "delete" and deleted.changes["name"] == ["Sở Mới Đổi Tên", None]
    assert created.actor_name and created.agency_id == pk and created.province_id == province["province"].pk


def test_entries_cannot_be_changed_or_removed_through_the_orm(province):
    entry = AuditEntry.objects.first()
    entry.comment = "sửa trộm"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(comment="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_chain_links_every_entry_to_the_previous(province):
    entries = list(AuditEntry.objects.filter(chain=str(province["province"].pk)).order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == "0" * 64
    for prev, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == prev.hash
    assert audit.verify_chain(str(province["province"].pk)) == []
    call_command("verify_audit_chain")


def _tamper(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")


def test_tampering_with_an_entry_is_detected(province):
    entry = AuditEntry.objects.filter(action="create").first()
    _tamper("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["Cơ quan giả mạo", entry.pk])
    problems = audit.verify_chain(entry.chain)
    assert any(f"#{entry.seq} was altered" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


def test_removing_an_entry_is_detected(province):
    chain = str(province["province"].pk)
    middle = AuditEntry.objects.filter(chain=chain).order_by("seq")[2]
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [middle.pk])
    assert any("missing" in p for p in audit.verify_chain(chain))


def test_removing_the_last_entries_is_detected(province):
    chain = str(province["province"].pk)
    last = AuditEntry.objects.filter(chain=chain).order_by("-seq").first()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    assert any("removed" in p for p in audit.verify_chain(chain))


def test_database_refuses_updates_on_postgresql(province):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    entry = AuditEntry.objects.first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET comment = 'x' WHERE id = %s", [entry.pk])


def test_a_failed_transaction_leaves_no_entry(province):
    before = AuditEntry.objects.count()
    kind = province["agencies"]["land"].kind
    with pytest.raises(RuntimeError), transaction.atomic():
        Agency.objects.create(province=province["province"], kind=kind, code="X", name="X", obligation="mandatory")
        raise RuntimeError
    assert AuditEntry.objects.count() == before
    assert audit.verify_chain(str(province["province"].pk)) == []


def test_deferred_loads_neither_recurse_nor_query_per_row(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        agencies = list(Agency.objects.only("id", "name"))
    assert agencies and all("code" not in a._audit_before for a in agencies)
    agency = agencies[0]
    agency.name = "Tên mới"
    agency.save(update_fields=["name"])
    entry = AuditEntry.objects.for_object(agency).order_by("-seq").first()
    assert entry.changes["name"][1] == "Tên mới"


def test_history_reads_as_an_official_would(client, users, province):
    agency = province["agencies"]["commune_a"]
    agency.status = Agency.Status.MERGED
    agency.ended_on = "2025-06-30"
    agency.save()
    client.force_login(users[Role.OVERSIGHT])
    html = client.get(agency.get_absolute_url()).content.decode()
    assert "Tình trạng: Đang hoạt động → Đã sáp nhập" in html
    assert "Ngày chấm dứt: — → 30/06/2025" in html
