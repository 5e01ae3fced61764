from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.permissions import get_permitted, own_agency, require, scope_queryset, visible_agencies
from core.forms import apply_validation_error
from core.http import file_download, safe_next
from core.pagination import KeysetPaginator
from core.text import search_key

from . import files, search, services, tasks
from .forms import (
    VERSION_STATUS_BADGE,
    DistributeForm,
    DocumentForm,
    FilterForm,
    InForceForm,
    InstantiateForm,
    RecordFileForm,
    RecordTypeForm,
    ReviseForm,
    TemplateDocumentForm,
    TemplateForm,
    TransitionForm,
)
from .models import (
    Distribution,
    Document,
    DocumentVersion,
    Notification,
    QmsTemplate,
    RecordFile,
    RecordType,
    TemplateDocument,
)


def _document_for(request, pk, perm="documents.view_document"):
    return get_permitted(
        request.user,
        Document.objects.select_related("agency", "current_version", "admin_procedure", "responsible"),
        perm,
        _("Bạn không có quyền truy cập tài liệu này."),
        pk=pk,
    )


def _version_for(request, pk, perm="documents.view_document"):
    version = get_object_or_404(DocumentVersion.objects.select_related("document__agency", "author"), pk=pk)
    require(request.user, perm, version.document, _("Bạn không có quyền truy cập tài liệu này."))
    return version


def _own_agency(request):
    return own_agency(request.user)


# -- lists ---------------------------------------------------------------------------------------
# The quality system's order: agency, type of document (policy first), code; the id makes each row's place unique.
# No index serves this order across agencies: each page sorts the visible documents (tens of thousands at most), and
# the capped count does not sort them first.
DOCUMENT_PAGES = KeysetPaginator(["agency__sort_key", services.type_rank().asc(), "code", "id"], count_in_order=False)


def document_list(request):
    require(request.user, "documents.view_document")
    agencies = visible_agencies(request.user).order_by("sort_key")
    form = FilterForm(request.GET or None, agencies=agencies)
    docs = scope_queryset(request.user, Document.objects.for_listing())
    if form.is_valid():
        data = form.cleaned_data
        if data["doc_type"]:
            docs = docs.filter(doc_type=data["doc_type"])
        if data["status"]:
            docs = docs.filter(status=data["status"])
        if data["unit"]:
            docs = docs.filter(owner_unit__icontains=data["unit"].strip())
        if data["agency"]:
            docs = docs.filter(agency=data["agency"])
        if data["q"]:
            docs = search.search(docs, data["q"])
    page = DOCUMENT_PAGES.page(request, docs)
    return render(
        request,
        "documents/document_list.html",
        {
            "form": form,
            "page": page,
            "show_agency": request.user.has_province_scope or request.user.is_superuser,
        },
    )


def in_force(request):
    """The list of documents in force on a day (default today), exportable to XLSX and DOCX.

    Agency roles see their agency's; province-wide roles every agency of the province, or one they pick."""
    require(request.user, "documents.view_document")
    user = request.user
    agencies = visible_agencies(user).order_by("sort_key")
    province_wide = user.has_province_scope or user.is_superuser
    agency_id = request.GET.get("agency") or ("" if province_wide else user.agency_id)
    agency = agencies.filter(pk=agency_id).first() if agency_id and str(agency_id).isdigit() else None
    if agency is None and agency_id:
        raise PermissionDenied(_("Bạn không có quyền xem tài liệu của cơ quan này."))
    form = InForceForm(request.GET or None, agencies=agencies if province_wide else None)
    today = timezone.localdate()
    as_of = today
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or today
    elif form.is_bound and form.errors.get("as_of"):
        messages.error(request, _("Ngày xem hiệu lực không hợp lệ (dd/mm/yyyy); danh mục hiển thị theo ngày hôm nay."))
    fmt = request.GET.get("format")
    if agency is not None and fmt in ("xlsx", "docx"):
        stamp = as_of.strftime("%Y%m%d")
        name = f"danh-muc-tai-lieu-{slugify(search_key(agency.code))}-{stamp}.{fmt}"
        export = services.export_in_force_xlsx if fmt == "xlsx" else services.export_in_force_docx
        return file_download(export(agency, as_of), name)
    scope = agency if agency is not None else agencies
    documents = services.in_force_documents(scope, as_of) if (agency is not None or province_wide) else []
    page = Paginator(documents, 200).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/in_force.html",
        {
            "agency": agency,
            "form": form,
            "province_wide": province_wide,
            "show_agency": agency is None,
            "page": page,
            "documents": page.object_list,
            "total": len(documents),
            "today": today,
            "as_of": as_of,
            "export_query": f"agency={agency.pk}&as_of={as_of:%d/%m/%Y}" if agency is not None else "",
        },
    )


