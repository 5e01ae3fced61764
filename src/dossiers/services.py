"""Dossier handling: events (one by one or in bulk), deadlines, warnings, apology letters, analytics.

Every path that changes a dossier goes through the event engine (`engine.EventProcessor`), so the API,
the bulk import and the web forms apply exactly the same rules.
"""

import csv
import datetime as dt
import io
import uuid
from collections import Counter, defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import audit
from core.models import AuditEntry
from core.tabular import TableReader
from core.text import moment_text, search_key
from core.workdays import get_calendar
from procedures.models import ProcessDefinition

from . import bulk
from .engine import Batch, EventProcessor, lock_agency
from .models import (
    ApologyLetter,
    Dossier,
    DossierEvent,
    DossierStatus,
    DossierWarning,
    EventKind,
    ImportJob,
    ImportRowError,
    LateStepStat,
    MonthlyStat,
)

EVENT_COLUMNS = {
    "event_id": ["mã sự kiện", "ma_su_kien", "event id", "id sự kiện"],
    "dossier_code": ["mã hồ sơ", "ma_ho_so", "số hồ sơ", "dossier"],
    "event": ["loại sự kiện", "sự kiện", "loai", "kind", "type"],
    "occurred_at": ["thời điểm", "thời gian", "thoi_gian", "timestamp", "time"],
    "step": ["bước", "buoc", "mã bước", "step_code"],
    "from_name": ["người giao", "nguoi_giao", "from"],
    "to_name": ["người nhận", "nguoi_nhan", "to"],
    "to_unit": ["đơn vị nhận", "don_vi_nhan", "đơn vị", "unit"],
    "to_username": ["tài khoản người nhận", "to_user"],
    "procedure_code": ["mã thủ tục", "ma_thu_tuc", "procedure"],
    "applicant_name": ["người nộp", "nguoi_nop", "chủ hồ sơ", "applicant"],
    "applicant_address": ["địa chỉ", "dia_chi", "address"],
    "note": ["ghi chú", "ghi_chu"],
}
REQUIRED_COLUMNS = ("event_id", "dossier_code", "event", "occurred_at")


@transaction.atomic
def rebuild_monthly_stats(agencies=None):
    """Recompute the monthly summary from the dossiers (the reference the increments must match), and the
    late-step summary with it (rebuild_late_stats)."""
    from django.db.models.functions import TruncMonth

    dossiers = Dossier.objects.all()
    summary = MonthlyStat.objects.all()
    if agencies is not None:
        dossiers, summary = dossiers.filter(agency__in=agencies), summary.filter(agency__in=agencies)
    summary._raw_delete(summary.db)  # one DELETE (delete() would load every row: the audit's post_delete hook)
    tz = timezone.get_current_timezone()
    rows = defaultdict(lambda: defaultdict(Counter))  # agency -> (procedure, field, month) -> counts

    def bump(values, counts):
        for item in values:
            month = item["m"].date() if isinstance(item["m"], dt.datetime) else item["m"]
            rows[item["agency_id"]][(item["procedure_id"], item["field_id"], month)].update(counts(item))

    base = dossiers.values("agency_id", "procedure_id", "field_id")
    bump(base.annotate(m=TruncMonth("received_at", tzinfo=tz)).annotate(n=Count("id")).values(
        "agency_id", "procedure_id", "field_id", "m", "n"), lambda i: {"received": i["n"]})
    done = dossiers.filter(status=DossierStatus.RETURNED).values("agency_id", "procedure_id", "field_id")
    bump(done.annotate(m=TruncMonth("completed_at", tzinfo=tz)).annotate(
        n=Count("id"), late=Count("id", filter=Q(is_late=True))).values(
        "agency_id", "procedure_id", "field_id", "m", "n", "late"),
        lambda i: {"completed": i["n"], "late": i["late"], "on_time": i["n"] - i["late"]})
    refused = dossiers.filter(status=DossierStatus.REFUSED).values("agency_id", "procedure_id", "field_id")
    bump(refused.annotate(m=TruncMonth("completed_at", tzinfo=tz)).annotate(n=Count("id")).values(
        "agency_id", "procedure_id", "field_id", "m", "n"), lambda i: {"refused": i["n"]})
    # Written as the engine writes its increments (plain tuples: model instances cost more than the queries).
    for agency_id, stats in rows.items():
        bulk.upsert_stats(agency_id, stats)
    rebuild_late_stats(agencies)
    return sum(len(stats) for stats in rows.values())


