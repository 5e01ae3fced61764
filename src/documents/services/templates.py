"""Model QMS templates of the province and their instantiation as an agency's draft documents."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from core import audit
from core.models import AuditEntry
from organizations.models import Agency, AgencyKind, Province

from .. import files, search
from ..models import (
    Document,
    DocumentVersion,
    QmsTemplate,
    RecordType,
    TemplateDocument,
)
from .common import S


@audit.atomic_as_user
def create_template(
    *, user: User, province: Province, kind: AgencyKind, name: str, description: str = ""
) -> QmsTemplate:
    template = QmsTemplate(province=province, kind=kind, name=name.strip(), description=description)
    require(user, "documents.add_qmstemplate", template)
    template.full_clean()
    template.save()
    return template


@audit.atomic_as_user
def save_template_document(
    *, user: User, template: QmsTemplate, instance: TemplateDocument | None = None, **fields: Any
) -> TemplateDocument:
    require(user, "documents.change_qmstemplate", template)
    item = instance or TemplateDocument(template=template)
    for name, value in fields.items():
        setattr(item, name, value)
    item.code = (item.code or "").strip()
    clash = TemplateDocument.objects.filter(template=template, code__iexact=item.code).exclude(pk=item.pk)
    if clash.exists():
        raise ValidationError({"code": _("Mã hiệu “%(code)s” đã có trong mô hình.") % {"code": item.code}})
    item.full_clean(exclude=["template"])
    item.save()
    return item


@audit.atomic_as_user
def instantiate_template(template: QmsTemplate, agency: Agency, user: User) -> list[Document]:
    """Create an agency's QMS from a model in one step: every document as a draft, with its records."""
    require(user, "documents.add_document", agency, _("Bạn không có quyền tạo tài liệu cho cơ quan này."))
    require(user, "documents.view_qmstemplate", template)
    if template.province_id != agency.province_id:
        raise ValidationError(_("Mô hình không thuộc tỉnh của cơ quan."))
    items = list(template.documents.all())
    if not items:
        raise ValidationError(_("Mô hình “%(name)s” chưa có tài liệu nào.") % {"name": template.name})
    taken = {c.lower() for c in Document.objects.filter(agency=agency).values_list("code", flat=True)}
    clashes = [i.code for i in items if i.code.lower() in taken]
    if clashes:
        raise ValidationError(
            {
                "code": _(
                    "Cơ quan đã có tài liệu mang mã hiệu: %(codes)s. Hãy đổi mã các tài liệu đó "
                    "trước khi áp dụng mô hình."
                )
                % {"codes": ", ".join(clashes)}
            }
        )
    created = []
    for item in items:
        document = Document.objects.create(
            agency=agency,
            doc_type=item.doc_type,
            code=item.code,
            title=item.title,
            owner_unit=item.owner_unit,
            review_period_months=item.review_period_months,
        )
        DocumentVersion.objects.create(
            document=document,
            revision=1,
            status=S.DRAFT,
            author=user,
            body=item.body,
            text=files.body_text(item.body),
            change_summary=_("Xây dựng từ mô hình “%(name)s”") % {"name": template.name},
        )
        for record in item.records or []:
            RecordType.objects.create(
                agency=agency,
                document=document,
                name=record.get("name", "")[:300],
                kept_by=record.get("kept_by", "")[:200],
                kept_at=record.get("kept_at", "")[:200],
                retention_months=int(record.get("retention_months", 12)),
            )
        document.search_text = search.document_text(document, files.body_text(item.body))
        Document.objects.filter(pk=document.pk).update(search_text=document.search_text)
        created.append(document)
    search.bulk_index((d.pk, d.search_text) for d in created)
    audit.record(
        agency,
        AuditEntry.Action.EVENT,
        {"documents": len(created)},
        comment=_("Xây dựng HTQLCL từ mô hình “%(name)s”") % {"name": template.name},
        actor=user,
    )
    return created
