"""ISO records (§7.5.3): record types kept under a procedure and the files of closed records."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from core import audit

from ..models import (
    Document,
    DocumentType,
    RecordFile,
    RecordType,
)


@audit.atomic_as_user
def create_record_type(
    *,
    user: User,
    document: Document,
    name: str,
    kept_by: str,
    retention_months: int,
    kept_at: str = "",
    form: Document | None = None,
) -> RecordType:
    require(user, "documents.add_recordtype", document)
    if document.doc_type != DocumentType.PROCEDURE:
        raise ValidationError({"document": _("Hồ sơ phải gắn với một quy trình.")})
    if form is not None and (form.agency_id != document.agency_id or form.doc_type != DocumentType.FORM):
        raise ValidationError({"form": _("Biểu mẫu phải là tài liệu loại biểu mẫu của cùng cơ quan.")})
    record_type = RecordType(
        agency=document.agency,
        document=document,
        form=form,
        name=name.strip(),
        kept_by=kept_by.strip(),
        kept_at=kept_at.strip(),
        retention_months=retention_months,
    )
    record_type.full_clean()
    record_type.save()
    return record_type


@audit.atomic_as_user
def add_record_file(*, user: User, record_type: RecordType, label: str, closed_on: dt.date | None) -> RecordFile:
    require(user, "documents.add_recordtype", record_type)
    if closed_on is None:
        raise ValidationError({"closed_on": _("Cần nhập ngày kết thúc tập hồ sơ.")})
    record_file = RecordFile(record_type=record_type, label=label.strip(), closed_on=closed_on)
    record_file.full_clean(exclude=["expires_on"])
    record_file.save()
    return record_file


def expiring_record_files(
    queryset: QuerySet[RecordFile], today: dt.date | None = None, within_days: int = 90
) -> QuerySet[RecordFile]:
    today = today or timezone.localdate()
    return queryset.filter(
        disposed_on__isnull=True, expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=within_days)
    )