@transaction.atomic
def rebuild_late_stats(agencies=None):
    """Recompute the late-step summary (LateStepStat) from the late dossiers (the reference the increments of
    EventProcessor must match).

    The month of the delay is not on the dossier row; it is recovered from the events, as the engine set it:
    `late_step` is set by the first hand-over that ends a step late, and that event is stored with
    `is_late` true (no earlier event is: an earlier one would have set `late_step`), so the month is that of
    the dossier's first late event; a dossier whose steps all ended on time gets `late_step` at its return,
    late overall (past its appointment or after an apology letter): then the month is that of `completed_at`.
    Rows not written by the engine (hand-made data) fall back to the last event, then the receipt.
    """
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce, TruncMonth

    dossiers = Dossier.objects.exclude(late_step="")
    summary = LateStepStat.objects.all()
    if agencies is not None:
        dossiers, summary = dossiers.filter(agency__in=agencies), summary.filter(agency__in=agencies)
    summary._raw_delete(summary.db)  # one DELETE (delete() would load every row: the audit's post_delete hook)
    first_late = (DossierEvent.objects.filter(dossier=OuterRef("pk"), is_late=True)
                  .order_by("occurred_at").values("occurred_at")[:1])
    counts = (dossiers.order_by()
              .alias(late_at=Coalesce(Subquery(first_late), "completed_at", "last_event_at", "received_at"))
              .annotate(m=TruncMonth("late_at", tzinfo=timezone.get_current_timezone()))
              .values("agency_id", "field_id", "m", "late_step", "late_unit")
              .annotate(n=Count("id")))
    late = defaultdict(Counter)
    for item in counts:
        month = item["m"].date() if isinstance(item["m"], dt.datetime) else item["m"]
        late[item["agency_id"]][(item["field_id"], month, item["late_step"], item["late_unit"])] += item["n"]
    # Written as the engine writes its increments (plain tuples: model instances cost more than the query).
    for agency_id, agency_late in late.items():
        bulk.upsert_late_stats(agency_id, agency_late)
    return sum(len(agency_late) for agency_late in late.values())


# -- finding dossiers ---------------------------------------------------------------------------
def search_dossiers(qs, text):
    """The dossiers of `qs` whose code, applicant or procedure (code or name) matches `text`, diacritics and case
    ignored: "nguyen van an" finds Nguyễn Văn An's dossiers, "dat dai" those of the land procedures."""
    text = text.strip()
    match = Q(code__icontains=text)
    if key := search_key(text):
        match |= Q(applicant_key__contains=key) | Q(procedure__search_key__contains=key)
    return qs.filter(match)


# -- single events from the API and the web ---------------------------------------------------
def push_event(agency, data, source=DossierEvent.Source.API, actor=None):
    """Apply one event. Returns (status, dossier) with status 'created' or 'duplicate'; raises
    ValidationError with the reason when the event is refused."""
    result = EventProcessor(agency, source, actor).process_batch([(1, data)])
    if result.errors:
        raise ValidationError(result.errors[0][1])
    dossier = Dossier.objects.filter(agency=agency, code=str(data.get("dossier_code")).strip()).first()
    return ("duplicate" if result.duplicates else "created"), dossier


ACTING_ROLES = (Role.AGENCY_HEAD, Role.ISO_SECRETARY)


def process_steps(dossier):
    """The steps of the agency's process for the dossier's procedure, in order."""
    process = ProcessDefinition.objects.of(dossier.agency_id, dossier.procedure_id)
    return list(process.steps.all()) if process else []


def holds(user, dossier):
    return dossier.holder_id is not None and dossier.holder_id == user.pk


def may_act_for_holder(user, dossier):
    """The agency head and the ISO secretary may act for an absent holder (with a recorded reason)."""
    return user.role in ACTING_ROLES and user.agency_id == dossier.agency_id and not holds(user, dossier)


def allowed_steps(dossier, steps=None):
    """The steps a hand-over may send the dossier to: the same step (to a colleague), the next one, or back to an
    earlier one (for rework). Later steps cannot be reached by skipping the next."""
    steps = process_steps(dossier) if steps is None else steps
    codes = [s.code for s in steps]
    if dossier.current_step not in codes:
        return steps
    here = codes.index(dossier.current_step)
    return steps[:here + 2]


