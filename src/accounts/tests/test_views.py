"""The account pages under /accounts/users/: scoped lists, forms, confirmations, the menu entry."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry

pytestmark = pytest.mark.django_db

MANAGERS = [Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT]
NEW_PASSWORD = "Song-Co-Chien@2026"


def names_in(html, candidates):
    return {u.username for u in candidates if f"<code>{u.username}</code>" in html}


@pytest.mark.parametrize("role", MANAGERS)
def test_menu_entry_is_shown_to_those_who_manage_users(client_for, users, role):
    html = client_for(users[role]).get(reverse("core:home")).content.decode()
    assert reverse("accounts:user_list") in html and "Người dùng" in html


@pytest.mark.parametrize("role", [Role.STAFF, Role.PROVINCIAL_VIEWER])
def test_others_see_no_menu_entry_and_get_403(client_for, users, role):
    client = client_for(users[role])
    assert reverse("accounts:user_list") not in client.get(reverse("core:home")).content.decode()
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.get(reverse("accounts:user_update", args=[users[Role.STAFF].pk])).status_code == 403


def test_agency_list_shows_only_its_agency(client_for, users, province):
    html = client_for(users[Role.ISO_SECRETARY]).get(reverse("accounts:user_list")).content.decode()
    assert names_in(html, User.objects.all()) == {"staff", "secretary", "head"}


def test_oversight_list_shows_its_province_agency_accounts(client_for, users, province):
    commune_user = User.objects.create_user("xa1", agency=province["agencies"]["commune_a"], first_name="Xã")
    html = client_for(users[Role.OVERSIGHT]).get(reverse("accounts:user_list")).content.decode()
    assert names_in(html, User.objects.all()) == {"staff", "secretary", "head", commune_user.username}


def test_list_search_without_diacritics_filters_and_vietnamese_order(client_for, users, province):
    land = province["agencies"]["land"]
    for username, last, first, role in [
        ("dat", "Phạm", "Đạt", Role.STAFF),
        ("dung", "Hồ", "Dũng", Role.STAFF),
        ("anh", "Lê Thị", "Ánh", Role.ISO_SECRETARY),
    ]:
        User.objects.create_user(username, agency=land, last_name=last, first_name=first, role=role)
    client = client_for(users[Role.AGENCY_HEAD])
    url = reverse("accounts:user_list")
    html = client.get(url, {"q": "le thi anh"}).content.decode()
    assert names_in(html, User.objects.all()) == {"anh"}
    html = client.get(url, {"q": "DAT"}).content.decode()
    assert names_in(html, User.objects.all()) == {"dat"}
    html = client.get(url, {"role": Role.ISO_SECRETARY, "status": "active"}).content.decode()
    assert names_in(html, User.objects.all()) == {"anh", "secretary"}
    html = client.get(url).content.decode()
    order = [html.index(f"<code>{name}</code>") for name in ("anh", "dung", "dat")]
    assert order == sorted(order)  # Ánh < Dũng < Đạt: đ comes after d


def test_list_filters_by_agency_and_hides_deactivated_by_default(client_for, users, province):
    commune = province["agencies"]["commune_a"]
    User.objects.create_user("xa1", agency=commune, first_name="Một")
    User.objects.create_user("xa2", agency=commune, first_name="Hai", is_active=False)
    client, url = client_for(users[Role.OVERSIGHT]), reverse("accounts:user_list")
    assert names_in(
        client.get(url, {"agency": commune.pk, "status": "active"}).content.decode(), User.objects.all()
    ) == {"xa1"}
    assert names_in(
        client.get(url, {"agency": commune.pk, "status": "inactive"}).content.decode(), User.objects.all()
    ) == {"xa2"}
    assert names_in(client.get(url, {"agency": commune.pk, "status": ""}).content.decode(), User.objects.all()) == {
        "xa1",
        "xa2",
    }


@pytest.mark.parametrize("role", [Role.ISO_SECRETARY, Role.AGENCY_HEAD])
@pytest.mark.parametrize("url_name", ["user_detail", "user_update", "user_password", "user_deactivate"])
def test_agency_manager_on_another_agencys_user_gets_403(client_for, users, province, role, url_name):
    outsider = User.objects.create_user("xa1", agency=province["agencies"]["commune_a"], first_name="Xã")
    client = client_for(users[role])
    response = client.get(reverse(f"accounts:{url_name}", args=[outsider.pk]))
    assert response.status_code == 403 and "xa1" not in response.content.decode()
    assert (
        client.post(
            reverse(f"accounts:{url_name}", args=[outsider.pk]),
            {"unit": "X", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        ).status_code
        == 403
    )
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.unit == ""


def test_oversight_on_another_provinces_user_gets_403(client_for, users):
    client = client_for(users[Role.OVERSIGHT])
    assert client.get(reverse("accounts:user_update", args=[users["other_staff"].pk])).status_code == 403


def test_create_through_the_form(client_for, users, province):
    commune = province["agencies"]["commune_a"]
    client = client_for(users[Role.OVERSIGHT])
    form = client.get(reverse("accounts:user_create")).content.decode()
    assert f'value="{commune.pk}"' in form
    assert not any(f'value="{a.pk}"' in form for a in province["other_agencies"].values())
    assert 'value="oversight"' not in form  # province roles are not offered
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "vothic",
            "last_name": "Võ Thị",
            "first_name": "Cúc",
            "email": "",
            "agency": commune.pk,
            "role": Role.ISO_SECRETARY,
            "unit": "Văn phòng",
            "position": "Công chức",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="vothic")
    assert response.status_code == 302 and response["Location"] == user.get_absolute_url()
    assert user.agency == commune and user.role == Role.ISO_SECRETARY and user.check_password(NEW_PASSWORD)


def test_create_form_shows_the_services_errors(client_for, users):
    client = client_for(users[Role.ISO_SECRETARY])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "staff",
            "first_name": "B",
            "agency": users[Role.ISO_SECRETARY].agency_id,
            "role": Role.STAFF,
            "password": "short",
            "password_confirm": "other",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nhập lại mật khẩu: không khớp" in html
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "staff",
            "first_name": "B",
            "agency": users[Role.ISO_SECRETARY].agency_id,
            "role": Role.STAFF,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert "Tên đăng nhập “staff” đã có người dùng." in response.content.decode()
    assert User.objects.filter(username="staff").count() == 1


def test_agency_manager_form_offers_only_its_agency_and_agency_roles(client_for, users, province):
    html = (
        client_for(users[Role.AGENCY_HEAD])
        .get(reverse("accounts:user_update", args=[users[Role.STAFF].pk]))
        .content.decode()
    )
    others = [a for key, a in province["agencies"].items() if key != "land"]
    assert f'value="{province["agencies"]["land"].pk}"' in html
    assert not any(f'value="{a.pk}"' in html for a in others)
    assert 'value="oversight"' not in html and 'value="provincial_viewer"' not in html


def test_edit_moves_a_user_and_the_detail_page_shows_the_history(client_for, users, province):
    staff, commune = users[Role.STAFF], province["agencies"]["commune_b"]
    client = client_for(users[Role.OVERSIGHT])
    response = client.post(
        reverse("accounts:user_update", args=[staff.pk]),
        {
            "last_name": "Nguyễn",
            "first_name": "staff",
            "email": "",
            "agency": commune.pk,
            "role": Role.STAFF,
            "unit": "Văn phòng",
            "position": "",
            "comment": "QĐ 5/QĐ-UBND",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.agency == commune
    html = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert "Cơ quan: Sở Nông nghiệp và Môi trường → UBND phường Ánh Dương" in html
    assert "QĐ 5/QĐ-UBND" in html


def test_deactivate_asks_for_confirmation_then_posts(client_for, users):
    staff = users[Role.STAFF]
    client = client_for(users[Role.ISO_SECRETARY])
    url = reverse("accounts:user_deactivate", args=[staff.pk])
    html = client.get(url).content.decode()
    assert "Ngừng kích hoạt tài khoản" in html and 'method="post"' in html
    staff.refresh_from_db()
    assert staff.is_active  # a GET changes nothing
    assert client.post(url, {"comment": "Nghỉ hưu"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert AuditEntry.objects.for_object(staff).order_by("seq").last().comment == "Nghỉ hưu"
    assert client.post(reverse("accounts:user_reactivate", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert staff.is_active


def test_password_reset_form(client_for, users):
    staff = users[Role.STAFF]
    client = client_for(users[Role.AGENCY_HEAD])
    url = reverse("accounts:user_password", args=[staff.pk])
    response = client.post(url, {"password": "staff", "password_confirm": "staff"})
    assert response.status_code == 200 and 'data-testid="field-error"' in response.content.decode()
    assert client.post(url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_pages_in_english(client_for, users):
    client = client_for(users[Role.OVERSIGHT])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert "Users" in html and "Add user" in html and "Search (diacritics optional)" in html
    html = client.get(reverse("accounts:user_deactivate", args=[users[Role.STAFF].pk])).content.decode()
    assert "Deactivate account" in html
    html = client.get(reverse("accounts:user_create")).content.decode()
    assert "Confirm password" in html and "Unit, department" in html


def test_deactivated_accounts_stay_hidden_on_further_pages(client_for, users, province):
    land = province["agencies"]["land"]
    User.objects.bulk_create(
        [User(username=f"u{i:03}", agency=land, first_name=f"U{i:03}", sort_key=f"U{i:03}") for i in range(60)]
    )
    User.objects.create_user("gone", agency=land, first_name="Z", is_active=False)
    html = client_for(users[Role.AGENCY_HEAD]).get(reverse("accounts:user_list"), {"page": 2}).content.decode()
    assert "<code>u059</code>" in html and "<code>gone</code>" not in html