def needs_review(request):
    require(request.user, "documents.view_document")
    docs = (
        scope_queryset(request.user, Document.objects.needs_review().for_listing())
        .select_related("responsible", "admin_procedure")
        .order_by("review_due", "code")
    )
    return render(request, "documents/needs_review.html", {"documents": docs, "today": timezone.localdate()})


# -- create and edit -----------------------------------------------------------------------------
def document_create(request):
    agency = _own_agency(request)
    require(request.user, "documents.add_document", agency)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        agency=agency,
        initial={"doc_type": request.GET.get("type") or "procedure", "review_period_months": 12},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload, body = data.pop("upload"), data.pop("body")
        data.pop("change_reason")
        try:
            document = services.create_document(agency=agency, user=request.user, upload=upload, body=body, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            tasks.start_preview(document.versions.get())
            messages.success(request, _("Đã tạo dự thảo tài liệu “%(doc)s”.") % {"doc": document})
            return redirect(document)
    return render(request, "documents/document_form.html", {"form": form, "title": _("Tạo tài liệu mới")})


def version_edit(request, pk):
    version = _version_for(request, pk, "documents.change_document")
    document = version.document
    if not version.is_editable:
        messages.error(
            request,
            _(
                "Phiên bản lần %(rev)s đang ở trạng thái “%(status)s”, không thể sửa. Muốn thay đổi "
                "tài liệu đã ban hành, hãy tạo lần sửa đổi mới."
            )
            % {"rev": version.revision, "status": version.get_status_display()},
        )
        return redirect(version)
    form = DocumentForm(
        request.POST or None, request.FILES or None, instance=document, agency=document.agency, version=version
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload, body = data.pop("upload"), data.pop("body")
        try:
            version = services.update_draft(version, request.user, upload=upload, body=body, **data)
        except ValidationError as exc:
            document.refresh_from_db()
            apply_validation_error(form, exc)
        else:
            tasks.start_preview(version)
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect(version)
    return render(
        request,
        "documents/document_form.html",
        {
            "form": form,
            "document": document,
            "version": version,
            "title": _("Sửa dự thảo: %(doc)s (lần %(rev)s)") % {"doc": document, "rev": version.revision},
        },
    )


# -- detail, preview, files ----------------------------------------------------------------------
def document_detail(request, pk):
    document = _document_for(request, pk)
    versions = list(document.versions.select_related("author", "approved_by", "issued_by").order_by("-revision"))
    current = document.current_version
    open_version = next((v for v in versions if v.status not in DocumentVersion.CLOSED), None)
    my_distribution = None
    if current is not None:
        my_distribution = current.distributions.filter(recipient=request.user).first()
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "versions": versions,
            "current": current,
            "open_version": open_version,
            "change_log": [v for v in versions if v.status in DocumentVersion.CLOSED or v is open_version],
            "my_distribution": my_distribution,
            "summary": services.distribution_summary(current) if current else None,
            "badges": VERSION_STATUS_BADGE,
            "record_types": document.record_types.all(),
            **_workflow_context(open_version),
        },
    )


