"""Documents and their drafts: create, edit a draft (text or uploaded file), revise an issued document; legal
bases and the search index."""

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from core import audit
from core.models import AuditEntry
from organizations.models import Agency

from .. import files, search
from ..models import (
    Document,
    DocumentType,
    DocumentVersion,
)
from .common import DOCUMENT_FIELDS, S
from .previews import copy_preview, discard_stale_preview
from .review import flag_for_review


def _check_document(document: Document) -> None:
    code = (document.code or "").strip()
    if not code:
        raise ValidationError({"code": _("Cần nhập mã hiệu tài liệu.")})
    document.code = code
    document.title = (document.title or "").strip()
    if not document.title:
        raise ValidationError({"title": _("Cần nhập tên tài liệu.")})
    clash = Document.objects.filter(agency_id=document.agency_id, code__iexact=code).exclude(pk=document.pk)
    if clash.exists():
        raise ValidationError(
            {"code": _("Mã hiệu “%(code)s” đã được dùng cho một tài liệu khác của cơ quan.") % {"code": code}}
        )
    if document.doc_type == DocumentType.EXTERNAL:
        if not document.external_number:
            raise ValidationError({"external_number": _("Tài liệu bên ngoài cần có số, ký hiệu văn bản.")})
        if not document.external_issuer:
            raise ValidationError({"external_issuer": _("Tài liệu bên ngoài cần có cơ quan ban hành.")})
    if document.admin_procedure_id:
        if document.doc_type != DocumentType.PROCEDURE:
            raise ValidationError({"admin_procedure": _("Chỉ tài liệu loại quy trình mới gắn với thủ tục hành chính.")})
        if document.admin_procedure.province_id != document.agency.province_id:
            raise ValidationError({"admin_procedure": _("Thủ tục hành chính phải thuộc danh mục của tỉnh.")})
    if document.responsible_id and document.responsible.agency_id != document.agency_id:
        raise ValidationError({"responsible": _("Người chịu trách nhiệm phải là cán bộ của cơ quan.")})
    document.full_clean(
        exclude=["sort_key", "search_text", "current_version", "agency", "responsible", "admin_procedure"],
        validate_unique=False,
        validate_constraints=False,
    )


def _set_content(version: DocumentVersion, upload: UploadedFile | None = None, body: str | None = None) -> None:
    """Validate and attach new content. The file is written last; callers delete it if they fail later."""
    if upload is not None:
        kind, text = files.inspect_upload(upload)
        version.file_kind, version.text = kind, text
        version.original_name = PurePosixPath(upload.name.replace("\\", "/")).name[:255]
        version.file_size = upload.size or 0
        version.file_sha256 = files.sha256(upload)
        version.body = body or ""
        version.file.save(f"x.{kind}", upload, save=False)
    elif body is not None:
        version.body = body
        if not version.file:
            version.text = files.body_text(body)


def _discard_file_on_error(version: DocumentVersion, had_file_name: str) -> None:
    if version.file and version.file.name != had_file_name:
        version.file.storage.delete(version.file.name)


def reindex(document: Document) -> None:
    """Refresh a document's search text from its current (or else its latest) version."""
    version = document.current_version or document.versions.order_by("-revision").first()
    content = ""
    if version is not None:
        content = "\n".join(p for p in (version.text, files.body_text(version.body) if version.file else "") if p)
    document.search_text = search.document_text(document, content)
    Document.objects.filter(pk=document.pk).update(search_text=document.search_text)
    search.index_document(document)


def _set_legal_bases(document: Document, bases: Iterable[Document]) -> None:
    """The external documents this one cites: of the same agency, external, never itself."""
    bases = list(bases)
    wrong = [
        b
        for b in bases
        if b.agency_id != document.agency_id or b.doc_type != DocumentType.EXTERNAL or b.pk == document.pk
    ]
    if wrong:
        raise ValidationError(
            {
                "legal_bases": _("Văn bản căn cứ phải là tài liệu bên ngoài của cơ quan: %(docs)s.")
                % {"docs": ", ".join(str(b) for b in wrong)}
            }
        )
    document.legal_bases.set(bases)


def _flag_citing_documents(external: Document, reason: str, since: dt.date | None = None) -> None:
    """An external document was revised or withdrawn (on `since`): the documents based on it need a review."""
    for citing in external.cited_by.exclude(status=Document.Status.OBSOLETE):
        flag_for_review(citing, reason, since)


