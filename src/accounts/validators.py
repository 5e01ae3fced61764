"""Password rules beyond Django's own, for the choices Vietnamese officials make: the user name inside the
password ("thuky12345", "Thuky@2026"), and common Vietnamese words with digits and symbols around them
("matkhau123", "Matkhau@2026"). Used through AUTH_PASSWORD_VALIDATORS, so /admin/ applies them too."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import search_key

# Words a Vietnamese office password is often made of (lower case, no diacritics): the word for password, roles
# and offices, the system's own names, endearments and the usual keyboard runs. Written for eISO.
COMMON_WORDS = frozenset(
    """
    matkhau mk pass password passwd admin administrator quantri quantrivien root user nguoidung taikhoan
    thuky thukyiso canbo congchuc vienchuc lanhdao truongphong phophong giamdoc chutich phochutich vanthu
    ketoan chuyenvien motcua bophanmotcua tiepnhan ubnd ubndxa ubndtinh ubndhuyen sokhcn sokhoahoc tdc
    chicuc iso isodientu eiso htqlcl vietnam hanoi saigon hochiminh anhyeuem emyeuanh yeuem iloveyou
    abc abcd abcdef qwerty asdf zxcv xinchao chaoban tamthoi macdinh test demo
    """.split()
)
MIN_NAME = 3  # shorter names ("an", "hà") are too common in passwords to refuse


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", search_key(text).lower())


class UserNameInPasswordValidator:
    """Refuses a password that contains the user name, or the user's given or family name, written with or without
    diacritics and in any case."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        key = _letters(password)
        for value in (getattr(user, "username", ""), getattr(user, "first_name", ""), getattr(user, "last_name", "")):
            name = _letters(value or "")
            if len(name) >= MIN_NAME and name in key:
                raise ValidationError(
                    _("Mật khẩu không được chứa tên đăng nhập hoặc họ tên của người dùng."),
                    code="password_contains_user_name",
                )

    def get_help_text(self) -> str:
        return _("Mật khẩu không được chứa tên đăng nhập hoặc họ tên của bạn.")


class VietnameseCommonPasswordValidator:
    """Refuses a password that is only a common word (see COMMON_WORDS) with digits and symbols around it."""

    def validate(self, password: str, user=None) -> None:
        letters = _letters(password)
        if letters in COMMON_WORDS or not letters:
            raise ValidationError(
                _("Mật khẩu này quá phổ biến (một từ thông dụng kèm chữ số, ký hiệu): hãy chọn mật khẩu khác."),
                code="password_too_common_vi",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu không được chỉ là một từ thông dụng (như “matkhau”, “thuky”) kèm chữ số hoặc ký hiệu.")