def check_web_action(dossier, user, kind, step=None, reason="", steps=None):
    """Who may do what on a dossier in the web UI. The holder hands over, returns, requests a supplement or
    refuses; the agency head or the ISO secretary may do it for an absent holder with a reason, and the control
    sheet then names both. Returns the name of the holder acted for ("" when the holder acts)."""
    if not dossier.is_open:
        raise ValidationError(_("Hồ sơ đã kết thúc, không thể thao tác thêm."))
    on_behalf_of = ""
    if not holds(user, dossier):
        if not may_act_for_holder(user, dossier):
            raise ValidationError(_("Chỉ người đang giữ hồ sơ (%(holder)s) mới được thao tác trên hồ sơ này.")
                                  % {"holder": dossier.holder_name or _("chưa xác định")})
        if not (reason or "").strip():
            raise ValidationError({"note": _("Thao tác thay người đang giữ hồ sơ (%(holder)s) cần ghi rõ lý do.")
                                   % {"holder": dossier.holder_name or _("chưa xác định")}})
        on_behalf_of = dossier.holder_name or _("(chưa xác định)")
    steps = process_steps(dossier) if steps is None else steps
    codes = [s.code for s in steps]
    if kind == EventKind.TRANSFER:
        allowed = [s.code for s in allowed_steps(dossier, steps)]
        if step not in allowed:
            names = {s.code: str(s) for s in steps}
            raise ValidationError({"step": _("Không được chuyển hồ sơ đến bước “%(step)s”: quy trình cho phép chuyển "
                                             "tiếp trong bước hiện tại, sang bước kế tiếp hoặc trả về bước trước "
                                             "(%(allowed)s).") % {"step": names.get(step, step or "—"),
                                                                  "allowed": "; ".join(names[c] for c in allowed)}})
        if step in codes and dossier.current_step in codes and codes.index(step) < codes.index(dossier.current_step) \
                and not (reason or "").strip():
            raise ValidationError({"note": _("Trả hồ sơ về bước trước cần ghi rõ lý do.")})
    elif kind == EventKind.RETURN and len(steps) > 2:
        # The step before the return desk's is where the result is decided and signed (the leader's approval):
        # the result is returned only once the dossier has been through it.
        done = set(dossier.events.exclude(completed_step="").values_list("completed_step", flat=True))
        done.add(dossier.current_step)
        missing = [s for s in steps[-2:-1] if s.code not in done]
        if missing:
            raise ValidationError(_("Chưa thể trả kết quả: hồ sơ chưa qua bước %(steps)s của quy trình.")
                                  % {"steps": ", ".join(f"“{s}”" for s in missing)})
    return on_behalf_of


def web_event(dossier_or_agency, user, kind, **data):
    """An event entered in the web UI by an official; audited as a workflow event. On a dossier, only the holder
    (or the head or ISO secretary for an absent holder) may act, as `check_web_action` says."""
    agency = getattr(dossier_or_agency, "agency", dossier_or_agency)
    row = {"event_id": f"web-{uuid.uuid4().hex}", "event": kind, "occurred_at": data.pop("occurred_at", None)
           or timezone.now(), "from_name": user.get_full_name() or user.username,
           "from_unit": user.unit or "", **data}
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


