from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import get_permitted, require, visible_agencies
from core.forms import apply_validation_error

from . import services
from .filters import AgencyFilter
from .forms import AgencyForm, MergeForm, MoveForm, SplitForm
from .models import Agency, AgencyChange


def _agency_for(request, pk, perm="organizations.view_agency"):
    """The agency, if the user may act on it; a clear 403 otherwise (never another tenant's data)."""
    return get_permitted(
        request.user,
        Agency.objects.select_related("province", "kind", "parent"),
        perm,
        _("Bạn không có quyền truy cập cơ quan này."),
        pk=pk,
    )


def agency_list(request):
    require(request.user, "organizations.view_agency")
    base = visible_agencies(request.user).select_related("kind", "parent", "province")
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = Agency.Status.ACTIVE
    filterset = AgencyFilter(params, queryset=base)
    agencies = list(filterset.qs)
    filtered = any(params.get(k) for k in ("q", "kind", "obligation")) or params.get("status") != Agency.Status.ACTIVE
    context = {
        "filter": filterset,
        "agencies": agencies,
        "tree": None if filtered else services.build_tree(agencies),
        "counts": {
            "total": len(agencies),
            "mandatory": sum(a.obligation == "mandatory" for a in agencies),
            "encouraged": sum(a.obligation == "encouraged" for a in agencies),
        },
    }
    template = "organizations/_agency_results.html" if request.htmx else "organizations/agency_list.html"
    return render(request, template, context)


def agency_detail(request, pk):
    agency = _agency_for(request, pk)
    changes = AgencyChange.objects.filter(predecessors=agency) | AgencyChange.objects.filter(successors=agency)
    return render(
        request,
        "organizations/agency_detail.html",
        {
            "agency": agency,
            "children": agency.children.select_related("kind").order_by("kind__order", "sort_key"),
            "members": agency.members.filter(is_active=True).order_by("role", "last_name", "first_name"),
            "changes": changes.distinct().prefetch_related("predecessors", "successors"),
        },
    )


def agency_create(request):
    require(request.user, "organizations.add_agency")
    agencies = visible_agencies(request.user)
    form = AgencyForm(request.POST or None, agencies=agencies, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        parent = data.get("parent")
        province = parent.province if parent else request.user.agency.province
        try:
            agency = services.create_agency(province=province, user=request.user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã tạo cơ quan “%(name)s”.") % {"name": agency.name})
            return redirect(agency)
    return render(request, "organizations/agency_form.html", {"form": form, "title": _("Thêm cơ quan, đơn vị")})


def agency_update(request, pk):
    agency = _agency_for(request, pk, "organizations.change_agency")
    form = AgencyForm(request.POST or None, instance=agency, agencies=visible_agencies(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agency(agency, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(agency)
    return render(
        request,
        "organizations/agency_form.html",
        {"form": form, "agency": agency, "title": _("Sửa thông tin: %(name)s") % {"name": agency.name}},
    )


def agency_move(request, pk):
    agency = _agency_for(request, pk, "organizations.restructure_agency")
    form = MoveForm(
        request.POST or None,
        agencies=visible_agencies(request.user).exclude(pk=agency.pk),
        initial={"parent": agency.parent_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.move_agency(
                agency,
                form.cleaned_data["parent"],
                effective_on=form.cleaned_data["effective_on"],
                decision=form.cleaned_data["decision"],
                user=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã chuyển “%(name)s”.") % {"name": agency.name})
            return redirect(agency)
    return render(request, "organizations/agency_move.html", {"form": form, "agency": agency})


def agency_merge(request):
    require(request.user, "organizations.restructure_agency")
    agencies = visible_agencies(request.user).active().select_related("kind")
    initial = {"agencies": request.GET.getlist("agency")}
    form = MergeForm(request.POST or None, agencies=agencies, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.merge_agencies(
                list(data["agencies"]),
                name=data["name"],
                code=data["code"],
                kind=data["kind"],
                effective_on=data["effective_on"],
                decision=data["decision"],
                user=request.user,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Đã hợp nhất thành “%(name)s”. Cần rà soát phạm vi HTQLCL.") % {"name": result.name}
            )
            return redirect(result)
    return render(request, "organizations/agency_merge.html", {"form": form})


def agency_split(request, pk):
    agency = _agency_for(request, pk, "organizations.restructure_agency")
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            results = services.split_agency(
                agency, data["names"], effective_on=data["effective_on"], decision=data["decision"], user=request.user
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã chia tách thành %(n)s cơ quan mới.") % {"n": len(results)})
            return redirect(agency)
    return render(request, "organizations/agency_split.html", {"form": form, "agency": agency})


@require_POST
def agency_scope_reviewed(request, pk):
    agency = _agency_for(request, pk, "organizations.change_agency")
    services.mark_scope_reviewed(agency)
    messages.success(request, _("Đã ghi nhận: phạm vi HTQLCL đã được rà soát."))
    return redirect(agency)
