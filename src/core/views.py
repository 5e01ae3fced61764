from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import NotFound

from accounts.permissions import require
from accounts.roles import Role

from .dashboard import collect_panels
from .forms import CalendarOverrideForm
from .models import AuditEntry, CalendarOverride
from .pagination import KeysetPaginator

HOME_TITLES = {
    Role.STAFF: gettext_lazy("Trang làm việc của tôi"),
    Role.ISO_SECRETARY: gettext_lazy("Điều hành HTQLCL của cơ quan"),
    Role.AGENCY_HEAD: gettext_lazy("Lãnh đạo cơ quan"),
    Role.OVERSIGHT: gettext_lazy("Theo dõi HTQLCL toàn tỉnh"),
    Role.PROVINCIAL_VIEWER: gettext_lazy("Tổng quan HTQLCL toàn tỉnh"),
}


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """A health check for a load balancer or a monitor: plain "ok", no database, no session, no template. Through
    the whole middleware stack, it is also what serving a request costs by itself: the reference of
    `bench/bench_load.py`. Answered over plain HTTP too (settings.SECURE_REDIRECT_EXEMPT): a probe talks to the app
    server directly, behind the proxy that ends TLS."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def home(request):
    user = request.user
    role = Role(user.role) if user.role in Role.values else Role.STAFF
    return render(
        request,
        "core/home.html",
        {
            "role": role,
            "home_title": HOME_TITLES[role],
            "panels": collect_panels(request),
        },
    )


def visible_audit_entries(user):
    qs = AuditEntry.objects.select_related("content_type")
    if user.is_superuser:
        return qs
    if not user.agency_id:
        return qs.none()
    if user.has_province_scope:
        return qs.filter(province_id=user.agency.province_id)
    return qs.filter(agency_id=user.agency_id)


# Newest first, by the (province | agency, timestamp, id) indexes; `?from=` jumps to a day.
AUDIT_PAGES = KeysetPaginator(["-timestamp", "-id"], date_field="timestamp")


def audit_log(request):
    require(request.user, "core.view_auditentry", message=_("Bạn không có quyền xem nhật ký thay đổi."))
    entries = visible_audit_entries(request.user)
    if action := request.GET.get("action"):
        entries = entries.filter(action=action)
    page = AUDIT_PAGES.page(request, entries)
    return render(request, "core/audit_log.html", {"page": page, "actions": AuditEntry.Action.choices})


def object_history(request, ct, pk):
    content_type = get_object_or_404(ContentType, pk=ct)
    model = content_type.model_class()
    if model is None:
        raise Http404
    try:
        obj = model._default_manager.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    perm = f"{content_type.app_label}.view_{content_type.model}"
    require(request.user, perm, obj, _("Bạn không có quyền xem lịch sử của đối tượng này."))
    entries = AuditEntry.objects.for_object(obj).select_related("content_type")
    return render(request, "core/object_history.html", {"object": obj, "entries": entries})


def calendar_overrides(request):
    can_edit = request.user.has_perm("core.change_calendaroverride")
    form = CalendarOverrideForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Chỉ quản trị viên mới được sửa lịch làm việc."))
        if form.is_valid():
            form.save()
            messages.success(request, _("Đã lưu ngày hoán đổi."))
            return redirect("core:calendar")
    return render(
        request,
        "core/calendar.html",
        {
            "overrides": CalendarOverride.objects.all(),
            "form": form,
            "can_edit": can_edit,
        },
    )


@require_POST
def calendar_override_delete(request, pk):
    if not request.user.has_perm("core.change_calendaroverride"):
        raise PermissionDenied(_("Chỉ quản trị viên mới được sửa lịch làm việc."))
    get_object_or_404(CalendarOverride, pk=pk).delete()
    messages.success(request, _("Đã xóa ngày hoán đổi."))
    return redirect("core:calendar")


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("Bạn không có quyền truy cập trang này.")
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    """An address under /api/ that names nothing answers as the API does (JSON, DRF's message); any other, the page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
