"""Early warnings to the holders of dossiers about to be late, and apology letters."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from core.text import moment_text
from core.workdays import get_calendar
from organizations.models import Agency

from ..models import (
    ApologyLetter,
    Dossier,
    DossierStatus,
    DossierWarning,
)


def due_soon_horizon(now: dt.datetime | None = None) -> dt.datetime:
    """Until when an open dossier counts as due soon: DOSSIER_WARN_DAYS working days ahead (as the warnings)."""
    return get_calendar().add_working_days(now or timezone.now(), settings.EISO.get("DOSSIER_WARN_DAYS", 1))


def issue_warnings(now: dt.datetime | None = None) -> int:
    """Warn the holder of each open dossier due within DOSSIER_WARN_DAYS working days, or late."""
    now = now or timezone.now()
    horizon = due_soon_horizon(now)
    warnings = []
    # values(), not .only(): deferred fields on audited models (the procedure) would be fetched one by one.
    due = (
        Dossier.objects.open()
        .filter(status=DossierStatus.PROCESSING, due_at__lte=horizon)
        .values_list("pk", "code", "due_at", "holder_id")
        .iterator(chunk_size=2000)
    )
    for pk, code, due_at, holder_id in due:
        late = due_at < now
        message = (
            _("Hồ sơ %(code)s đã quá hạn trả kết quả (%(due)s).")
            if late
            else _("Hồ sơ %(code)s sắp đến hạn trả kết quả (%(due)s).")
        ) % {"code": code, "due": moment_text(due_at)}
        warnings.append(
            DossierWarning(
                dossier_id=pk,
                user_id=holder_id,
                due_at=due_at,
                message=message,
                kind=DossierWarning.Kind.LATE if late else DossierWarning.Kind.DUE_SOON,
            )
        )
    DossierWarning.objects.bulk_create(warnings, batch_size=2000, ignore_conflicts=True)
    return len(warnings)


def apology_signer(agency: Agency) -> User | None:
    """Who signs an apology letter by default: the agency's head (the form lets the one he delegates sign)."""
    from accounts.models import User

    return (
        User.objects.filter(agency=agency, role=Role.AGENCY_HEAD, is_active=True)
        .order_by("last_name", "first_name")
        .first()
    )


@transaction.atomic
def issue_apology(
    dossier: Dossier,
    *,
    reason: str,
    new_due_at: dt.datetime | None,
    signer_name: str,
    signer_title: str = "",
    user: User | None = None,
) -> ApologyLetter:
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    now = timezone.now()
    errors = {}
    overdue = (dossier.is_open and dossier.due_at < now) or dossier.is_late
    if not overdue and dossier.is_open:
        errors["__all__"] = _("Hồ sơ chưa quá hạn (hạn trả %(due)s), chưa cần phiếu xin lỗi.") % {
            "due": moment_text(dossier.due_at)
        }
    if not dossier.is_open:
        errors["__all__"] = _("Hồ sơ đã kết thúc, không thể hẹn lại ngày trả kết quả.")
    if not (reason or "").strip():
        errors["reason"] = _("Cần nêu lý do chậm trễ.")
    if new_due_at is None or new_due_at <= max(now, dossier.due_at):
        errors["new_due_at"] = _("Ngày hẹn trả mới phải sau hạn cũ và sau thời điểm hiện tại.")
    if not (signer_name or "").strip():
        errors["signer_name"] = _("Cần ghi người ký.")
    if errors:
        raise ValidationError(errors)
    year = timezone.localtime(now).year
    seq = (
        ApologyLetter.objects.filter(agency=dossier.agency, year=year)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
        or 0
    ) + 1
    letter = ApologyLetter.objects.create(
        dossier=dossier,
        agency=dossier.agency,
        year=year,
        seq=seq,
        number=f"{seq:03d}/PXL",
        issued_at=now,
        reason=reason.strip(),
        new_due_at=new_due_at,
        signer_name=signer_name.strip(),
        signer_title=(signer_title or "").strip(),
        created_by=user,
    )
    Dossier.objects.filter(pk=dossier.pk).update(apology_due_at=new_due_at)
    return letter
