"""Account management services: who may do what to whom, and what the audit trail keeps of it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from accounts import services
from accounts.models import User
from accounts.permissions import can_manage_user, manageable_users
from accounts.roles import Role
from core.audit import verify_chain
from core.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Song-Co-Chien@2026"


def new_account(actor, agency, username="tranthib", **extra):
    data = {
        "username": username,
        "password": NEW_PASSWORD,
        "agency": agency,
        "role": Role.STAFF,
        "last_name": "Trần Thị",
        "first_name": "Bích",
        "unit": "Văn phòng",
        "position": "Chuyên viên",
    } | extra
    return services.create_user(actor, **data)


def entries_of(user):
    return list(AuditEntry.objects.for_object(user).order_by("seq"))


# -- create -------------------------------------------------------------------------------------------------------
def test_oversight_creates_an_account_in_a_commune_of_its_province(users, province):
    commune = province["agencies"]["commune_a"]
    user = new_account(users[Role.OVERSIGHT], commune, role=Role.ISO_SECRETARY)
    user.refresh_from_db()
    assert (user.agency, user.role, user.unit, user.position) == (
        commune,
        Role.ISO_SECRETARY,
        "Văn phòng",
        "Chuyên viên",
    )
    assert user.check_password(NEW_PASSWORD) and user.is_active and not user.is_staff and not user.is_superuser
    assert user.search_key == "tran thi bich tranthib"


def test_oversight_cannot_create_in_another_province(users, province):
    with pytest.raises(ValidationError) as exc:
        new_account(users[Role.OVERSIGHT], province["other_agencies"]["commune_a"])
    assert "agency" in exc.value.error_dict
    assert not User.objects.filter(username="tranthib").exists()


def test_agency_manager_creates_only_in_its_own_agency(users, province):
    secretary = users[Role.ISO_SECRETARY]
    assert new_account(secretary, secretary.agency).agency == secretary.agency
    with pytest.raises(ValidationError) as exc:
        new_account(secretary, province["agencies"]["commune_a"], username="other")
    assert "agency" in exc.value.error_dict


def test_staff_cannot_create_accounts(users):
    with pytest.raises(PermissionDenied):
        new_account(users[Role.STAFF], users[Role.STAFF].agency)


@pytest.mark.parametrize("role", [Role.OVERSIGHT, Role.PROVINCIAL_VIEWER])
@pytest.mark.parametrize("actor_role", [Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT])
def test_nobody_grants_a_province_role_in_the_app(users, actor_role, role):
    actor = users[actor_role]
    with pytest.raises(ValidationError) as exc:
        new_account(actor, users[Role.STAFF].agency, role=role)
    assert "role" in exc.value.error_dict
    staff = users[Role.STAFF]
    with pytest.raises(ValidationError) as exc:
        services.update_user(actor, staff, role=role)
    assert "role" in exc.value.error_dict
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_create_refuses_bad_input_and_changes_nothing(users):
    actor, agency = users[Role.AGENCY_HEAD], users[Role.AGENCY_HEAD].agency
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        new_account(actor, agency, username="staff")  # taken
    assert "đã có người dùng" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        new_account(actor, agency, password="123")
    assert "password" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        new_account(actor, agency, username="có dấu")
    assert "username" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        new_account(actor, agency, email="không-phải-email")
    assert "email" in exc.value.error_dict
    assert AuditEntry.objects.count() == before
    assert not User.objects.filter(username__in=["tranthib", "có dấu"]).exists()


# -- change -------------------------------------------------------------------------------------------------------
def test_iso_secretary_changes_role_unit_and_position_of_its_staff(users):
    staff = users[Role.STAFF]
    services.update_user(
        users[Role.ISO_SECRETARY], staff, role=Role.ISO_SECRETARY, unit="Phòng Kế hoạch", position="Phó Trưởng phòng"
    )
    staff.refresh_from_db()
    assert (staff.role, staff.unit, staff.position) == (Role.ISO_SECRETARY, "Phòng Kế hoạch", "Phó Trưởng phòng")


@pytest.mark.parametrize("actor_role", [Role.ISO_SECRETARY, Role.AGENCY_HEAD])
def test_agency_manager_cannot_touch_another_agencys_user(users, province, actor_role):
    actor = users[actor_role]
    outsider = new_account(users[Role.OVERSIGHT], province["agencies"]["commune_a"])
    assert not can_manage_user(actor, outsider)
    assert outsider not in manageable_users(actor)
    for call in (
        lambda: services.update_user(actor, outsider, unit="Khác"),
        lambda: services.set_active(actor, outsider, False),
        lambda: services.set_password(actor, outsider, NEW_PASSWORD),
        lambda: services.move_user(actor, outsider, actor.agency),
    ):
        with pytest.raises(PermissionDenied):
            call()
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.unit == "Văn phòng" and outsider.agency == province["agencies"]["commune_a"]


def test_oversight_of_province_a_cannot_touch_province_b(users, province):
    other = users["other_staff"]
    oversight = users[Role.OVERSIGHT]
    assert not can_manage_user(oversight, other)
    assert other not in manageable_users(oversight)
    with pytest.raises(PermissionDenied):
        services.update_user(oversight, other, unit="X")
    with pytest.raises(PermissionDenied):
        services.set_active(oversight, other, False)
    # and the other way round
    with pytest.raises(PermissionDenied):
        services.update_user(users["other_oversight"], users[Role.STAFF], unit="X")


def test_province_role_accounts_are_not_managed_in_the_app(users):
    oversight = users[Role.OVERSIGHT]
    assert not can_manage_user(oversight, users[Role.PROVINCIAL_VIEWER])
    assert set(manageable_users(oversight)) == {users[Role.STAFF], users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD]}
    admin = User.objects.create_superuser("root", password=NEW_PASSWORD)
    assert not can_manage_user(users[Role.AGENCY_HEAD], admin)


def test_nobody_changes_their_own_role_or_deactivates_themselves(users):
    head = users[Role.AGENCY_HEAD]
    with pytest.raises(ValidationError):
        services.update_user(head, head, role=Role.STAFF)
    with pytest.raises(ValidationError):
        services.set_active(head, head, False)
    services.update_user(head, head, position="Giám đốc")  # the rest of one's own account is fine
    head.refresh_from_db()
    assert head.role == Role.AGENCY_HEAD and head.is_active and head.position == "Giám đốc"


# -- move ---------------------------------------------------------------------------------------------------------
def test_move_keeps_the_same_account_and_its_history(users, province):
    staff = users[Role.STAFF]
    old_agency, new_agency = staff.agency, province["agencies"]["commune_b"]
    first_entries = entries_of(staff)
    services.move_user(users[Role.OVERSIGHT], staff, new_agency, comment="Quyết định 12/QĐ-UBND")
    moved = User.objects.get(username="staff")
    assert moved.pk == staff.pk and moved.agency == new_agency and moved.check_password("Test@password-2026")
    assert User.objects.filter(username="staff").count() == 1
    entries = entries_of(moved)
    assert entries[: len(first_entries)] == first_entries  # the earlier history is still the person's
    move = entries[-1]
    assert move.action == AuditEntry.Action.UPDATE
    assert move.changes == {"agency": [old_agency.name, new_agency.name]}
    assert move.actor == users[Role.OVERSIGHT] and move.comment == "Quyết định 12/QĐ-UBND"
    assert move.agency_id == new_agency.pk and move.province_id == province["province"].pk
    # the agency the person left records the departure in its own history
    left = AuditEntry.objects.for_object(old_agency).order_by("seq").last()
    assert left.action == AuditEntry.Action.EVENT and "staff" in left.comment and new_agency.name in left.comment
    assert verify_chain(str(province["province"].pk)) == []


@pytest.mark.parametrize("actor_role", [Role.ISO_SECRETARY, Role.AGENCY_HEAD])
def test_agency_manager_can_neither_release_nor_take_a_person(users, province, actor_role):
    actor, staff = users[actor_role], users[Role.STAFF]
    with pytest.raises(ValidationError) as exc:
        services.move_user(actor, staff, province["agencies"]["commune_a"])
    assert "Sở KH&CN" in exc.value.error_dict["agency"][0].message
    staff.refresh_from_db()
    assert staff.agency == actor.agency


def test_oversight_cannot_move_anyone_out_of_the_province(users, province):
    staff = users[Role.STAFF]
    with pytest.raises(ValidationError):
        services.move_user(users[Role.OVERSIGHT], staff, province["other_agencies"]["land"])
    staff.refresh_from_db()
    assert staff.agency == province["agencies"]["land"]


# -- deactivate / reactivate / password ---------------------------------------------------------------------------
def test_deactivate_and_reactivate(users, client):
    staff, secretary = users[Role.STAFF], users[Role.ISO_SECRETARY]
    services.set_active(secretary, staff, False, comment="Nghỉ hưu")
    staff.refresh_from_db()
    assert not staff.is_active
    assert not client.login(request=HttpRequest(), username="staff", password="Test@password-2026")
    deactivated = entries_of(staff)[-1]
    assert deactivated.changes == {"is_active": [True, False]} and deactivated.comment == "Nghỉ hưu"
    assert deactivated.actor == secretary
    services.set_active(secretary, staff, True)
    staff.refresh_from_db()
    assert staff.is_active and client.login(request=HttpRequest(), username="staff", password="Test@password-2026")


def test_password_reset_applies_validators_and_is_audited_without_the_hash(users):
    staff, head = users[Role.STAFF], users[Role.AGENCY_HEAD]
    with pytest.raises(ValidationError) as exc:
        services.set_password(head, staff, "staff")
    assert "password" in exc.value.error_dict
    services.set_password(head, staff, NEW_PASSWORD)
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    entry = entries_of(staff)[-1]
    assert entry.action == AuditEntry.Action.EVENT and entry.changes == {} and entry.actor == head
    assert entry.comment == "Đặt lại mật khẩu bởi người quản lý tài khoản"
    assert "pbkdf2" not in str([e.changes for e in entries_of(staff)])


# -- the audit entries' content -----------------------------------------------------------------------------------
def test_creation_entry_holds_readable_values_in_the_users_agency(users, province):
    commune = province["agencies"]["commune_a"]
    user = new_account(users[Role.OVERSIGHT], commune, role=Role.AGENCY_HEAD, email="bich@vinhlong.gov.vn")
    (entry,) = entries_of(user)
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == users[Role.OVERSIGHT]
    assert entry.agency_id == commune.pk and entry.chain == str(province["province"].pk)
    assert entry.changes == {
        "username": [None, "tranthib"],
        "last_name": [None, "Trần Thị"],
        "first_name": [None, "Bích"],
        "email": [None, "bich@vinhlong.gov.vn"],
        "agency": [None, "UBND xã Đất Đỏ"],
        "role": [None, "Lãnh đạo cơ quan"],
        "unit": [None, "Văn phòng"],
        "position": [None, "Chuyên viên"],
        "is_active": [None, True],
    }


def test_update_entry_names_the_role_labels_and_only_what_changed(users):
    staff = users[Role.STAFF]
    services.update_user(users[Role.AGENCY_HEAD], staff, role=Role.ISO_SECRETARY, unit="Phòng Kế hoạch")
    entry = entries_of(staff)[-1]
    assert entry.changes == {"role": ["Cán bộ, công chức", "Thư ký ISO"], "unit": ["", "Phòng Kế hoạch"]}
    assert entry.actor_name == "Nguyễn head"


def test_entries_are_written_in_vietnamese_whatever_the_language(users, settings):
    from django.utils import translation

    with translation.override("en"):
        services.update_user(users[Role.AGENCY_HEAD], users[Role.STAFF], role=Role.ISO_SECRETARY)
        services.set_password(users[Role.AGENCY_HEAD], users[Role.STAFF], NEW_PASSWORD)
    role_change, password = entries_of(users[Role.STAFF])[-2:]
    assert role_change.changes == {"role": ["Cán bộ, công chức", "Thư ký ISO"]}
    assert password.comment == "Đặt lại mật khẩu bởi người quản lý tài khoản"


def test_a_login_or_a_no_op_save_writes_nothing(users, client):
    staff = users[Role.STAFF]
    before = AuditEntry.objects.count()
    assert client.login(request=HttpRequest(), username="staff", password="Test@password-2026")  # updates last_login
    User.objects.get(pk=staff.pk).save()
    assert AuditEntry.objects.count() == before


def test_changes_made_in_the_admin_are_audited_too(users, client):
    admin = User.objects.create_superuser("root", password=NEW_PASSWORD)
    client.force_login(admin)
    staff = users[Role.STAFF]
    from django.urls import reverse

    response = client.post(
        reverse("admin:accounts_user_change", args=[staff.pk]),
        {
            "username": "staff",
            "last_name": "Nguyễn",
            "first_name": "staff",
            "email": "",
            "is_active": "on",
            "agency": staff.agency_id,
            "role": Role.STAFF,
            "position": "",
            "unit": "Văn phòng Sở",
            "date_joined_0": staff.date_joined.strftime("%d/%m/%Y"),
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = entries_of(staff)[-1]
    assert entry.changes["unit"] == ["", "Văn phòng Sở"] and entry.actor == admin