def _workflow_context(version):
    """The workflow's rules for the page: who may act at each step, and who drafted the open version."""
    drafter = version.author if version is not None and version.status not in DocumentVersion.CLOSED else None
    return {
        "workflow_steps": services.workflow_steps(),
        "separation": services.separation_of_duties(),
        "drafter": str(drafter) if drafter else "",
    }


def _preview(version):
    """(kind, preview): how the version's content is shown in the page. A DOCX's preview is the one stored by the
    task worker (requested here on first need), never converted on the request; written content is rendered
    here, bounded as a preview is."""
    if version.file_kind == "pdf":
        return "pdf", None
    if version.file_kind == "docx":
        tasks.start_preview(version)
        return "docx", services.preview_of(version)
    if version.body:
        return "html", files.body_preview(version.body, services.preview_max_chars())
    return "empty", None


def version_detail(request, pk):
    version = _version_for(request, pk)
    document = version.document
    kind, preview = _preview(version)
    return render(
        request,
        "documents/version_detail.html",
        {
            "version": version,
            "document": document,
            "preview_kind": kind,
            "preview": preview,
            "actions": services.allowed_actions(version, request.user),
            "transitions": version.transitions.select_related("actor"),
            "badges": VERSION_STATUS_BADGE,
            "is_current": document.current_version_id == version.pk and version.status == DocumentVersion.Status.ISSUED,
            "today": timezone.localdate(),
            **_workflow_context(version),
        },
    )


def version_preview(request, pk):
    """The DOCX preview's block alone (htmx polls it while the preview is being prepared)."""
    version = _version_for(request, pk)
    if version.file_kind != "docx":
        raise Http404(_("Phiên bản này không có tệp DOCX."))
    tasks.start_preview(version)  # a render lost with its worker is requested again while someone waits
    context = {"version": version, "preview": services.preview_of(version)}
    return render(request, "documents/_docx_preview.html", context)


