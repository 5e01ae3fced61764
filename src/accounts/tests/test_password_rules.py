"""Passwords officials choose that a guesser tries first are refused, with Vietnamese messages, on /admin/ too.
Found by a new user: "thuky12345", "matkhau123" and "Thuky@2026" were accepted."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import User


@pytest.mark.parametrize(
    "username, password, code",
    [
        ("thuky", "thuky12345", "password_contains_user_name"),
        ("thuky", "Thuky@2026", "password_contains_user_name"),
        ("lanhdao", "matkhau123", "password_too_common_vi"),
        ("lanhdao", "Matkhau@2026!", "password_too_common_vi"),
        ("hoa.nguyen", "ISO-dien-tu@2026", None),  # "isodientu": a common word, with digits and symbols
        ("pvviet", "Pham-Quoc-Viet-1990", "password_contains_user_name"),  # the family/given name, no diacritics
    ],
)
def test_weak_passwords_are_refused(username, password, code):
    user = User(username=username, first_name="Việt", last_name="Phạm Quốc")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    codes = {e.code for e in refused.value.error_list}
    assert code in codes if code else codes & {"password_too_common_vi", "password_contains_user_name"}


def test_a_strong_password_passes_and_the_messages_are_vietnamese():
    user = User(username="thuky", first_name="Hoa", last_name="Lê Thị")
    validate_password("Song-Co-Chien@2026", user)  # nothing raised
    with pytest.raises(ValidationError) as refused:
        validate_password("thuky12345", user)
    assert "không được chứa tên đăng nhập" in " ".join(refused.value.messages)


def test_the_admin_refuses_them_too(admin_client, db):
    answer = admin_client.post(
        "/admin/accounts/user/add/",
        {"username": "thuky2", "password1": "thuky2-12345", "password2": "thuky2-12345", "usable_password": "true"},
    )
    assert answer.status_code == 200 and not User.objects.filter(username="thuky2").exists()
    assert "không được chứa tên đăng nhập" in answer.content.decode()
