"""Dossier handling: events (one by one or in bulk), deadlines, warnings, apology letters, analytics.

Every path that changes a dossier goes through `EventProcessor.process_batch`, so the API, the
bulk import and the web forms apply exactly the same rules: a batch is one transaction; a bad row
is reported with its row number and reason and the good rows are kept; an event already stored
(same dossier and external id) is skipped, so re-sending or re-importing never duplicates.
"""

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEntry
from core.text import search_key
from core.workdays import get_calendar
from procedures.models import AdminProcedure, ProcessDefinition
from procedures.tabular import TableReader

from . import bulk
from .models import (
    ApologyLetter, Dossier, DossierEvent, DossierStatus, DossierWarning, EventKind, ImportJob, ImportRowError,
    LateStepStat, MonthlyStat,
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
KIND_ALIASES = {
    "tiep nhan": EventKind.RECEIVE, "chuyen": EventKind.TRANSFER, "chuyen xu ly": EventKind.TRANSFER,
    "yeu cau bo sung": EventKind.SUPPLEMENT_REQUEST, "nhan bo sung": EventKind.SUPPLEMENT_RECEIVED,
    "nhan ho so bo sung": EventKind.SUPPLEMENT_RECEIVED, "tra ket qua": EventKind.RETURN,
    "tu choi": EventKind.REFUSE,
}
KIND_ALIASES.update({k.value: k for k in EventKind})
EPOCH, MINUTE = dt.datetime(1970, 1, 1), dt.timedelta(minutes=1)

def fmt_dt(value):
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value else ""


def parse_moment(value, tz=None):
    """An aware datetime from an ISO string, 'dd/mm/yyyy HH:MM[:SS]', or a datetime (from XLSX).
    A naive value is taken in `tz` (default: the current time zone)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("thiếu thời điểm"))
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
                try:
                    moment = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if moment is None:
            moment = parse_datetime(text)
        if moment is None:
            raise ValueError(_("thời điểm “%(v)s” không đúng định dạng (dd/mm/yyyy HH:MM hoặc ISO 8601)") % {"v": text})
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz or timezone.get_current_timezone())
    return moment


class StepInfo:
    __slots__ = ("code", "name", "unit", "days", "order", "halves")

    def __init__(self, step):
        self.code, self.name, self.unit, self.days, self.order = (step.code, step.name, step.responsible_unit,
                                                                  step.days, step.order)
        self.halves = max(1, int(step.days * 2))  # the step's time limit in half days (at least one)


class ProcInfo:
    def __init__(self, procedure, process):
        self.procedure = procedure
        self.process = process
        self.steps = {s.code: StepInfo(s) for s in process.steps.all()} if process else {}
        self.first_step = min(self.steps.values(), key=lambda s: s.order).code if self.steps else ""
        self.due_halves = int(procedure.processing_days * 2)


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # (row_number, reason, row)
    dossiers: dict = field(default_factory=dict)  # code -> DossierState touched


class RowError(Exception):
    pass


class DossierState:
    """A dossier as the event engine sees it during a batch: plain attributes, no model instance.

    Loaded with one values_list query per batch, changed in memory by the events, then written back with
    set-based SQL (bulk.insert_dossiers / bulk.update_dossiers)."""

    LOADED = ("pk", "procedure_id", "field_id", "status", "completed_at", "is_late", "current_step",
              "step_started_at", "step_due_at", "holder_id", "holder_name", "holder_unit", "last_event_at",
              "paused_at", "due_at", "late_step", "late_unit", "apology_due_at", "processing_days")
    __slots__ = (*LOADED, "code", "applicant_name", "applicant_address", "received_at")

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    @classmethod
    def load(cls, agency, codes):
        """{code: DossierState} of the agency's dossiers among `codes` (one query)."""
        # No ORDER BY (the model's default ordering): SQLite would then walk the (agency, received_at) index of
        # the whole agency instead of probing the unique (agency, code) key, slower as the table grows.
        rows = (Dossier.objects.filter(agency=agency, code__in=codes).order_by()
                .values_list("code", "id", *cls.LOADED[1:]))
        states = {}
        for code, *values in rows:
            state = cls.__new__(cls)
            for name, value in zip(cls.LOADED, values, strict=True):
                setattr(state, name, value)
            state.code, state.applicant_name, state.applicant_address, state.received_at = code, None, None, None
            states[code] = state
        return states

    @property
    def is_open(self):
        return self.status in (DossierStatus.PROCESSING, DossierStatus.PAUSED)

    def get_status_display(self):
        return str(DossierStatus(self.status).label)


class EventProcessor:
    """Applies events of one agency. Caches the agency's procedures and processes across batches."""

    def __init__(self, agency, source=DossierEvent.Source.API, actor=None):
        self.agency, self.source, self.actor = agency, source, actor
        self.calendar = get_calendar()
        self.conf = settings.EISO
        self._by_code, self._by_id = {}, {}
        self._users = None
        self._due, self._step_due = {}, {}
        self.tz = timezone.get_current_timezone()
        self.adapt = bulk.adapter()
        self._now = self.adapt(timezone.now())

    def _month(self, moment):
        return moment.astimezone(self.tz).date().replace(day=1)

    # -- look-ups ---------------------------------------------------------------------------
    def procedure(self, code):
        if code not in self._by_code:
            procedure = AdminProcedure.objects.filter(province_id=self.agency.province_id, code=code).first()
            info = None
            if procedure is not None:
                process = (ProcessDefinition.objects.filter(procedure=procedure, agency=self.agency)
                           .prefetch_related("steps").first())
                info = ProcInfo(procedure, process)
                self._by_id[procedure.pk] = info
            self._by_code[code] = info
        return self._by_code[code]

    def procedure_by_id(self, pk):
        if pk not in self._by_id:
            self.procedure(AdminProcedure.objects.get(pk=pk).code)
        return self._by_id[pk]

    def user_id(self, username):
        if self._users is None:
            from accounts.models import User

            self._users = dict(User.objects.filter(agency=self.agency, is_active=True).values_list("username", "pk"))
        return self._users.get(username)

    def add_days(self, start, days):
        return self.calendar.add_working_days(start, days)

    def step_due(self, start, days):
        """A step's deadline; a step allotted no time must still be passed on within the next half day."""
        return self.calendar.add_working_days(start, days if days else "0.5")

    # -- one batch ----------------------------------------------------------------------------
    def process_batch(self, rows):
        """rows: iterable of (row_number, dict). Returns a BatchResult; one transaction."""
        result = BatchResult()
        parsed = []
        for number, row in rows:
            try:
                parsed.append((number, row, self._parse(row)))
            except RowError as exc:
                result.errors.append((number, str(exc), row))
        if not parsed:
            return result
        with transaction.atomic():
            self._apply(parsed, result)
        return result

    def _parse(self, row):
        if "\ufffd" in "\x00".join(map(str, row.values())):
            raise RowError(_("Có ký tự không đọc được (sai bảng mã của tệp)."))
        event_id = str(row.get("event_id") or "").strip()
        if not event_id:
            raise RowError(_("Thiếu mã sự kiện."))
        code = str(row.get("dossier_code") or "").strip()
        if not code:
            raise RowError(_("Thiếu mã hồ sơ."))
        kind_text = str(row.get("event") or "").strip()
        kind = KIND_ALIASES.get(kind_text) or KIND_ALIASES.get(search_key(kind_text))
        if kind is None:
            raise RowError(_("Loại sự kiện “%(v)s” không hợp lệ.") % {"v": kind_text})
        try:
            moment = parse_moment(row.get("occurred_at"), self.tz)
        except ValueError as exc:
            raise RowError(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
        return event_id[:80], code[:60], kind, moment

    def _apply(self, parsed, result):
        agency = self.agency
        codes = {p[2][1] for p in parsed}
        ids = {p[2][0] for p in parsed}
        dossiers = DossierState.load(agency, codes)
        code_of = {d.pk: code for code, d in dossiers.items()}
        # Filter on the dossiers only (an IN list on both key columns makes SQLite probe their product).
        seen = {(code_of[dossier_id], external_id) for dossier_id, external_id in DossierEvent.objects.filter(
            dossier_id__in=list(code_of)).order_by().values_list("dossier_id", "external_id") if external_id in ids}
        events, changed, new = [], {}, []
        stats = defaultdict(Counter)
        late = Counter()  # (procedure, field, month of the delay, late step, late unit) -> dossiers newly late
        self._precompute_deadlines(parsed, dossiers)
        for number, row, (event_id, code, kind, moment) in parsed:
            if (code, event_id) in seen:
                result.duplicates += 1
                continue
            try:
                dossier = dossiers.get(code)
                if kind == EventKind.RECEIVE:
                    dossier, event = self._receive(dossier, code, event_id, moment, row, stats)
                    dossiers[code] = dossier
                    new.append(dossier)
                else:
                    event = self._advance(dossier, code, event_id, kind, moment, row, stats, late)
                    if dossier.pk:
                        changed[dossier.pk] = dossier
            except RowError as exc:
                result.errors.append((number, str(exc), row))
                continue
            seen.add((code, event_id))
            events.append(event)
            result.dossiers[code] = dossier
        if new:
            bulk.insert_dossiers(agency.pk, new, self._now)
            pks = dict(Dossier.objects.filter(agency=agency, code__in=[d.code for d in new]).order_by()
                       .values_list("code", "id"))
            for dossier in new:
                dossier.pk = pks[dossier.code]
        # Idempotent insert: ON CONFLICT (dossier, external id) DO NOTHING, as bulk_create(ignore_conflicts=True).
        bulk.insert_events([(event[0].pk, *event[1:]) for event in events])
        bulk.update_dossiers(list(changed.values()))
        bulk.upsert_stats(agency.pk, stats)
        bulk.upsert_late_stats(agency.pk, late)
        result.stored += len(events)

    def _precompute_deadlines(self, parsed, dossiers):
        """Deadlines of the batch in two vectorised calls (WorkCalendar.add_working_days_bulk) instead of
        one look-up per row: the appointment of each receipt and the due time of each step entered."""
        import numpy as np

        self._due, self._step_due = {}, {}
        cal, tz = self.calendar, self.tz
        first, last = cal.first_year, cal.last_year
        procedure_of = {code: d.procedure_id for code, d in dossiers.items()}
        requests = []  # (target dict, key, local start, halves)
        for _number, row, (_event_id, code, kind, moment) in parsed:
            if kind == EventKind.RECEIVE:
                info = self.procedure(str(row.get("procedure_code") or "").strip())
                if info is None or not info.steps:
                    continue
                procedure_of.setdefault(code, info.procedure.pk)
                step = str(row.get("step") or "").strip() or info.first_step
            elif kind == EventKind.TRANSFER and code in procedure_of:
                info = self.procedure_by_id(procedure_of[code])
                step = str(row.get("step") or "").strip()
            else:
                continue
            if not (first <= moment.year <= last):
                continue
            local = moment.astimezone(tz).replace(tzinfo=None)
            if kind == EventKind.RECEIVE and info.due_halves:
                requests.append((self._due, id(row), local, info.due_halves))
            if step in info.steps:
                requests.append((self._step_due, id(row), local, info.steps[step].halves))
        if not requests:
            return
        # Minutes since the epoch by arithmetic: numpy converts datetime objects one by one, four times slower.
        starts = np.array([(r[2] - EPOCH) // MINUTE for r in requests], dtype=np.int64).view("datetime64[m]")
        halves = np.array([r[3] for r in requests], dtype=np.int64)
        try:
            ends = cal.add_working_days_bulk(starts, halves).astype("datetime64[m]").tolist()
        except ValueError:
            return  # some deadline falls after the calendar: the per-row path reports those rows
        for (target, key, _start, _halves), end in zip(requests, ends, strict=True):
            target[key] = end.replace(tzinfo=tz)

    def _receive(self, dossier, code, event_id, moment, row, stats):
        if dossier is not None:
            raise RowError(_("Hồ sơ “%(code)s” đã được tiếp nhận trước đó.") % {"code": code})
        proc_code = str(row.get("procedure_code") or "").strip()
        if not proc_code:
            raise RowError(_("Sự kiện tiếp nhận cần mã thủ tục."))
        info = self.procedure(proc_code)
        if info is None:
            raise RowError(_("Mã thủ tục “%(code)s” không có trong bộ thủ tục hành chính của tỉnh.") % {"code": proc_code})
        if info.procedure.status == AdminProcedure.Status.ANNULLED:
            raise RowError(_("Thủ tục “%(code)s” đã bị bãi bỏ.") % {"code": proc_code})
        if not info.steps:
            raise RowError(_("Thủ tục “%(code)s” chưa có quy trình giải quyết tại cơ quan.") % {"code": proc_code})
        applicant = str(row.get("applicant_name") or "").strip()
        if not applicant:
            raise RowError(_("Thiếu tên người nộp hồ sơ."))
        step = str(row.get("step") or "").strip() or info.first_step
        if step not in info.steps:
            raise RowError(_("Bước “%(step)s” không có trong quy trình của thủ tục “%(code)s”.")
                           % {"step": step, "code": proc_code})
        procedure = info.procedure
        try:
            due = self._due.get(id(row)) or self.add_days(moment, procedure.processing_days)
            step_due = self._step_due.get(id(row)) or self.step_due(moment, info.steps[step].days)
        except ValueError:
            raise RowError(_("Thời điểm nằm ngoài lịch làm việc.")) from None
        holder_name = str(row.get("to_name") or "").strip()
        dossier = DossierState(
            procedure_id=procedure.pk, field_id=procedure.field_id, code=code,
            applicant_name=applicant[:255], applicant_address=str(row.get("applicant_address") or "")[:255],
            received_at=moment, due_at=due, processing_days=procedure.processing_days,
            status=DossierStatus.PROCESSING, current_step=step, step_started_at=moment, step_due_at=step_due,
            holder_id=self.user_id(row.get("to_username")) if row.get("to_username") else None,
            holder_name=holder_name[:150], holder_unit=(str(row.get("to_unit") or "") or info.steps[step].unit)[:255],
            last_event_at=moment, late_step="", late_unit="",
        )
        stats[(procedure.pk, procedure.field_id, self._month(moment))]["received"] += 1
        event = self._event(dossier, event_id, EventKind.RECEIVE, moment, row, step)
        return dossier, event

    def _advance(self, d, code, event_id, kind, moment, row, stats, late):
        if d is None:
            raise RowError(_("Hồ sơ “%(code)s” chưa được tiếp nhận (không có trong hệ thống).") % {"code": code})
        if d.last_event_at and moment < d.last_event_at:
            raise RowError(_("Thời điểm %(t)s sớm hơn sự kiện trước của hồ sơ (%(prev)s): sai thứ tự thời gian.")
                           % {"t": fmt_dt(moment), "prev": fmt_dt(d.last_event_at)})
        status = d.status
        if status != DossierStatus.PROCESSING and status != DossierStatus.PAUSED:
            raise RowError(_("Hồ sơ “%(code)s” đã kết thúc (%(status)s), không nhận thêm sự kiện.")
                           % {"code": code, "status": d.get_status_display()})
        info = self._by_id.get(d.procedure_id) or self.procedure_by_id(d.procedure_id)
        step = str(row.get("step") or "").strip()
        completed_step, completed_due, completed_late = "", None, None
        try:
            if kind == EventKind.TRANSFER or kind == EventKind.RETURN:
                if status == DossierStatus.PAUSED:
                    raise RowError(_("Hồ sơ đang chờ bổ sung, chưa thể chuyển xử lý.") if kind == EventKind.TRANSFER
                                   else _("Hồ sơ đang chờ bổ sung, chưa thể trả kết quả."))
                if kind == EventKind.TRANSFER and step not in info.steps:
                    raise RowError(_("Bước “%(step)s” không có trong quy trình của thủ tục “%(code)s”.")
                                   % {"step": step or "—", "code": info.procedure.code})
                # The step the dossier was in ends with this hand-over.
                completed_step, completed_due = d.current_step, d.step_due_at
                completed_late = completed_due is not None and moment > completed_due
                if completed_late and not d.late_step:
                    d.late_step, d.late_unit = d.current_step, d.holder_unit
                    late[(d.procedure_id, d.field_id, self._month(moment), d.late_step, d.late_unit)] += 1
            if kind == EventKind.TRANSFER:
                entered = info.steps[step]
                d.current_step, d.step_started_at = step, moment
                d.step_due_at = self._step_due.get(id(row)) or self.step_due(moment, entered.days)
                d.holder_name = str(row.get("to_name") or "")[:150]
                d.holder_unit = (str(row.get("to_unit") or "") or entered.unit)[:255]
                d.holder_id = self.user_id(row.get("to_username")) if row.get("to_username") else None
            elif kind == EventKind.SUPPLEMENT_REQUEST:
                if status == DossierStatus.PAUSED:
                    raise RowError(_("Hồ sơ đã đang chờ bổ sung."))
                d.status, d.paused_at = DossierStatus.PAUSED, moment
            elif kind == EventKind.SUPPLEMENT_RECEIVED:
                if status != DossierStatus.PAUSED:
                    raise RowError(_("Hồ sơ không ở trạng thái chờ bổ sung."))
                cal = self.calendar
                if self.conf.get("DOSSIER_SUPPLEMENT_RESTARTS"):
                    d.due_at = self.add_days(moment, d.processing_days)
                    step_left = info.steps[d.current_step].days if d.current_step in info.steps else 0
                else:
                    left = max(0.0, cal.working_days_between(d.paused_at, d.due_at))
                    d.due_at = self.add_days(moment, left) if left else moment
                    step_left = max(0.0, cal.working_days_between(d.paused_at, d.step_due_at)) if d.step_due_at else 0
                d.step_due_at = self.step_due(moment, step_left)
                d.status, d.paused_at = DossierStatus.PROCESSING, None
            elif kind == EventKind.RETURN:
                d.status, d.completed_at = DossierStatus.RETURNED, moment
                d.is_late = moment > d.due_at or d.apology_due_at is not None
                if d.is_late and not d.late_step:
                    d.late_step, d.late_unit = d.current_step, d.holder_unit
                    late[(d.procedure_id, d.field_id, self._month(moment), d.late_step, d.late_unit)] += 1
                d.holder_id, d.holder_name, d.step_due_at = None, str(row.get("to_name") or "")[:150], None
                counts = stats[(d.procedure_id, d.field_id, self._month(moment))]
                counts["completed"] += 1
                counts["late" if d.is_late else "on_time"] += 1
            elif kind == EventKind.REFUSE:
                d.status, d.completed_at, d.holder_id, d.step_due_at = DossierStatus.REFUSED, moment, None, None
                stats[(d.procedure_id, d.field_id, self._month(moment))]["refused"] += 1
        except ValueError:
            raise RowError(_("Thời điểm nằm ngoài lịch làm việc.")) from None
        d.last_event_at = moment
        return self._event(d, event_id, kind, moment, row, step if kind == EventKind.TRANSFER else "",
                           completed_step, completed_due, completed_late)

    def _event(self, dossier, event_id, kind, moment, row, step="", completed_step="", due=None, late=None):
        """A row for bulk.EVENT_COLUMNS, with the dossier object first (its id is known after insert)."""
        adapt, get = self.adapt, row.get
        return (dossier, event_id, kind.value, adapt(moment), step, str(get("from_name") or "")[:150],
                str(get("from_unit") or "")[:255], str(get("to_name") or "")[:150], str(get("to_unit") or "")[:255],
                completed_step, adapt(due), late, str(get("note") or "")[:500], self.source, self._now)


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
    rows = {}

    def bump(values, month_field, counts):
        for item in values:
            key = (item["agency_id"], item["procedure_id"], item["m"].date() if isinstance(item["m"], dt.datetime)
                   else item["m"])
            row = rows.setdefault(key, MonthlyStat(agency_id=key[0], procedure_id=key[1], field_id=item["field_id"],
                                                   month=key[2]))
            for name, value in counts(item).items():
                setattr(row, name, getattr(row, name) + value)

    base = dossiers.values("agency_id", "procedure_id", "field_id")
    bump(base.annotate(m=TruncMonth("received_at", tzinfo=tz)).annotate(n=Count("id")).values(
        "agency_id", "procedure_id", "field_id", "m", "n"), "received", lambda i: {"received": i["n"]})
    done = dossiers.filter(status=DossierStatus.RETURNED).values("agency_id", "procedure_id", "field_id")
    bump(done.annotate(m=TruncMonth("completed_at", tzinfo=tz)).annotate(
        n=Count("id"), late=Count("id", filter=Q(is_late=True))).values(
        "agency_id", "procedure_id", "field_id", "m", "n", "late"), "completed",
        lambda i: {"completed": i["n"], "late": i["late"], "on_time": i["n"] - i["late"]})
    refused = dossiers.filter(status=DossierStatus.REFUSED).values("agency_id", "procedure_id", "field_id")
    bump(refused.annotate(m=TruncMonth("completed_at", tzinfo=tz)).annotate(n=Count("id")).values(
        "agency_id", "procedure_id", "field_id", "m", "n"), "refused", lambda i: {"refused": i["n"]})
    MonthlyStat.objects.bulk_create(rows.values(), batch_size=2000)
    rebuild_late_stats(agencies)
    return len(rows)


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
              .values("agency_id", "procedure_id", "field_id", "m", "late_step", "late_unit")
              .annotate(n=Count("id")))
    late = defaultdict(Counter)
    for item in counts:
        month = item["m"].date() if isinstance(item["m"], dt.datetime) else item["m"]
        late[item["agency_id"]][(item["procedure_id"], item["field_id"], month, item["late_step"],
                                 item["late_unit"])] += item["n"]
    # Written as the engine writes its increments (plain tuples: model instances cost more than the query).
    for agency_id, agency_late in late.items():
        bulk.upsert_late_stats(agency_id, agency_late)
    return sum(len(agency_late) for agency_late in late.values())


# -- single events from the API and the web ---------------------------------------------------
def push_event(agency, data, source=DossierEvent.Source.API, actor=None):
    """Apply one event. Returns (status, dossier) with status 'created' or 'duplicate'; raises
    ValidationError with the reason when the event is refused."""
    result = EventProcessor(agency, source, actor).process_batch([(1, data)])
    if result.errors:
        raise ValidationError(result.errors[0][1])
    dossier = Dossier.objects.filter(agency=agency, code=str(data.get("dossier_code")).strip()).first()
    return ("duplicate" if result.duplicates else "created"), dossier


def web_event(dossier_or_agency, user, kind, **data):
    """An event entered in the web UI by an official; audited as a workflow event."""
    agency = getattr(dossier_or_agency, "agency", dossier_or_agency)
    row = {"event_id": f"web-{uuid.uuid4().hex}", "event": kind, "occurred_at": data.pop("occurred_at", None)
           or timezone.now(), "from_name": user.get_full_name() or user.username,
           "from_unit": user.unit or "", **data}
    if isinstance(dossier_or_agency, Dossier):
        row["dossier_code"] = dossier_or_agency.code
    _status, dossier = push_event(agency, row, DossierEvent.Source.WEB, actor=user)
    audit.record(dossier, AuditEntry.Action.EVENT, {"event": kind, "step": data.get("step", "")},
                 comment=str(EventKind(kind).label), actor=user)
    return dossier


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
            batch = []
            for item in reader:
                if not batch and job.rows_read == 0:
                    missing = reader.missing_columns()
                    if missing:
                        raise ValidationError(_("Tệp thiếu cột bắt buộc: %(cols)s.") % {"cols": ", ".join(missing)})
                batch.append(item)
                if len(batch) >= batch_size:
                    _import_batch(job, processor, batch, reader.progress())
                    batch = []
            if not batch and job.rows_read == 0 and reader.missing_columns():
                raise ValidationError(_("Tệp thiếu cột bắt buộc: %(cols)s.")
                                      % {"cols": ", ".join(reader.missing_columns())})
            if batch:
                _import_batch(job, processor, batch, 1.0)
    except (ValidationError, UnicodeError, ValueError, KeyError, OSError) as exc:
        job.status = ImportJob.Status.FAILED
        job.message = "; ".join(getattr(exc, "messages", [str(exc)]))
    else:
        job.status = ImportJob.Status.DONE
        job.progress = 1.0
        job.message = _("Đã lưu %(stored)s sự kiện; %(dup)s dòng trùng (đã có); %(err)s dòng lỗi.") % {
            "stored": job.rows_stored, "dup": job.rows_duplicate, "err": job.rows_error}
    job.finished_at = timezone.now()
    job.save()
    audit.record(job, AuditEntry.Action.EVENT, {"rows": job.rows_read, "stored": job.rows_stored,
                                                "errors": job.rows_error}, comment=job.message[:300],
                 actor=job.created_by)
    return job


def _import_batch(job, processor, batch, progress):
    result = processor.process_batch(batch)
    if result.errors:
        ImportRowError.objects.bulk_create([
            ImportRowError(job=job, row_number=number, reason=reason[:500],
                           data="; ".join(f"{k}={v}" for k, v in row.items() if v not in ("", None))[:2000])
            for number, reason, row in result.errors
        ])
    ImportJob.objects.filter(pk=job.pk).update(
        rows_read=F("rows_read") + len(batch), rows_stored=F("rows_stored") + result.stored,
        rows_duplicate=F("rows_duplicate") + result.duplicates, rows_error=F("rows_error") + len(result.errors),
        progress=progress,
    )
    job.refresh_from_db(fields=["rows_read", "rows_stored", "rows_duplicate", "rows_error", "progress"])


def start_import(agency, uploaded, user):
    from .tasks import run_import

    name = uploaded.name or ""
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise ValidationError({"file": _("Chỉ nhận tệp CSV hoặc XLSX.")})
    job = ImportJob.objects.create(agency=agency, file=uploaded, filename=name[:255], created_by=user)
    # The database backend stores the task in the current transaction: the worker sees it on commit.
    run_import.enqueue(job.pk)
    return job


# -- early warning and apology letters ------------------------------------------------------------
def issue_warnings(now=None):
    """Warn the holder of each open dossier due within DOSSIER_WARN_DAYS working days, or late."""
    now = now or timezone.now()
    horizon = get_calendar().add_working_days(now, settings.EISO.get("DOSSIER_WARN_DAYS", 1))
    warnings = []
    # values(), not .only(): deferred fields on audited models (the procedure) would be fetched one by one.
    due = (Dossier.objects.filter(status=DossierStatus.PROCESSING, due_at__lte=horizon)
           .values_list("pk", "code", "due_at", "holder_id").iterator(chunk_size=2000))
    for pk, code, due_at, holder_id in due:
        late = due_at < now
        message = (_("Hồ sơ %(code)s đã quá hạn trả kết quả (%(due)s).") if late else
                   _("Hồ sơ %(code)s sắp đến hạn trả kết quả (%(due)s).")) % {"code": code, "due": fmt_dt(due_at)}
        warnings.append(DossierWarning(dossier_id=pk, user_id=holder_id, due_at=due_at, message=message,
                                       kind=DossierWarning.Kind.LATE if late else DossierWarning.Kind.DUE_SOON))
    DossierWarning.objects.bulk_create(warnings, batch_size=2000, ignore_conflicts=True)
    return len(warnings)


@transaction.atomic
def issue_apology(dossier, *, reason, new_due_at, signer_name, signer_title="", user=None):
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    now = timezone.now()
    errors = {}
    overdue = (dossier.is_open and dossier.due_at < now) or dossier.is_late
    if not overdue and dossier.is_open:
        errors["__all__"] = _("Hồ sơ chưa quá hạn (hạn trả %(due)s), chưa cần phiếu xin lỗi.") % {
            "due": fmt_dt(dossier.due_at)}
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

    workbook = Workbook(write_only=True)
    titles = {"agency": _("Theo cơ quan"), "field": _("Theo lĩnh vực"), "procedure": _("Theo thủ tục"),
              "month": _("Theo tháng")}
    header = [_("Nhóm"), _("Tiếp nhận"), _("Đã giải quyết"), _("Đúng hạn"), _("Trễ hạn"), _("Tỷ lệ đúng hạn (%)")]
    for by, title in titles.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for r in on_time_rates(stats, by):
            sheet.append([r["label"], r["received"], r["completed"], r["on_time"], r["late"], r["rate"]])
    sheet = workbook.create_sheet(_("Điểm nghẽn"))
    sheet.append([_("Bước trễ hạn"), _("Đơn vị"), _("Số hồ sơ trễ")])
    for r in bottlenecks(late_stats, limit=200):
        sheet.append([r["step_name"], r["late_unit"], r["n"]])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def step_lines(dossier):
    """The lines of the process control sheet: one per hand-over, with due time and result per step."""
    info = None
    process = (ProcessDefinition.objects.filter(procedure_id=dossier.procedure_id, agency_id=dossier.agency_id)
               .prefetch_related("steps").first())
    if process:
        info = {s.code: s for s in process.steps.all()}
    lines = []
    for event in dossier.events.all().order_by("occurred_at", "id"):
        step = info.get(event.completed_step) if info else None
        lines.append({"event": event, "completed_step": step.name if step else event.completed_step,
                      "entered_step": (info.get(event.step).name if info and event.step in info else event.step),
                      "due": event.completed_step_due_at, "late": event.is_late})
    return lines