def _file_response(version, inline):
    if not version.file:
        raise Http404(_("Phiên bản này không có tệp đính kèm."))
    try:
        handle = version.file.open("rb")
    except OSError as exc:
        raise Http404(_("Không tìm thấy tệp.")) from exc
    name = version.original_name or f"{version.document.code}.{version.file_kind}"
    if version.is_retired:
        name = f"HET-HIEU-LUC_{name}"
    ctype = (
        "application/pdf"
        if version.file_kind == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = FileResponse(handle, as_attachment=not inline, filename=name, content_type=ctype)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def version_download(request, pk):
    return _file_response(_version_for(request, pk), inline=False)


@xframe_options_sameorigin
def version_inline(request, pk):
    version = _version_for(request, pk)
    if version.file_kind != "pdf":
        raise Http404(_("Chỉ xem trực tiếp được tệp PDF."))
    return _file_response(version, inline=True)


# -- workflow ------------------------------------------------------------------------------------
@require_POST
def version_transition(request, pk, action):
    version = _version_for(request, pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    effective = form.cleaned_data.get("effective_date") if hasattr(form, "cleaned_data") else None
    if form.errors.get("effective_date"):
        messages.error(request, _("Ngày hiệu lực không hợp lệ (dd/mm/yyyy)."))
        return redirect(version)
    try:
        services.transition(
            version, request.user, action, comment=request.POST.get("comment", ""), effective_date=effective
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        version.refresh_from_db()
        messages.success(
            request,
            _("Đã chuyển phiên bản lần %(rev)s sang “%(status)s”.")
            % {"rev": version.revision, "status": version.get_status_display()},
        )
    return redirect(version)


def document_revise(request, pk):
    document = _document_for(request, pk, "documents.change_document")
    form = ReviseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.revise(document, request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Đã tạo dự thảo sửa đổi lần %(rev)s. Phiên bản đang ban hành vẫn còn hiệu lực "
                    "cho đến khi bản sửa đổi được ban hành."
                )
                % {"rev": version.revision},
            )
            return redirect("documents:version_edit", version.pk)
    return render(request, "documents/revise.html", {"form": form, "document": document})


@require_POST
def document_reviewed(request, pk):
    document = _document_for(request, pk, "documents.change_document")
    try:
        services.mark_reviewed(document, request.user, request.POST.get("comment", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Đã ghi nhận xem xét định kỳ; hạn xem xét tiếp theo: %(d)s.")
            % {"d": Document.objects.get(pk=pk).review_due.strftime("%d/%m/%Y")},
        )
    return redirect(document)


# -- distribution --------------------------------------------------------------------------------
def version_distribute(request, pk):
    version = _version_for(request, pk, "documents.distribute_document")
    members = services.agency_members(version.document.agency)
    form = DistributeForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.distribute(
                version, request.user, recipients=form.cleaned_data["recipients"], units=form.cleaned_data["units"]
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã phân phối cho %(n)s người.") % {"n": created})
            return redirect("documents:version_distribute", version.pk)
    distributions = version.distributions.select_related("recipient")
    return render(
        request,
        "documents/distribute.html",
        {
            "version": version,
            "document": version.document,
            "form": form,
            "distributions": distributions,
            "pending": [d for d in distributions if d.acknowledged_at is None],
            "summary": services.distribution_summary(version),
            "history_ct": ContentType.objects.get_for_model(Distribution).pk
            if request.user.has_perm("documents.view_distribution")
            else None,
        },
    )


@require_POST
def version_acknowledge(request, pk):
    version = _version_for(request, pk, "documents.acknowledge_document")
    try:
        services.acknowledge(version, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã xác nhận đã đọc “%(doc)s”.") % {"doc": version.document})
    return redirect(safe_next(request, version.document.get_absolute_url()))


def my_reading(request):
    """Documents distributed to me: what I still have to read, and what I confirmed."""
    distributions = request.user.document_distributions.select_related("version__document").order_by(
        "acknowledged_at", "-distributed_at"
    )
    return render(request, "documents/my_reading.html", {"distributions": distributions})


def notifications(request):
    items = Notification.objects.filter(user=request.user).select_related("document")[:200]
    if request.method == "POST":
        note = get_object_or_404(Notification, pk=request.POST.get("id"), user=request.user)
        services.mark_notification_read(note, request.user)
        return redirect(note.document.get_absolute_url() if note.document_id else "documents:notifications")
    return render(request, "documents/notifications.html", {"items": items})


# -- records -------------------------------------------------------------------------------------
def records(request):
    require(request.user, "documents.view_recordtype")
    types = scope_queryset(request.user, RecordType.objects.all()).select_related("document", "form", "agency")
    files_qs = scope_queryset(request.user, RecordFile.objects.all(), "record_type__agency").select_related(
        "record_type__document"
    )
    return render(
        request,
        "documents/records.html",
        {
            "record_types": types.order_by("agency__sort_key", "document__code", "name"),
            "expiring": services.expiring_record_files(files_qs).order_by("expires_on"),
            "record_files": files_qs.order_by("-closed_on")[:100],
            "today": timezone.localdate(),
            "can_add": request.user.has_perm("documents.add_recordtype", request.user.agency)
            if request.user.agency_id
            else False,
        },
    )


def _record_register_create(request, form, service, done, title):
    """The two forms of the records register (a record type, a record file): one permission, one page."""
    if request.method == "POST" and form.is_valid():
        try:
            service(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("documents:records")
    return render(request, "documents/simple_form.html", {"form": form, "title": title, "back": "documents:records"})


def record_type_create(request):
    agency = _own_agency(request)
    require(request.user, "documents.add_recordtype", agency)
    form = RecordTypeForm(request.POST or None, documents=Document.objects.filter(agency=agency))
    return _record_register_create(
        request, form, services.create_record_type, _("Đã thêm loại hồ sơ."), _("Thêm loại hồ sơ")
    )


def record_file_create(request):
    agency = _own_agency(request)
    require(request.user, "documents.add_recordtype", agency)
    form = RecordFileForm(request.POST or None, record_types=RecordType.objects.filter(agency=agency))
    return _record_register_create(
        request, form, services.add_record_file, _("Đã thêm tập hồ sơ."), _("Thêm tập hồ sơ lưu trữ")
    )


# -- model QMS templates -------------------------------------------------------------------------
def _templates_for(user):
    qs = QmsTemplate.objects.select_related("kind", "province")
    if user.is_superuser:
        return qs
    if not user.agency_id:
        return qs.none()
    return qs.filter(province_id=user.agency.province_id)


def _template_for(request, pk, perm="documents.view_qmstemplate"):
    return get_permitted(
        request.user,
        QmsTemplate.objects.select_related("kind", "province"),
        perm,
        _("Bạn không có quyền truy cập mô hình này."),
        pk=pk,
    )


def template_list(request):
    require(request.user, "documents.view_qmstemplate")
    templates = _templates_for(request.user)
    if not (request.user.has_province_scope or request.user.is_superuser) and request.user.agency_id:
        templates = templates.filter(is_active=True)
    return render(
        request,
        "documents/template_list.html",
        {
            "templates": templates.order_by("kind__order", "name"),
            "can_add": request.user.has_perm("documents.add_qmstemplate"),
        },
    )


def template_create(request):
    require(request.user, "documents.add_qmstemplate")
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.create_template(
                user=request.user, province=_own_agency(request).province, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã tạo mô hình “%(name)s”.") % {"name": template.name})
            return redirect(template)
    return render(
        request,
        "documents/simple_form.html",
        {"form": form, "title": _("Tạo mô hình HTQLCL"), "back": "documents:template_list"},
    )


def template_detail(request, pk):
    template = _template_for(request, pk)
    user = request.user
    form = None
    if user.agency_id and user.has_perm("documents.add_document", user.agency):
        form = InstantiateForm(agencies=visible_agencies(user), initial={"agency": user.agency_id})
    return render(
        request,
        "documents/template_detail.html",
        {
            "template": template,
            "items": template.documents.all(),
            "instantiate_form": form,
            "can_edit": user.has_perm("documents.change_qmstemplate", template),
        },
    )


def template_document_edit(request, pk, item_pk=None):
    template = _template_for(request, pk, "documents.change_qmstemplate")
    item = get_object_or_404(TemplateDocument, pk=item_pk, template=template) if item_pk else None
    form = TemplateDocumentForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["records"] = data.pop("records_text")
        try:
            services.save_template_document(user=request.user, template=template, instance=item, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã lưu tài liệu mẫu."))
            return redirect(template)
    return render(
        request,
        "documents/simple_form.html",
        {
            "form": form,
            "title": _("Tài liệu mẫu của “%(name)s”") % {"name": template.name},
            "col": "col-12",
            "back_url": template.get_absolute_url(),
        },
    )


@require_POST
def template_instantiate(request, pk):
    template = _template_for(request, pk)
    form = InstantiateForm(request.POST, agencies=visible_agencies(request.user))
    if not form.is_valid():
        raise PermissionDenied(_("Bạn không có quyền tạo tài liệu cho cơ quan này."))
    agency = form.cleaned_data["agency"]
    try:
        created = services.instantiate_template(template, agency, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(template)
    messages.success(
        request,
        _(
            "Đã xây dựng HTQLCL cho “%(agency)s” từ mô hình: %(n)s tài liệu dự thảo. Hãy điều "
            "chỉnh cho phù hợp với cơ quan rồi trình phê duyệt."
        )
        % {"agency": agency, "n": len(created)},
    )
    return redirect(f"{_url('documents:document_list')}?agency={agency.pk}&status=draft")


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)
