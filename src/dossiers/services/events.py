"""Single events from the API and the web: who may act on a dossier (the holder; the head or the ISO
secretary for an absent holder), which steps a hand-over may go to, the receipt at the desk."""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from core import audit
from core.models import AuditEntry
from organizations.models import Agency
from procedures.models import ProcessDefinition, ProcessStep

from ..engine import EventProcessor, lock_agency
from ..models import (
    Dossier,
    DossierEvent,
    EventKind,
)


def push_event(
    agency: Agency,
    data: Mapping[str, Any],
    source: DossierEvent.Source = DossierEvent.Source.API,
    actor: User | None = None,
) -> tuple[str, Dossier | None]:
    """Apply one event. Returns (status, dossier) with status 'created' or 'duplicate'; raises
    ValidationError with the reason when the event is refused."""
    result = EventProcessor(agency, source, actor).process_batch([(1, data)])
    if result.errors:
        raise ValidationError(result.errors[0][1])
    dossiers = Dossier.objects.select_related("agency", "procedure")  # the answer names both
    dossier = dossiers.filter(agency=agency, code=str(data.get("dossier_code")).strip()).first()
    return ("duplicate" if result.duplicates else "created"), dossier


ACTING_ROLES = (Role.AGENCY_HEAD, Role.ISO_SECRETARY)


def process_steps(dossier: Dossier) -> list[ProcessStep]:
    """The steps of the agency's process for the dossier's procedure, in order."""
    process = ProcessDefinition.objects.of(dossier.agency_id, dossier.procedure_id)
    return list(process.steps.all()) if process else []


def holds(user: User, dossier: Dossier) -> bool:
    return dossier.holder_id is not None and dossier.holder_id == user.pk


def may_act_for_holder(user: User, dossier: Dossier) -> bool:
    """The agency head and the ISO secretary may act for an absent holder (with a recorded reason)."""
    return user.role in ACTING_ROLES and user.agency_id == dossier.agency_id and not holds(user, dossier)


def allowed_steps(dossier: Dossier, steps: list[ProcessStep] | None = None) -> list[ProcessStep]:
    """The steps a hand-over may send the dossier to: the same step (to a colleague), the next one, or back to an
    earlier one (for rework). Later steps cannot be reached by skipping the next."""
    steps = process_steps(dossier) if steps is None else steps
    codes = [s.code for s in steps]
    if dossier.current_step not in codes:
        return steps
    here = codes.index(dossier.current_step)
    return steps[: here + 2]


def check_web_action(
    dossier: Dossier,
    user: User,
    kind: str,
    step: str | None = None,
    reason: str = "",
    steps: list[ProcessStep] | None = None,
) -> str:
    """Who may do what on a dossier in the web UI. The holder hands over, returns, requests a supplement or
    refuses; the agency head or the ISO secretary may do it for an absent holder with a reason, and the control
    sheet then names both. Returns the name of the holder acted for ("" when the holder acts)."""
    if not dossier.is_open:
        raise ValidationError(_("Hồ sơ đã kết thúc, không thể thao tác thêm."))
    on_behalf_of = ""
    if not holds(user, dossier):
        if not may_act_for_holder(user, dossier):
            raise ValidationError(
                _("Chỉ người đang giữ hồ sơ (%(holder)s) mới được thao tác trên hồ sơ này.")
                % {"holder": dossier.holder_name or _("chưa xác định")}
            )
        if not (reason or "").strip():
            raise ValidationError(
                {
                    "note": _("Thao tác thay người đang giữ hồ sơ (%(holder)s) cần ghi rõ lý do.")
                    % {"holder": dossier.holder_name or _("chưa xác định")}
                }
            )
        on_behalf_of = dossier.holder_name or _("(chưa xác định)")
    steps = process_steps(dossier) if steps is None else steps
    codes = [s.code for s in steps]
    if kind == EventKind.TRANSFER:
        allowed = [s.code for s in allowed_steps(dossier, steps)]
        if step not in allowed:
            names = {s.code: str(s) for s in steps}
            raise ValidationError(
                {
                    "step": _(
                        "Không được chuyển hồ sơ đến bước “%(step)s”: quy trình cho phép chuyển "
                        "tiếp trong bước hiện tại, sang bước kế tiếp hoặc trả về bước trước "
                        "(%(allowed)s)."
                    )
                    % {"step": names.get(step, step or "—"), "allowed": "; ".join(names[c] for c in allowed)}
                }
            )
        if (
            step in codes
            and dossier.current_step in codes
            and codes.index(step) < codes.index(dossier.current_step)
            and not (reason or "").strip()
        ):
            raise ValidationError({"note": _("Trả hồ sơ về bước trước cần ghi rõ lý do.")})
    elif kind == EventKind.RETURN and len(steps) > 2:
        # The step before the return desk's is where the result is decided and signed (the leader's approval):
        # the result is returned only once the dossier has been through it.
        done = set(dossier.events.exclude(completed_step="").values_list("completed_step", flat=True))
        done.add(dossier.current_step)
        missing = [s for s in steps[-2:-1] if s.code not in done]
        if missing:
            raise ValidationError(
                _("Chưa thể trả kết quả: hồ sơ chưa qua bước %(steps)s của quy trình.")
                % {"steps": ", ".join(f"“{s}”" for s in missing)}
            )
    return on_behalf_of


