"""ISO records (§7.5.3): record types kept under a procedure and the files of closed records."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from core import audit

from ..models import (
    DocumentType,
    RecordFile,
    RecordType,
)


@audit.atomic_as_user
def create_record_type(*, user, document, name, kept_by, retention_months, kept_at="", form=None):
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
def add_record_file(*, user, record_type, label, closed_on):
    require(user, "documents.add_recordtype", record_type)
    if closed_on is None:
        raise ValidationError({"closed_on": _("Cần nhập ngày kết thúc tập hồ sơ.")})
    record_file = RecordFile(record_type=record_type, label=label.strip(), closed_on=closed_on)
    record_file.full_clean(exclude=["expires_on"])
    record_file.save()
    return record_file


def expiring_record_files(queryset, today=None, within_days=90):
    today = today or timezone.localdate()
    return queryset.filter(
        disposed_on__isnull=True, expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=within_days)
    )
