from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import get_permitted, own_agency, require, scope_queryset
from core.forms import apply_validation_error
from core.http import file_download
from core.pagination import KeysetPaginator
from core.text import moment_text
from organizations.models import Agency
from procedures.models import AdminProcedure

from . import services, tasks
from .filters import DossierFilter, StatsFilter
from .forms import ApologyForm, HandOverForm, ImportForm, NoteForm, ReceiveForm, TokenForm
from .models import (
    ApologyLetter,
    Dossier,
    DossierWarning,
    EventKind,
    ImportJob,
    IntegrationToken,
    LateStepStat,
    MonthlyStat,
)


def _own_agency(request, perm):
    return own_agency(request.user, perm, _("Chức năng này dành cho cán bộ của cơ quan giải quyết hồ sơ."))


def _dossier(request, pk, perm="dossiers.view_dossier"):
    return get_permitted(
        request.user,
        Dossier.objects.select_related("agency", "procedure", "field", "holder"),
        perm,
        _("Bạn không có quyền truy cập hồ sơ này."),
        pk=pk,
    )


# Newest first, by the (agency | field | status, received_at, id) indexes; `?from=` jumps to a day of receipt. The
# names of a row's agency and procedure are subqueries, evaluated for the page's 50 rows only: joined, they led
# SQLite's planner to sort the whole province before taking a page (and model instances of them cost more than
# the page's queries).
_NAMES = {
    "agency_name": Subquery(Agency.objects.filter(pk=OuterRef("agency_id")).values("name")[:1]),
    "procedure_name": Subquery(AdminProcedure.objects.filter(pk=OuterRef("procedure_id")).values("name")[:1]),
}
LIST_PAGES = KeysetPaginator(["-received_at", "-id"], date_field="received_at")
# A search counts its matches up to 100 ("hơn 100 hồ sơ": refine it). A common name is counted by walking the list's
# order: up to 1,000 matches of a name carried by one dossier in two hundred walked 240,000 dossiers (0.4 s at
# 5,000,000 dossiers), up to 100 a tenth of that.
SEARCH_COUNT_CAP = 100


def list_page(request):
    """The dossier list's filters and the page the request asks for, in the user's scope (the view's and the
    benchmark's)."""
    dossiers = scope_queryset(request.user, Dossier.objects.annotate(**_NAMES))
    filterset = DossierFilter(request.GET, dossiers, request=request)
    qs = filterset.qs  # validates the form
    searching = bool(filterset.form.cleaned_data.get("q", "").strip())
    return filterset, LIST_PAGES.page(request, qs, count_cap=SEARCH_COUNT_CAP if searching else None)


def dossier_list(request):
    require(request.user, "dossiers.view_dossier")
    user = request.user
    filterset, page = list_page(request)
    province_scope = filterset.province_scope
    return render(
        request,
        "dossiers/dossier_list.html",
        {
            "page": page,
            "filter": filterset,
            "now": filterset.now,
            "province_scope": province_scope,
            "can_receive": user.has_perm("dossiers.add_dossier") and not user.has_province_scope,
            "can_hold": not province_scope
            and (request.GET.get("mine") or Dossier.objects.open().filter(holder=user).exists()),
        },
    )