def web_event(dossier_or_agency: Dossier | Agency, user: User, kind: str, **data: Any) -> Dossier | None:
    """An event entered in the web UI by an official; audited as a workflow event. On a dossier, only the holder
    (or the head or ISO secretary for an absent holder) may act, as `check_web_action` says."""
    agency = getattr(dossier_or_agency, "agency", dossier_or_agency)
    row = {
        "event_id": f"web-{uuid.uuid4().hex}",
        "event": kind,
        "occurred_at": data.pop("occurred_at", None) or timezone.now(),
        "from_name": user.get_full_name() or user.username,
        "from_unit": user.unit or "",
        **data,
    }
    with transaction.atomic():
        if isinstance(dossier_or_agency, Dossier):
            dossier = Dossier.objects.select_for_update().get(pk=dossier_or_agency.pk)
            row["dossier_code"] = dossier.code
            row["on_behalf_of"] = check_web_action(dossier, user, kind, data.get("step"), data.get("note", ""))
        _status, dossier = push_event(agency, row, DossierEvent.Source.WEB, actor=user)
        changes = {"event": kind, "step": data.get("step", "")}
        if row.get("on_behalf_of"):
            changes["on_behalf_of"] = row["on_behalf_of"]
        audit.record(dossier, AuditEntry.Action.EVENT, changes, comment=str(EventKind(kind).label), actor=user)
    return dossier


def next_dossier_code(agency: Agency, day: dt.date | None = None) -> str:
    """The next free code of the day at the agency's desk: <agency>-<yymmdd>-<nnnn>, one more than the highest
    number of the day. Call it under `lock_agency` (as `receive_dossier` does), or two desks get the same code."""
    prefix = f"{agency.code}-{(day or timezone.localdate()):%y%m%d}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Dossier.objects.filter(agency=agency, code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def receive_dossier(
    agency: Agency,
    user: User,
    *,
    procedure_code: str,
    applicant_name: str,
    applicant_address: str = "",
    received_at: dt.datetime | None = None,
    code: str = "",
) -> Dossier | None:
    """A dossier received at the desk by `user`, who holds it. Without a code, the next code of the day is
    allocated under the agency's lock, in the transaction that stores the dossier."""
    with transaction.atomic():
        lock_agency(agency)
        return web_event(
            agency,
            user,
            EventKind.RECEIVE,
            dossier_code=code or next_dossier_code(agency),
            procedure_code=procedure_code,
            applicant_name=applicant_name,
            applicant_address=applicant_address,
            occurred_at=received_at or timezone.now(),
            to_name=user.get_full_name(),
            to_username=user.username,
            to_unit=user.unit,
        )
