import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.roles import Role
from core import audit, dbguard
from core.models import AppendOnlyError, AuditEntry
from core.tests.appendonly import guard_lifted
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
    with guard_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_tampering_with_an_entry_is_detected(province):
    entry = AuditEntry.objects.filter(action="create").first()
    _tamper("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["Cơ quan giả mạo", entry.pk])
    problems = audit.verify_chain(entry.chain)
    assert any(f"#{entry.seq} đã bị sửa" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


def test_removing_an_entry_is_detected(province):
    chain = str(province["province"].pk)
    middle = AuditEntry.objects.filter(chain=chain).order_by("seq")[2]
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [middle.pk])
    assert any(f"thiếu mục #{middle.seq}" in p for p in audit.verify_chain(chain))


def test_removing_the_last_entries_is_detected(province):
    chain = str(province["province"].pk)
    last = AuditEntry.objects.filter(chain=chain).order_by("-seq").first()
    _tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    assert any(f"sau #{last.seq - 1} đã bị xóa" in p for p in audit.verify_chain(chain))


@pytest.mark.parametrize(
    "sql",
    ["UPDATE core_auditentry SET comment = 'x' WHERE id = %s", "DELETE FROM core_auditentry WHERE id = %s"],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_remove_an_entry(province, sql):
    entry = AuditEntry.objects.first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).comment == entry.comment


def test_the_database_refuses_to_empty_the_trail(province):
    statement = "TRUNCATE core_auditentry" if connection.vendor == "postgresql" else "DELETE FROM core_auditentry"
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.exists()


def test_the_sqlite_guard_comes_back_after_a_migration_rebuilt_the_table(province):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's triggers survive an ALTER TABLE")
    from core.apps import ensure_audit_guard

    def triggers():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditentry'")
            return {name for (name,) in cursor.fetchall()}

    assert triggers() == set(dbguard.SQLITE_TRIGGERS)
    with connection.cursor() as cursor:
        for name in dbguard.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")  # what a table rebuild does
    ensure_audit_guard(using="default")  # post_migrate
    assert triggers() == set(dbguard.SQLITE_TRIGGERS)


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