def dossier_receive(request):
    agency = _own_agency(request, "dossiers.add_dossier")
    procedures = (
        AdminProcedure.objects.filter(processes__agency=agency)
        .exclude(status=AdminProcedure.Status.ANNULLED)
        .order_by("code")
    )
    form = ReceiveForm(request.POST or None, procedures=procedures)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dossier = services.receive_dossier(
                agency,
                request.user,
                code=data["code"],
                procedure_code=data["procedure"].code,
                applicant_name=data["applicant_name"],
                applicant_address=data["applicant_address"],
                received_at=data["received_at"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Đã tiếp nhận hồ sơ %(code)s, hẹn trả %(due)s.")
                % {"code": dossier.code, "due": moment_text(dossier.due_at)},
            )
            return redirect(dossier)
    return render(request, "dossiers/dossier_receive.html", {"form": form, "has_procedures": procedures.exists()})


def _next_step(steps, dossier):
    codes = [s.code for s in steps]
    if dossier.current_step in codes and codes.index(dossier.current_step) + 1 < len(codes):
        return codes[codes.index(dossier.current_step) + 1]
    return codes[-1] if codes else None


def _handling(request, dossier):
    """(can act, acts for the holder): the holder acts; the head or the ISO secretary may act for him."""
    user = request.user
    if not (dossier.is_open and user.has_perm("dossiers.add_dossierevent", dossier)):
        return False, False
    if services.holds(user, dossier):
        return True, False
    acting = services.may_act_for_holder(user, dossier)
    return acting, acting


def dossier_detail(request, pk):
    dossier = _dossier(request, pk)
    steps = services.process_steps(dossier)
    can_handle, acting_for = _handling(request, dossier)
    members = dossier.agency.members.filter(is_active=True).order_by("last_name", "first_name")
    return render(
        request,
        "dossiers/dossier_detail.html",
        {
            "dossier": dossier,
            "lines": services.step_lines(dossier, steps),
            "steps": steps,
            "handover_form": HandOverForm(
                steps=services.allowed_steps(dossier, steps),
                members=members,
                initial={"step": _next_step(steps, dossier)},
            )
            if can_handle
            else None,
            "note_form": NoteForm(),
            "can_handle": can_handle,
            "acting_for": acting_for,
            "now": timezone.now(),
            "overdue": dossier.is_open and dossier.due_at < timezone.now(),
            # once a letter has set a new date, another is due only if that date passes too
            "can_apologize": request.user.has_perm("dossiers.add_apologyletter", dossier)
            and (dossier.apology_due_at is None or dossier.apology_due_at < timezone.now()),
            "apologies": dossier.apologies.all(),
        },
    )


@require_POST
def dossier_action(request, pk, kind):
    dossier = _dossier(request, pk, "dossiers.add_dossierevent")
    data = {"note": request.POST.get("note", "")[:500]}
    if kind == EventKind.TRANSFER:
        members = dossier.agency.members.filter(is_active=True)
        form = HandOverForm(request.POST, steps=services.process_steps(dossier), members=members)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(dossier)
        to_user = form.cleaned_data["to_user"]
        data.update(
            step=form.cleaned_data["step"],
            note=form.cleaned_data["note"],
            to_name=to_user.get_full_name() if to_user else form.cleaned_data["to_name"],
            to_username=to_user.username if to_user else "",
            to_unit=to_user.unit if to_user else "",
        )
    elif kind not in (EventKind.SUPPLEMENT_REQUEST, EventKind.SUPPLEMENT_RECEIVED, EventKind.RETURN, EventKind.REFUSE):
        raise PermissionDenied(_("Thao tác không hợp lệ."))
    try:
        services.web_event(dossier, request.user, kind, **data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã ghi nhận: %(kind)s.") % {"kind": EventKind(kind).label})
    return redirect(dossier)


PDF_KEPT_SECONDS = 3600


def _pdf(html, request, filename):
    """The PDF of a printed page (WeasyPrint: about half a second of CPU), kept an hour under the hash of its HTML:
    the same sheet opened again, by anyone, is the same bytes; any change of its content is another key."""
    import hashlib

    from django.core.cache import cache
    from weasyprint import HTML

    base_url = request.build_absolute_uri("/")
    key = "pdf:" + hashlib.sha256(f"{base_url}|{html}".encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = HTML(string=html, base_url=base_url).write_pdf()
        cache.set(key, content, PDF_KEPT_SECONDS)
    return file_download(content, filename, inline=True)


def control_sheet(request, pk, pdf=False):
    dossier = _dossier(request, pk)
    steps = services.process_steps(dossier)
    context = {"dossier": dossier, "lines": services.step_lines(dossier, steps), "pdf": pdf, "steps": steps}
    if pdf:
        html = render_to_string("dossiers/control_sheet_print.html", context, request=request)
        return _pdf(html, request, f"phieu-kiem-soat-{dossier.code}.pdf")
    return render(request, "dossiers/control_sheet.html", context)


def apology_create(request, pk):
    dossier = _dossier(request, pk, "dossiers.add_apologyletter")
    signer = services.apology_signer(dossier.agency)
    initial = {
        "signer_name": signer.get_full_name() if signer else "",
        "signer_title": signer.position if signer else "",
    }
    form = ApologyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.issue_apology(dossier, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã lập phiếu xin lỗi số %(n)s.") % {"n": letter.number})
            return redirect(dossier)
    return render(request, "dossiers/apology_form.html", {"form": form, "dossier": dossier})


def apology_pdf(request, pk):
    letter = get_object_or_404(ApologyLetter.objects.select_related("dossier", "agency", "dossier__procedure"), pk=pk)
    require(request.user, "dossiers.view_dossier", letter.dossier, _("Bạn không có quyền truy cập hồ sơ này."))
    html = render_to_string(
        "dossiers/apology_print.html", {"letter": letter, "dossier": letter.dossier}, request=request
    )
    return _pdf(html, request, f"phieu-xin-loi-{letter.dossier.code}.pdf")


def warning_list(request):
    require(request.user, "dossiers.view_dossierwarning")
    warnings = DossierWarning.objects.filter(user=request.user).select_related("dossier")
    if request.method == "POST":
        warnings.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("dossiers:warnings")
    return render(request, "dossiers/warnings.html", {"warnings": warnings[:200]})


# -- bulk import --------------------------------------------------------------------------------
def import_list(request):
    agency = _own_agency(request, "dossiers.add_importjob")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = tasks.start_import(agency, form.cleaned_data["file"], request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("dossiers:import_detail", job.pk)
    jobs = ImportJob.objects.filter(agency=agency)[:30]
    return render(
        request,
        "dossiers/import_list.html",
        {"form": form, "jobs": jobs, "kinds": EventKind.choices, "processes": services.agency_step_codes(agency)},
    )


def import_template(request):
    """A CSV with the import's column headers and a worked example, to fill from the one-stop-shop export."""
    agency = _own_agency(request, "dossiers.add_importjob")
    return file_download(services.import_template_csv(agency), "mau-nhap-ho-so.csv")


def _job(request, pk):
    return get_permitted(
        request.user, ImportJob, "dossiers.view_importjob", _("Bạn không có quyền xem lượt nhập này."), pk=pk
    )


def import_detail(request, pk):
    job = _job(request, pk)
    template = "dossiers/_import_progress.html" if request.htmx else "dossiers/import_detail.html"
    return render(request, template, {"job": job, "errors": job.row_errors.all()[:100]})


def import_errors(request, pk, fmt):
    return file_download(*services.error_report(_job(request, pk), fmt))


# -- integration tokens -------------------------------------------------------------------------
def token_list(request):
    agency = _own_agency(request, "dossiers.add_integrationtoken")
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _token, raw = IntegrationToken.issue(agency, form.cleaned_data["name"], request.user)
        messages.warning(request, _("Sao chép khóa ngay: khóa chỉ hiển thị một lần."))
    tokens = IntegrationToken.objects.filter(agency=agency)
    return render(request, "dossiers/tokens.html", {"form": form, "tokens": tokens, "raw": raw})


def token_revoke(request, pk):
    """GET: what revoking means, with a confirmation; POST: revoke."""
    agency = _own_agency(request, "dossiers.add_integrationtoken")
    token = get_object_or_404(IntegrationToken, pk=pk, agency=agency, revoked_at__isnull=True)
    if request.method == "POST":
        token.revoked_at = timezone.now()
        token.save()
        messages.success(request, _("Đã thu hồi khóa “%(name)s”.") % {"name": token.name})
        return redirect("dossiers:tokens")
    return render(request, "dossiers/token_revoke.html", {"token": token})


# -- analytics ----------------------------------------------------------------------------------
def _analytics_scope(request):
    """The filter (its form renders the page's selects), the on-time summary and the late-step summary in the user's
    scope, filtered alike: the year selects by summary month (receipt, return or refusal for MonthlyStat; the delay
    for LateStepStat), then field, agency."""
    require(request.user, "dossiers.view_analytics")
    user = request.user
    filterset = StatsFilter(request.GET, scope_queryset(user, MonthlyStat.objects.all()), request=request)
    late_stats = StatsFilter(filterset.data, scope_queryset(user, LateStepStat.objects.all())).qs  # the same year
    return filterset, filterset.qs, late_stats


CHART_FIELDS = 10


def analytics(request):
    filterset, stats, late_stats = _analytics_scope(request)
    figures = services.analytics_figures(
        stats, late_stats, {"field": None, "month": None, "agency": 15, "procedure": 15}, late_limit=15
    )
    tables = figures["tables"]
    by_field, by_month, by_agency, by_procedure = (tables[by] for by in ("field", "month", "agency", "procedure"))
    # The chart: the fields with the most late dossiers (a province has dozens of fields; the table has them all).
    chart_fields = by_field[:CHART_FIELDS]
    chart = {
        "field": {
            "labels": [r["label"] for r in chart_fields],
            "rate": [r["rate"] for r in chart_fields],
            "late": [r["late"] for r in chart_fields],
        },
        "month": {
            "labels": [r["label"] for r in by_month],
            "rate": [r["rate"] for r in by_month],
            "completed": [r["completed"] for r in by_month],
        },
        "agency": {
            "labels": [r["label"] for r in by_agency],
            "rate": [r["rate"] for r in by_agency],
            "late": [r["late"] for r in by_agency],
        },
    }

    return render(
        request,
        "dossiers/analytics.html",
        {
            "totals": figures["totals"],
            "computed_at": figures["computed_at"],
            "cache_seconds": settings.EISO["ANALYTICS_CACHE_SECONDS"],
            "by_field": by_field,
            "by_month": by_month,
            "by_agency": by_agency,
            "by_procedure": by_procedure,
            "bottlenecks": figures["bottlenecks"],
            "chart_data": chart,
            "chart_fields": len(chart_fields),
            "filter": filterset,
            "province_scope": filterset.province_scope,
        },
    )


def analytics_xlsx(request):
    _filterset, stats, late_stats = _analytics_scope(request)
    return file_download(services.analytics_xlsx(stats, late_stats), "ty-le-dung-han.xlsx")