@audit.atomic_as_user
def create_document(
    *,
    agency: Agency,
    user: User,
    upload: UploadedFile | None = None,
    body: str = "",
    change_summary: str = "",
    **fields: Any,
) -> Document:
    """A new document with its first draft (revision 1)."""
    require(user, "documents.add_document", agency, _("Bạn không có quyền tạo tài liệu cho cơ quan này."))
    document = Document(agency=agency, **{k: v for k, v in fields.items() if k in DOCUMENT_FIELDS})
    _check_document(document)
    version = DocumentVersion(
        revision=1, status=S.DRAFT, author=user, change_summary=change_summary or _("Ban hành lần đầu")
    )
    try:
        _set_content(version, upload, body)
        document.save()
        if fields.get("legal_bases") is not None:
            _set_legal_bases(document, fields["legal_bases"])
        version.document = document
        version.save()
    except Exception:
        _discard_file_on_error(version, "")
        raise
    reindex(document)
    return document


@audit.atomic_as_user
def update_draft(
    version: DocumentVersion,
    user: User,
    *,
    upload: UploadedFile | None = None,
    body: str | None = None,
    change_summary: str | None = None,
    change_reason: str | None = None,
    remove_file: bool = False,
    **fields: Any,
) -> DocumentVersion:
    """Edit a draft: its content, its change-log entry and the document's particulars."""
    version = DocumentVersion.objects.select_for_update().select_related("document__agency").get(pk=version.pk)
    document = version.document
    require(user, "documents.change_document", document)
    if version.status != S.DRAFT:
        raise ValidationError(
            _(
                "Phiên bản lần %(rev)s đang ở trạng thái “%(status)s”, không thể sửa. Muốn thay đổi "
                "tài liệu đã ban hành, hãy tạo lần sửa đổi mới."
            )
            % {"rev": version.revision, "status": version.get_status_display()}
        )
    for name, value in fields.items():
        if name in DOCUMENT_FIELDS:
            setattr(document, name, value)
    _check_document(document)
    if change_summary is not None:
        version.change_summary = change_summary
    if change_reason is not None:
        version.change_reason = change_reason
    if remove_file and upload is None and version.file:
        # Only detach: the stored file may still be the content of an earlier revision.
        version.file, version.file_kind, version.original_name, version.file_size, version.file_sha256 = (
            None,
            "",
            "",
            0,
            "",
        )
        version.text = files.body_text(body if body is not None else version.body)
    old_name = version.file.name if version.file else ""
    try:
        _set_content(version, upload, body)
        document.save()
        if fields.get("legal_bases") is not None:
            _set_legal_bases(document, fields["legal_bases"])
        version.save()
    except Exception:
        _discard_file_on_error(version, old_name)
        raise
    discard_stale_preview(version)  # a new file gets its own (the caller enqueues it: tasks.start_preview)
    reindex(document)
    return version


@audit.atomic_as_user
def revise(document: Document, user: User, *, change_summary: str, change_reason: str = "") -> DocumentVersion:
    """Start a new draft revision of an issued document; the issued one stays in force meanwhile."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require(user, "documents.change_document", document)
    if not (change_summary or "").strip():
        raise ValidationError({"change_summary": _("Cần nêu nội dung sửa đổi.")})
    if document.status != Document.Status.IN_FORCE:
        raise ValidationError(_("Chỉ sửa đổi được tài liệu đang hiệu lực."))
    open_version = document.open_version()
    if open_version is not None:
        raise ValidationError(
            _("Tài liệu đang có dự thảo lần %(rev)s chưa ban hành; hãy hoàn tất dự thảo đó.")
            % {"rev": open_version.revision}
        )
    base = document.current_version
    last = document.versions.aggregate(m=Max("revision"))["m"] or 0
    version = DocumentVersion.objects.create(
        document=document,
        revision=last + 1,
        status=S.DRAFT,
        author=user,
        body=base.body if base else "",
        file=base.file.name if base and base.file else "",
        file_kind=base.file_kind if base else "",
        original_name=base.original_name if base else "",
        file_size=base.file_size if base else 0,
        file_sha256=base.file_sha256 if base else "",
        text=base.text if base else "",
        change_summary=change_summary.strip(),
        change_reason=change_reason.strip(),
    )
    if base is not None:
        copy_preview(base, version)  # the same file: its stored preview, not a second conversion
    audit.record(
        version,
        AuditEntry.Action.EVENT,
        {"revision": [base.revision if base else None, version.revision]},
        comment=_("Bắt đầu sửa đổi: %(s)s") % {"s": change_summary.strip()},
        actor=user,
    )
    return version
