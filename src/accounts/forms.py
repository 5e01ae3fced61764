from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from . import permissions


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm (không cần dấu)"), required=False)
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=None, required=False, empty_label=_("Tất cả"))
    role = forms.ChoiceField(label=_("Vai trò"), required=False)
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        required=False,
        choices=[("active", _("Đang hoạt động")), ("inactive", _("Đã ngừng kích hoạt")), ("", _("Tất cả"))],
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = permissions.visible_agencies(actor).order_by("sort_key")
        roles = permissions.assignable_roles(actor)
        self.fields["role"].choices = [("", _("Tất cả"))] + [(r.value, r.label) for r in roles]

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.filter(is_active=True)
        data = self.cleaned_data
        queryset = queryset.search(data["q"])
        if data["agency"]:
            queryset = queryset.filter(agency=data["agency"])
        if data["role"]:
            queryset = queryset.filter(role=data["role"])
        if data["status"] == "active":
            queryset = queryset.filter(is_active=True)
        elif data["status"] == "inactive":
            queryset = queryset.filter(is_active=False)
        return queryset


class UserForm(StyledFormMixin, forms.Form):
    """The fields of an account an administrator sets; the service validates scope, role and agency."""

    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        help_text=_("Chữ, số và các ký tự @ . + - _; không đổi được sau khi tạo."),
    )
    last_name = forms.CharField(label=_("Họ và tên đệm"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Tên"), max_length=150)
    email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False)
    agency = forms.ModelChoiceField(
        label=_("Cơ quan"), queryset=None, widget=forms.Select(attrs={"data-searchable": "1"})
    )
    role = forms.ChoiceField(label=_("Vai trò"))
    unit = forms.CharField(label=_("Phòng, bộ phận"), max_length=150, required=False)
    position = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)
    comment = forms.CharField(
        label=_("Ghi chú (ghi vào nhật ký)"),
        max_length=300,
        required=False,
        help_text=_("VD: số quyết định điều động."),
    )

    def __init__(self, *args, actor, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    name: getattr(instance, name)
                    for name in ("username", "last_name", "first_name", "email", "role", "unit", "position")
                }
                | {"agency": instance.agency_id}
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["role"].choices = [(r.value, r.label) for r in permissions.assignable_roles(actor)]
        agencies = permissions.assignable_agencies(actor).order_by("sort_key")
        if instance is not None:
            del self.fields["username"]
            if instance.agency_id:
                agencies = agencies | type(instance.agency).objects.filter(pk=instance.agency_id)
            if instance.pk == actor.pk:  # nobody changes their own role or agency
                self.fields["role"].disabled = self.fields["agency"].disabled = True
                self.fields["role"].choices = [(instance.role, instance.get_role_display())]
        else:
            del self.fields["comment"]
        self.fields["agency"].queryset = agencies.distinct().order_by("sort_key")
        if agencies.count() == 1 and not self.is_bound and instance is None:
            self.initial.setdefault("agency", agencies.first().pk)


class NewUserForm(UserForm):
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("Nhập lại mật khẩu: không khớp với mật khẩu đã nhập."))
        return data


class PasswordResetForm(StyledFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu mới"), strip=False, widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password_confirm = forms.CharField(label=_("Nhập lại mật khẩu mới"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("Nhập lại mật khẩu: không khớp với mật khẩu đã nhập."))
        return data


class ActiveForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Lý do (ghi vào nhật ký)"),
        max_length=300,
        required=False,
        help_text=_("VD: nghỉ hưu, chuyển công tác."),
    )


class TokenForm(StyledFormMixin, forms.Form):
    """The 6-digit code of the authenticator app (checked by the service, with django-otp's throttling)."""

    token = forms.CharField(
        label=_("Mã xác thực"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "data-testid": "otp-token",
            }
        ),
    )
