"""Every save of a User reaches the hash-chained audit trail with readable names and values."""

import pytest
from django.utils import translation

from accounts.models import User
from accounts.roles import Role
from core.audit import acting_as, verify_chain
from core.models import AuditEntry
from core.templatetags.eiso import audit_changes

pytestmark = pytest.mark.django_db


def last_entry(user):
    return AuditEntry.objects.for_object(user).order_by("seq").last()


def test_an_orm_change_is_recorded_with_the_agency_name_and_role_label(users, province):
    staff, head = users[Role.STAFF], users[Role.AGENCY_HEAD]
    staff = User.objects.get(pk=staff.pk)
    staff.role, staff.agency = Role.ISO_SECRETARY, province["agencies"]["commune_a"]
    with acting_as(head):
        staff.save()
    entry = last_entry(staff)
    assert entry.action == AuditEntry.Action.UPDATE and entry.actor == head
    assert entry.changes == {
        "agency": ["Sở Nông nghiệp và Môi trường", "UBND xã Đất Đỏ"],
        "role": ["Cán bộ, công chức", "Thư ký ISO"],
    }
    assert entry.agency_id == province["agencies"]["commune_a"].pk
    assert verify_chain(str(province["province"].pk)) == []


def test_the_history_shows_field_names_and_the_agency_names(users, province):
    staff = User.objects.get(pk=users[Role.STAFF].pk)
    staff.agency = province["agencies"]["commune_a"]
    staff.save()
    rows = audit_changes(last_entry(staff))
    assert rows == [("Cơ quan", "Sở Nông nghiệp và Môi trường", "UBND xã Đất Đỏ")]
    with translation.override("en"):
        assert audit_changes(last_entry(staff)) == [("Agency", "Sở Nông nghiệp và Môi trường", "UBND xã Đất Đỏ")]


def test_password_and_last_login_values_never_reach_the_trail(users):
    staff = User.objects.get(pk=users[Role.STAFF].pk)
    staff.set_password("Another@password-1")
    staff.save()
    entry = last_entry(staff)
    assert entry.action == AuditEntry.Action.EVENT and entry.changes == {} and entry.comment == "Đổi mật khẩu"
    assert not AuditEntry.objects.filter(changes__has_key="password").exists()
    assert not AuditEntry.objects.filter(changes__has_key="last_login").exists()


def test_search_and_sort_keys(users):
    user = User.objects.create_user("lethih", last_name="Lê Thị", first_name="Hồng", password="x")
    assert user.search_key == "le thi hong lethih"
    assert list(User.objects.search("LE THI hong")) == [user]
    assert list(User.objects.search("lethih")) == [user]
    names = ["Ánh", "Anh", "Bình", "Ân", "Ăn", "Đạt", "Dũng"]
    for i, name in enumerate(names):
        User.objects.create_user(f"u{i}", last_name="Nguyễn", first_name=name, password="x")
    ordered = [u.first_name for u in User.objects.filter(username__startswith="u").order_by("sort_key")]
    assert ordered == ["Anh", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đạt"]


def test_role_label_names_the_superuser_as_the_system_administrator(users):
    admin = User.objects.create_superuser("root", password="x")
    assert admin.role == Role.STAFF and admin.role_label == "Quản trị hệ thống"
    assert users[Role.STAFF].role_label == "Cán bộ, công chức"
    assert users[Role.OVERSIGHT].role_label == "Cán bộ Sở KH&CN"


def test_a_refreshed_user_is_compared_with_the_database(users):
    staff = users[Role.STAFF]
    other = User.objects.get(pk=staff.pk)
    other.unit = "Phòng A"
    other.save()
    staff.refresh_from_db()  # now unit is "Phòng A" in memory and in the database
    staff.position = "Chuyên viên"
    staff.save()
    assert last_entry(staff).changes == {"position": ["", "Chuyên viên"]}
    staff.unit = ""
    staff.save()
    assert last_entry(staff).changes == {"unit": ["Phòng A", ""]}


def test_a_partial_save_records_only_the_fields_written(users):
    staff = User.objects.get(pk=users[Role.STAFF].pk)
    before = AuditEntry.objects.count()
    staff.unit = "Not saved"
    staff.save(update_fields=["last_login"])
    assert AuditEntry.objects.count() == before
    staff.position = "Chuyên viên"
    staff.save(update_fields=["position"])
    assert last_entry(staff).changes == {"position": ["", "Chuyên viên"]}
    staff.save()  # the unit is written now, and recorded
    assert last_entry(staff).changes == {"unit": ["", "Not saved"]}
