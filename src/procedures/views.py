from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import get_permitted, own_agency, require, scope_queryset, visible_agencies
from core.forms import apply_validation_error

from . import services
from .filters import ProcedureFilter
from .forms import CatalogImportForm, ProcedureForm, StatusForm, StepFormSet
from .models import AdminProcedure, ProcessDefinition


def _province(request):
    return own_agency(request.user).province


def _procedure(request, pk, perm="procedures.view_adminprocedure"):
    return get_permitted(
        request.user,
        AdminProcedure.objects.select_related("field", "province"),
        perm,
        _("Bạn không có quyền truy cập thủ tục này."),
        pk=pk,
    )


def catalog(request):
    require(request.user, "procedures.view_adminprocedure")
    qs = AdminProcedure.objects.select_related("field")
    if not request.user.is_superuser:
        qs = qs.filter(province=_province(request))
    filterset = ProcedureFilter(request.GET, qs, request=request)
    page = Paginator(filterset.qs.order_by("code"), 50).get_page(request.GET.get("page"))
    mine = set()
    if request.user.agency_id:
        mine = set(
            ProcessDefinition.objects.filter(agency_id=request.user.agency_id).values_list("procedure_id", flat=True)
        )
    return render(
        request,
        "procedures/catalog.html",
        {
            "page": page,
            "filter": filterset,
            "defined": mine,
        },
    )


def catalog_import(request):
    require(request.user, "procedures.add_adminprocedure")
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_catalog(_province(request), upload.file, upload.name)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Đã nhập: %(c)s thủ tục mới, %(u)s cập nhật, %(n)s không đổi, %(e)s dòng lỗi.")
                % {"c": result.created, "u": result.updated, "n": result.unchanged, "e": len(result.errors)},
            )
    return render(request, "procedures/catalog_import.html", {"form": form, "result": result})


def procedure_detail(request, pk):
    procedure = _procedure(request, pk)
    processes = scope_queryset(request.user, procedure.processes.select_related("agency").prefetch_related("steps"))
    own = None
    if request.user.agency_id:
        own = procedure.processes.filter(agency_id=request.user.agency_id).first()
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "processes": processes,
            "own_process": own,
            "agencies": procedure.agencies.order_by("sort_key"),
            "can_define": request.user.has_perm("procedures.change_processdefinition") and request.user.agency_id,
        },
    )


def procedure_create(request):
    require(request.user, "procedures.add_adminprocedure")
    province = _province(request)
    form = ProcedureForm(request.POST or None, agencies=visible_agencies(request.user).active())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            procedure = services.create_procedure(province, agencies=data.pop("agencies"), **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã thêm thủ tục “%(code)s”.") % {"code": procedure.code})
            return redirect("procedures:detail", procedure.pk)
    return render(request, "procedures/procedure_form.html", {"form": form, "title": _("Thêm thủ tục hành chính")})


def procedure_update(request, pk):
    procedure = _procedure(request, pk, "procedures.change_adminprocedure")
    form = ProcedureForm(request.POST or None, instance=procedure, agencies=visible_agencies(request.user).active())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        agencies = data.pop("agencies")
        try:
            services.update_procedure(procedure, agencies=agencies, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("procedures:detail", procedure.pk)
    return render(
        request,
        "procedures/procedure_form.html",
        {"form": form, "procedure": procedure, "title": _("Sửa thủ tục %(code)s") % {"code": procedure.code}},
    )


def procedure_status(request, pk):
    procedure = _procedure(request, pk, "procedures.change_adminprocedure")
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = {"processing_days": data["processing_days"]} if data["processing_days"] else {}
        try:
            services.change_status(procedure, data["status"], data["reason"], **extra)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Đã cập nhật tình trạng thủ tục; các quy trình liên quan được đánh dấu cần cập nhật.")
            )
            return redirect("procedures:detail", procedure.pk)
    return render(request, "procedures/procedure_status.html", {"form": form, "procedure": procedure})


def process_edit(request, pk):
    procedure = _procedure(request, pk)
    agency = own_agency(request.user)
    process = procedure.processes.filter(agency=agency).first()
    require(request.user, "procedures.change_processdefinition", process or agency)
    if process:
        initial = [
            {
                "code": s.code,
                "name": s.name,
                "responsible_unit": s.responsible_unit,
                "responsible_role": s.responsible_role,
                "days": str(s.days).replace(".", ","),
            }
            for s in process.steps.all()
        ]
    else:
        initial = [
            {"code": c, "name": n, "responsible_unit": u, "responsible_role": r, "days": str(d).replace(".", ",")}
            for (c, n, u, r), d in zip(
                services.STANDARD_STEPS, services.standard_allotment(procedure.processing_days), strict=True
            )
        ]
    formset = StepFormSet(request.POST or None, initial=initial)
    errors = []
    if request.method == "POST" and formset.is_valid():
        steps = [dict(f.cleaned_data) for f in formset.forms if f.cleaned_data]
        try:
            services.save_process(procedure, agency, steps, note=request.POST.get("note", ""))
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Đã lưu quy trình giải quyết."))
            return redirect("procedures:detail", procedure.pk)
    return render(
        request,
        "procedures/process_form.html",
        {
            "procedure": procedure,
            "formset": formset,
            "errors": errors,
            "process": process,
            "agency": agency,
        },
    )