def next_dossier_code(agency, day=None):
    """The next free code of the day at the agency's desk: <agency>-<yymmdd>-<nnnn>, one more than the highest
    number of the day. Call it under `lock_agency` (as `receive_dossier` does), or two desks get the same code."""
    prefix = f"{agency.code}-{(day or timezone.localdate()):%y%m%d}-"
    numbers = [int(code[len(prefix):]) for code in Dossier.objects.filter(agency=agency, code__startswith=prefix)
               .values_list("code", flat=True) if code[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def receive_dossier(agency, user, *, procedure_code, applicant_name, applicant_address="", received_at=None,
                    code=""):
    """A dossier received at the desk by `user`, who holds it. Without a code, the next code of the day is
    allocated under the agency's lock, in the transaction that stores the dossier."""
    with transaction.atomic():
        lock_agency(agency)
        return web_event(agency, user, EventKind.RECEIVE, dossier_code=code or next_dossier_code(agency),
                         procedure_code=procedure_code, applicant_name=applicant_name,
                         applicant_address=applicant_address, occurred_at=received_at or timezone.now(),
                         to_name=user.get_full_name(), to_username=user.username, to_unit=user.unit)


# -- bulk import ------------------------------------------------------------------------------
def run_import_job(job_id):
    job = ImportJob.objects.select_related("agency").get(pk=job_id)
    if job.is_finished:
        return job
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    batch_size = settings.EISO.get("DOSSIER_IMPORT_BATCH", 5000)
    processor = EventProcessor(job.agency, DossierEvent.Source.IMPORT)
    try:
        with job.file.open("rb") as handle:
            raw = getattr(handle, "file", handle)
            reader = TableReader(raw, job.filename, EVENT_COLUMNS, required=REQUIRED_COLUMNS)
            for number, (numbers, columns) in enumerate(reader.batches(batch_size), start=1):
                if job.rows_read == 0 and reader.missing_columns():
                    break
                _import_batch(job, processor, Batch(numbers, columns), reader.progress(), reader.labels)
                if number & (number - 1) == 0 and number.bit_length() % 2:  # batches 1, 4, 16, 64...: 4x as large
                    bulk.refresh_statistics()
            if job.rows_read == 0 and reader.missing_columns():
                raise ValidationError(_("Tệp thiếu cột bắt buộc: %(cols)s.") % {
                    "cols": ", ".join(f"“{KEY_HEADERS.get(key, key)}”" for key in reader.missing_columns())})
    except (ValidationError, UnicodeError, ValueError, KeyError, OSError) as exc:
        job.status = ImportJob.Status.FAILED
        job.message = "; ".join(getattr(exc, "messages", [str(exc)]))
    else:
        job.status = ImportJob.Status.DONE
        job.progress = 1.0
        job.message = _("Đã lưu %(stored)s sự kiện; %(dup)s dòng trùng (đã có); %(err)s dòng lỗi.") % {
            "stored": number_format(job.rows_stored, force_grouping=True),
            "dup": number_format(job.rows_duplicate, force_grouping=True),
            "err": number_format(job.rows_error, force_grouping=True)}
    job.finished_at = timezone.now()
    job.save()
    audit.record(job, AuditEntry.Action.EVENT, {"rows": job.rows_read, "stored": job.rows_stored,
                                                "errors": job.rows_error}, comment=job.message[:300],
                 actor=job.created_by)
    return job


IMPORT_HEADERS = ["Mã sự kiện", "Mã hồ sơ", "Loại sự kiện", "Thời điểm", "Bước", "Người giao", "Người nhận",
                  "Đơn vị nhận", "Mã thủ tục", "Người nộp", "Địa chỉ", "Ghi chú"]


# The import's keys under the headers the officials' files carry (for messages about columns).
KEY_HEADERS = dict(zip(["event_id", "dossier_code", "event", "occurred_at", "step", "from_name", "to_name", "to_unit",
                        "procedure_code", "applicant_name", "applicant_address", "note"], IMPORT_HEADERS, strict=True))


def agency_step_codes(agency):
    """[(procedure, [steps])] of the agency's processes: the step codes an import may name."""
    processes = (ProcessDefinition.objects.filter(agency=agency).select_related("procedure")
                 .prefetch_related("steps").order_by("procedure__code"))
    return [(p.procedure, list(p.steps.all())) for p in processes]


def import_template_csv(agency):
    """The import's headers and one dossier worked through (receipt, hand-over, return) with the agency's first
    process, so that an official can fill it from the one-stop-shop export."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_HEADERS)
    processes = agency_step_codes(agency)
    if processes:
        procedure, steps = processes[0]
        codes = [s.code for s in steps] or ["receive"]
        writer.writerow(["SK-0001", "HS-0001", "Tiếp nhận", "02/03/2026 08:30", codes[0], "", "Lê Thị Hoa",
                         steps[0].responsible_unit if steps else "", procedure.code, "Nguyễn Văn Đông",
                         "Phường 1", ""])
        if len(codes) > 1:
            writer.writerow(["SK-0002", "HS-0001", "Chuyển xử lý", "02/03/2026 10:00", codes[1], "Lê Thị Hoa",
                             "Phạm Quốc Việt", steps[1].responsible_unit, "", "", "", ""])
        writer.writerow(["SK-0003", "HS-0001", "Trả kết quả", "09/03/2026 15:00", "", "Lê Thị Hoa",
                         "Nguyễn Văn Đông", "", "", "", "", ""])
    return out.getvalue()


def _import_batch(job, processor, batch, progress, labels=None):
    """One batch through the engine; its bad rows are kept with their number, reason and content, the content
    under the file's own column headers (`labels`: key -> header), as the official knows them."""
    result = processor.process(batch)
    if result.errors:
        labels = labels or {}
        ImportRowError.objects.bulk_create([
            ImportRowError(job=job, row_number=number, reason=reason[:500],
                           data="; ".join(f"{labels.get(k, k)}={v}" for k, v in row.items()
                                          if v not in ("", None))[:2000])
            for number, reason, row in result.errors
        ])
    ImportJob.objects.filter(pk=job.pk).update(
        rows_read=F("rows_read") + len(batch), rows_stored=F("rows_stored") + result.stored,
        rows_duplicate=F("rows_duplicate") + result.duplicates, rows_error=F("rows_error") + len(result.errors),
        progress=progress,
    )
    job.refresh_from_db(fields=["rows_read", "rows_stored", "rows_duplicate", "rows_error", "progress"])


def error_report(job, fmt):
    """The rows an import refused, with their numbers and reasons, as (content, file name): CSV or XLSX."""
    header = [_("Dòng"), _("Lý do"), _("Nội dung dòng")]
    rows = job.row_errors.values_list("row_number", "reason", "data").iterator()
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Dòng lỗi"))
        sheet.append(header)
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        workbook.save(out)
        content = out.getvalue()
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        content = out.getvalue()
    return content, f"loi-nhap-{job.pk}.{fmt}"


def create_import_job(agency, uploaded, user):
    """An import job for the uploaded export file (CSV or XLSX), not yet run: `tasks.start_import` enqueues it."""
    name = uploaded.name or ""
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise ValidationError({"file": _("Chỉ nhận tệp CSV hoặc XLSX.")})
    return ImportJob.objects.create(agency=agency, file=uploaded, filename=name[:255], created_by=user)


# -- early warning and apology letters ------------------------------------------------------------
def due_soon_horizon(now=None):
    """Until when an open dossier counts as due soon: DOSSIER_WARN_DAYS working days ahead (as the warnings)."""
    return get_calendar().add_working_days(now or timezone.now(), settings.EISO.get("DOSSIER_WARN_DAYS", 1))


def issue_warnings(now=None):
    """Warn the holder of each open dossier due within DOSSIER_WARN_DAYS working days, or late."""
    now = now or timezone.now()
    horizon = due_soon_horizon(now)
    warnings = []
    # values(), not .only(): deferred fields on audited models (the procedure) would be fetched one by one.
    due = (Dossier.objects.open().filter(status=DossierStatus.PROCESSING, due_at__lte=horizon)
           .values_list("pk", "code", "due_at", "holder_id").iterator(chunk_size=2000))
    for pk, code, due_at, holder_id in due:
        late = due_at < now
        message = (_("Hồ sơ %(code)s đã quá hạn trả kết quả (%(due)s).") if late else
                   _("Hồ sơ %(code)s sắp đến hạn trả kết quả (%(due)s).")) % {"code": code, "due": moment_text(due_at)}
        warnings.append(DossierWarning(dossier_id=pk, user_id=holder_id, due_at=due_at, message=message,
                                       kind=DossierWarning.Kind.LATE if late else DossierWarning.Kind.DUE_SOON))
    DossierWarning.objects.bulk_create(warnings, batch_size=2000, ignore_conflicts=True)
    return len(warnings)


def apology_signer(agency):
    """Who signs an apology letter by default: the agency's head (the form lets the one he delegates sign)."""
    from accounts.models import User

    return (User.objects.filter(agency=agency, role=Role.AGENCY_HEAD, is_active=True)
            .order_by("last_name", "first_name").first())


@transaction.atomic
def issue_apology(dossier, *, reason, new_due_at, signer_name, signer_title="", user=None):
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    now = timezone.now()
    errors = {}
    overdue = (dossier.is_open and dossier.due_at < now) or dossier.is_late
    if not overdue and dossier.is_open:
        errors["__all__"] = _("Hồ sơ chưa quá hạn (hạn trả %(due)s), chưa cần phiếu xin lỗi.") % {
            "due": moment_text(dossier.due_at)}
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
    seq = (ApologyLetter.objects.filter(agency=dossier.agency, year=year).order_by("-seq")
           .values_list("seq", flat=True).first() or 0) + 1
    letter = ApologyLetter.objects.create(
        dossier=dossier, agency=dossier.agency, year=year, seq=seq, number=f"{seq:03d}/PXL",
        issued_at=now, reason=reason.strip(), new_due_at=new_due_at, signer_name=signer_name.strip(),
        signer_title=(signer_title or "").strip(), created_by=user,
    )
    Dossier.objects.filter(pk=dossier.pk).update(apology_due_at=new_due_at)
    return letter


# -- analytics ------------------------------------------------------------------------------------
GROUPS = {
    "agency": ("agency_id", "organizations.Agency"),
    "field": ("field_id", "procedures.Field"),
    "procedure": ("procedure_id", "procedures.AdminProcedure"),
    "month": ("month", None),
}


def on_time_rates(stats, by, limit=None):
    """[{key, label, completed, on_time, late, received, rate}] from a MonthlyStat queryset.

    Grouped on the id column only (no join per row); the labels of the groups are read afterwards.
    """
    from django.apps import apps

    key, model = GROUPS[by]
    rows = list(stats.order_by().values(key).annotate(received=Sum("received"), completed=Sum("completed"),
                                                      on_time=Sum("on_time"), late=Sum("late")))
    if by == "month":
        rows.sort(key=lambda r: r[key])
    else:
        rows.sort(key=lambda r: (-(r["late"] or 0), r[key]))
    if limit:
        rows = rows[:limit]
    names = {}
    if model:
        names = dict(apps.get_model(model).objects.filter(pk__in=[r[key] for r in rows]).values_list("pk", "name"))
    result = []
    for r in rows:
        rate = round(100.0 * r["on_time"] / r["completed"], 1) if r["completed"] else None
        label = names.get(r[key], "") if model else r[key].strftime("%m/%Y")
        result.append({"key": r[key], "label": label, "received": r["received"], "completed": r["completed"],
                       "on_time": r["on_time"], "late": r["late"], "rate": rate})
    return result


def bottlenecks(late_stats, limit=20):
    """Late dossiers by the step and unit where the delay first happened, with the step's name, from a
    LateStepStat queryset (scoped and filtered like the MonthlyStat one; a period selects by month of the delay).
    """
    from procedures.models import ProcessStep

    rows = list(late_stats.order_by().values("late_step", "late_unit")
                .annotate(n=Sum("count")).order_by("-n", "late_step", "late_unit")[:limit])
    # Processes name a step code alike ("review" = "Thẩm định, xem xét hồ sơ"); the commonest name wins.
    names = {}
    for code, name, _n in (ProcessStep.objects.filter(code__in={r["late_step"] for r in rows})
                           .values_list("code", "name").annotate(n=Count("id")).order_by("code", "-n")):
        names.setdefault(code, name)
    for row in rows:
        row["step_name"] = names.get(row["late_step"], row["late_step"])
    return rows


def totals(stats):
    agg = stats.aggregate(received=Sum("received"), completed=Sum("completed"), on_time=Sum("on_time"),
                          late=Sum("late"), refused=Sum("refused"))
    agg = {k: v or 0 for k, v in agg.items()}
    agg["rate"] = round(100.0 * agg["on_time"] / agg["completed"], 1) if agg["completed"] else None
    return agg


def analytics_xlsx(stats, late_stats):
    from io import BytesIO

    from openpyxl import Workbook

    from core.xlsx import number_row

    workbook = Workbook(write_only=True)
    titles = {"agency": _("Theo cơ quan"), "field": _("Theo lĩnh vực"), "procedure": _("Theo thủ tục"),
              "month": _("Theo tháng")}
    header = [_("Nhóm"), _("Tiếp nhận"), _("Đã giải quyết"), _("Đúng hạn"), _("Trễ hạn"), _("Tỷ lệ đúng hạn (%)")]
    for by, title in titles.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for r in on_time_rates(stats, by):
            sheet.append(number_row(sheet, [r["label"], r["received"], r["completed"], r["on_time"], r["late"],
                                            r["rate"]]))
    sheet = workbook.create_sheet(_("Điểm nghẽn"))
    sheet.append([_("Bước trễ hạn"), _("Đơn vị"), _("Số hồ sơ trễ")])
    for r in bottlenecks(late_stats, limit=200):
        sheet.append(number_row(sheet, [r["step_name"], r["late_unit"], r["n"]]))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def step_lines(dossier):
    """The lines of the process control sheet: one per hand-over, with due time and result per step."""
    info = None
    process = ProcessDefinition.objects.of(dossier.agency_id, dossier.procedure_id)
    if process:
        info = {s.code: s for s in process.steps.all()}
    lines = []
    for event in dossier.events.all().order_by("occurred_at", "id"):
        step = info.get(event.completed_step) if info else None
        lines.append({"event": event, "completed_step": step.name if step else event.completed_step,
                      "entered_step": (info.get(event.step).name if info and event.step in info else event.step),
                      "due": event.completed_step_due_at, "late": event.is_late})
    return lines

