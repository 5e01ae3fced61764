"""The dossier event engine: applies one-stop-shop events to dossiers, for the API, the web forms and the
bulk import alike.

A batch is a set of columns (one list per field, as an export file gives them; a single event is a batch of
one row). The engine works on whole columns where it can — timestamps parsed and turned into UTC by numpy,
all the working-day deadlines of the batch in one vectorised calendar call — and walks the rows in file
order only for the rules of each dossier's state, with times as integers (microseconds since the epoch,
UTC). The batch is one transaction, taken under a per-agency lock so that two imports for the same agency
never apply a dossier's events twice. A bad row is reported with its row number and reason and the good
rows are kept; an event already stored (same dossier and external id) is skipped, so re-sending or
re-importing never duplicates.
"""

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.text import moment_text, search_key
from core.workdays import get_calendar
from organizations.models import Agency
from procedures.models import AdminProcedure, ProcessDefinition

from . import bulk, columnar
from .models import Dossier, DossierEvent, DossierStatus, EventKind

KIND_ALIASES = {
    "tiep nhan": EventKind.RECEIVE, "chuyen": EventKind.TRANSFER, "chuyen xu ly": EventKind.TRANSFER,
    "yeu cau bo sung": EventKind.SUPPLEMENT_REQUEST, "nhan bo sung": EventKind.SUPPLEMENT_RECEIVED,
    "nhan ho so bo sung": EventKind.SUPPLEMENT_RECEIVED, "tra ket qua": EventKind.RETURN,
    "tu choi": EventKind.REFUSE,
}
KIND_ALIASES.update({k.value: k for k in EventKind})
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US = dt.timedelta(microseconds=1)
MINUTE_US = 60_000_000
# Statuses as plain strings in the engine's loop (cheaper to compare than the enum members).
PROCESSING, PAUSED, RETURNED, REFUSED = (str(s.value) for s in (DossierStatus.PROCESSING, DossierStatus.PAUSED,
                                                                DossierStatus.RETURNED, DossierStatus.REFUSED))
KIND_VALUE = {k: str(k.value) for k in EventKind}
_ISO = r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)?"
ISO_COLUMN = re.compile(rf"(?:{_ISO}\n)*{_ISO}")
DMY = re.compile(r"^(\d\d)/(\d\d)/(\d{4})", re.M)


def lock_agency(agency):
    """Serialise the writes of one agency's dossiers (two imports, an import and the API, two desks allocating
    codes) until the end of the current transaction. SQLite transactions are serialised already."""
    if connection.features.has_select_for_update:
        list(Agency.objects.select_for_update(no_key=connection.features.has_select_for_no_key_update)
             .filter(pk=agency.pk).values_list("pk"))


def to_us(moment):
    """An aware datetime as microseconds since the epoch (UTC)."""
    return (moment - EPOCH) // US


def from_us(value, tz=UTC):
    return None if value is None else (EPOCH + dt.timedelta(microseconds=value)).astimezone(tz)


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
            try:
                moment = parse_datetime(text)
            except ValueError:  # well-formed but impossible ("2026-13-01 08:00"): Python's message is English
                moment = None
        if moment is None:
            raise ValueError(_("thời điểm “%(v)s” không đúng định dạng (dd/mm/yyyy HH:MM hoặc ISO 8601)") % {"v": text})
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz or timezone.get_current_timezone())
    return moment


class LocalTime:
    """Between UTC microseconds and the naive local time of a zone, by columns. The offset is looked up once
    per calendar day (at noon): exact for Vietnam, which has no daylight saving time."""

    def __init__(self, tz):
        self.tz, self._offsets = tz, {}

    def _offset(self, day):
        if day not in self._offsets:
            self._offsets[day] = self.tz.utcoffset(dt.datetime(day.year, day.month, day.day, 12)) // US
        return self._offsets[day]

    def offsets(self, us):
        days, inverse = np.unique(us.view("datetime64[us]").astype("datetime64[D]"), return_inverse=True)
        return np.array([self._offset(day) for day in days.tolist()], dtype=np.int64)[inverse.ravel()]

    def to_utc(self, local_us):
        return local_us - self.offsets(local_us)

    def to_local(self, utc_us):
        return utc_us + self.offsets(utc_us)


class Batch:
    """Rows as columns: the row numbers and {key: [values]}. A row dict is rebuilt only for error reports."""

    def __init__(self, numbers, columns):
        self.numbers, self.columns = list(numbers), columns
        self._text = {}

    @classmethod
    def from_rows(cls, rows):
        rows = list(rows)
        keys = {}
        for _number, row in rows:
            keys.update(dict.fromkeys(row))
        return cls([number for number, _row in rows], {
            key: [value.strip() if type(value) is str else value for value in (row.get(key) for _n, row in rows)]
            for key in keys})

    def __len__(self):
        return len(self.numbers)

    def row(self, i):
        return {key: values[i] for key, values in self.columns.items()}

    def text(self, key, limit=None):
        """The column as stripped strings ("" where absent), cut to `limit` characters."""
        cache_key = (key, limit)
        if cache_key not in self._text:
            values = self.columns.get(key)
            if values is None:
                values = [""] * len(self.numbers)
            elif set(map(type, values)) != {str}:
                values = ["" if v is None else str(v).strip() for v in values]
            if limit and values and max(map(len, values)) > limit:
                values = [v[:limit] for v in values]
            self._text[cache_key] = values
        return self._text[cache_key]


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # (row_number, reason, row)


class RowError(Exception):
    pass


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
        # Read once per row in the engine's loop: plain attributes (the model's `pk` is a property).
        self.id, self.field_id, self.processing_days = procedure.pk, procedure.field_id, procedure.processing_days
        self.annulled = procedure.status == AdminProcedure.Status.ANNULLED
        self.steps = {s.code: StepInfo(s) for s in process.steps.all()} if process else {}
        self.first_step = min(self.steps.values(), key=lambda s: s.order).code if self.steps else ""
        self.due_halves = int(procedure.processing_days * 2)


def unknown_step(step, info):
    """The refusal of a step code the procedure's process does not have, naming the valid ones."""
    valid = ", ".join(f"{code} ({s.name})" for code, s in sorted(info.steps.items(), key=lambda kv: kv[1].order))
    return _("Bước “%(step)s” không có trong quy trình của thủ tục “%(code)s”; các bước hợp lệ: %(valid)s.") % {
        "step": step or "—", "code": info.procedure.code, "valid": valid}


class StepTable:
    """The steps of the processes an EventProcessor knows, as arrays indexed [process row, step column]: the
    step's time in half days (`halves`) and its unit (`unit`, an index into `units`); -1 where the process has
    no such step. The last row and column stand for "no process" and "unknown step code"."""

    def __init__(self, infos):
        self.row = {id(info): j for j, info in enumerate(infos)}
        self.column = {code: j for j, code in enumerate(dict.fromkeys(c for info in infos for c in info.steps))}
        self.no_row, self.no_column = len(infos), len(self.column)
        self.halves = np.full((len(infos) + 1, len(self.column) + 1), -1, dtype=np.int64)
        self.unit = np.full((len(infos) + 1, len(self.column) + 1), -1, dtype=np.int64)
        units = []
        for j, info in enumerate(infos):
            for code, step in info.steps.items():
                self.halves[j, self.column[code]] = step.halves
                self.unit[j, self.column[code]] = len(units)
                units.append(step.unit[:255])
        self.units = np.array(units + [""], dtype=object)
        self.first_step = np.array([info.first_step for info in infos] + [""], dtype=object)

    def columns(self, codes):
        """The column of each step code (the last column for a code no process has)."""
        return np.fromiter(map(self.column.get, codes, repeat(self.no_column)), dtype=np.int64, count=len(codes))


class DossierState:
    """A dossier as the engine sees it during a batch: plain attributes, times as integer microseconds (UTC).

    Loaded with one values_list query per batch, changed in memory by the events, then written back with
    set-based SQL (bulk.insert_dossiers / bulk.update_dossiers)."""

    TIMES = ("completed_at", "step_started_at", "step_due_at", "last_event_at", "paused_at", "due_at",
             "apology_due_at")
    LOADED = ("pk", "procedure_id", "field_id", "status", "completed_at", "is_late", "current_step",
              "step_started_at", "step_due_at", "holder_id", "holder_name", "holder_unit", "last_event_at",
              "paused_at", "due_at", "late_step", "late_unit", "apology_due_at", "processing_days")
    __slots__ = (*LOADED, "code", "applicant_name", "applicant_key", "applicant_address", "received_at")

    @classmethod
    def load(cls, agency, codes):
        """{code: DossierState} of the agency's dossiers among `codes` (one query)."""
        # No ORDER BY (the model's default ordering): SQLite would then walk the (agency, received_at) index of
        # the whole agency instead of probing the unique (agency, code) key, slower as the table grows.
        rows = (Dossier.objects.filter(agency=agency, code__any=list(codes)).order_by()
                .values_list("code", "id", *cls.LOADED[1:]))
        times = {cls.LOADED.index(name) for name in cls.TIMES}
        states = {}
        for code, *values in rows:
            state = cls.__new__(cls)
            for index, (name, value) in enumerate(zip(cls.LOADED, values, strict=True)):
                setattr(state, name, to_us(value) if index in times and value is not None else value)
            state.code, state.applicant_name, state.applicant_address, state.received_at = code, None, None, None
            state.applicant_key = None
            states[code] = state
        return states

    def get_status_display(self):
        return str(DossierStatus(self.status).label)


class EventProcessor:
    """Applies events of one agency. Caches the agency's procedures and processes across batches.

    `columns`: apply the plain dossiers of a batch on whole columns (dossiers.columnar); the rest, and
    everything when False (the reference the tests compare with), row by row."""

    columns = True

    def __init__(self, agency, source=DossierEvent.Source.API, actor=None):
        self.agency, self.source, self.actor = agency, source, actor
        self.calendar = get_calendar()
        self.conf = settings.EISO
        self._by_code, self._by_id = {}, {}
        self._steps = None  # StepTable of the processes in _by_id, built when first needed
        self._users = None
        self.tz = timezone.get_current_timezone()
        self.local = LocalTime(self.tz)
        self.now_us = to_us(timezone.now())

    # -- look-ups ---------------------------------------------------------------------------
    def procedure(self, code):
        if code not in self._by_code:
            procedure = AdminProcedure.objects.filter(province_id=self.agency.province_id, code=code).first()
            info = None
            if procedure is not None:
                process = ProcessDefinition.objects.of(self.agency, procedure)
                info = ProcInfo(procedure, process)
                self._by_id[procedure.pk] = info
                self._steps = None
            self._by_code[code] = info
        return self._by_code[code]

    def procedure_by_id(self, pk):
        if pk not in self._by_id:
            self.procedure(AdminProcedure.objects.get(pk=pk).code)
        return self._by_id[pk]

    def step_table(self):
        """The StepTable of every process looked up so far (rebuilt after a new one)."""
        if self._steps is None:
            self._steps = StepTable(list(self._by_id.values()))
        return self._steps

    def user_id(self, username):
        if self._users is None:
            from accounts.models import User

            self._users = dict(User.objects.filter(agency=self.agency, is_active=True).values_list("username", "pk"))
        return self._users.get(username)

    def _add_days(self, start_us, days):
        """One deadline (supplement restarts, rare): the scalar calendar on local datetimes."""
        return to_us(self.calendar.add_working_days(from_us(start_us, self.tz), days))

    def _between(self, a_us, b_us):
        return self.calendar.working_days_between(from_us(a_us, self.tz), from_us(b_us, self.tz))

    # -- one batch ----------------------------------------------------------------------------
    def process_batch(self, rows):
        """rows: iterable of (row_number, dict). Returns a BatchResult; one transaction."""
        return self.process(Batch.from_rows(rows))

    def process(self, batch):
        """Apply a Batch of columns. Returns a BatchResult; one transaction."""
        result = BatchResult()
        errors = {}
        if len(batch):
            parsed = self._parse(batch, errors)
            if len(errors) < len(batch):
                with transaction.atomic():
                    self._lock()
                    self._apply(batch, parsed, errors, result)
        result.errors = [(batch.numbers[i], reason, batch.row(i)) for i, reason in sorted(errors.items())]
        return result

    def _lock(self):
        lock_agency(self.agency)

    # -- columns: parse and validate ------------------------------------------------------------
    def _parse(self, batch, errors):
        n = len(batch)

        def fail(indices, reason):
            for i in indices:
                errors.setdefault(i, reason)

        for values in batch.columns.values():
            if "\ufffd" in ("\x00".join(values) if set(map(type, values)) == {str} else
                             "\x00".join(v for v in values if type(v) is str)):
                fail([i for i, v in enumerate(values) if type(v) is str and "\ufffd" in v],
                     _("Có ký tự không đọc được (sai bảng mã của tệp)."))
        ids, codes = batch.text("event_id", 80), batch.text("dossier_code", 60)
        if "" in ids:
            fail([i for i, v in enumerate(ids) if not v], _("Thiếu mã sự kiện."))
        if "" in codes:
            fail([i for i, v in enumerate(codes) if not v], _("Thiếu mã hồ sơ."))
        kind_texts = batch.text("event")
        kinds = list(map(KIND_ALIASES.get, kind_texts))
        if None in kinds:
            for i, kind in enumerate(kinds):
                if kind is None:
                    kinds[i] = KIND_ALIASES.get(search_key(kind_texts[i]))
                    if kinds[i] is None:
                        fail([i], _("Loại sự kiện “%(v)s” không hợp lệ.") % {"v": kind_texts[i]})
        moments = self._parse_moments(batch.columns.get("occurred_at") or [""] * n, errors)
        return ids, codes, kinds, moments

    def _parse_moments(self, values, errors):
        """The timestamps as UTC microseconds (int64 array). Columns of ISO or dd/mm/yyyy text (what exports
        hold) are parsed by numpy; anything else (datetimes from XLSX, offsets, odd formats) row by row."""
        n = len(values)
        if set(map(type, values)) == {str}:
            text = "\n".join(values)
            if "/" in text:
                text = DMY.sub(r"\3-\2-\1", text)
            if ISO_COLUMN.fullmatch(text):
                try:
                    local = np.array(text.split("\n"), dtype="datetime64[us]").view(np.int64)
                except ValueError:
                    pass  # a day or month out of range: row by row says which
                else:
                    if not np.isnat(local.view("datetime64[us]")).any():
                        return self.local.to_utc(local)
        result = np.zeros(n, dtype=np.int64)
        tz = self.tz
        for i, value in enumerate(values):
            if i in errors:
                continue
            try:
                result[i] = to_us(parse_moment(value, tz))
            except ValueError as exc:
                errors.setdefault(i, str(exc)[:1].upper() + str(exc)[1:] + ".")
        return result

    # -- the batch's deadlines in one call ---------------------------------------------------------
    def _deadlines(self, batch, ok, kind_codes, codes, moments, states):
        """Per row: the appointment of a receipt and the due time of the step a receipt or transfer enters,
        as UTC microseconds (-1 where outside the calendar), with one vectorised calendar call. Returned twice:
        as dicts {row: time} (rows without one left out) and as int64 columns (-1 where none). The look-ups
        are by whole columns (a table of the batch's processes by step code); a hand-over of a dossier not stored
        yet takes the procedure of the dossier's first receipt in the batch (a hand-over before it is refused by
        the rules anyway)."""
        steps, proc_codes = batch.text("step"), batch.text("procedure_code")
        info_of = {code: self._by_id.get(d.procedure_id) or self.procedure_by_id(d.procedure_id)
                   for code, d in states.items()}
        ok_rows = np.asarray(ok, dtype=np.int64)
        kind = kind_codes[ok_rows]
        # Receipts: each with its own procedure (looked up once per distinct code); a dossier not stored yet takes
        # the procedure of its first receipt that has a process, for the steps of its hand-overs.
        receipts = ok_rows[kind == columnar.RECEIVE].tolist()
        receipt_codes = list(map(proc_codes.__getitem__, receipts))
        by_code = {code: self.procedure(code) for code in set(receipt_codes)}
        receipt_infos = [info if info is not None and info.steps else None for info in map(by_code.get, receipt_codes)]
        for i, info in zip(receipts, receipt_infos, strict=True):
            if info is not None:
                info_of.setdefault(codes[i], info)
        table = self.step_table()
        valid = [k for k, info in enumerate(receipt_infos) if info is not None]
        receipts = [receipts[k] for k in valid]
        receipt_infos = [receipt_infos[k] for k in valid]
        due_halves = np.array([info.due_halves for info in receipt_infos], dtype=np.int64)
        receipt_steps = [steps[i] or info.first_step for i, info in zip(receipts, receipt_infos, strict=True)]
        transfers = ok_rows[kind == columnar.TRANSFER].tolist()
        code_process = {code: table.row[id(info)] for code, info in info_of.items() if info is not None}
        process = np.concatenate([
            np.fromiter((table.row[id(info)] for info in receipt_infos), dtype=np.int64, count=len(receipts)),
            np.fromiter(map(code_process.get, map(codes.__getitem__, transfers), repeat(table.no_row)),
                        dtype=np.int64, count=len(transfers))])
        step_halves = table.halves[process, table.columns(receipt_steps + list(map(steps.__getitem__, transfers)))]
        entering = np.array(receipts + transfers, dtype=np.int64)
        has_due = due_halves > 0
        has_step = step_halves >= 0
        rows = np.concatenate([np.array(receipts, dtype=np.int64)[has_due], entering[has_step]]).tolist()
        halves = np.concatenate([due_halves[has_due], step_halves[has_step]]).tolist()
        receipts = range(int(has_due.sum()))
        due, step_due = {}, {}
        n = len(batch)
        due_column, step_due_column = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
        if rows:
            index = np.array(rows, dtype=np.int64)
            utc = moments[index]
            local = self.local.to_local(utc).view("datetime64[us]")
            ends, good = self.calendar.add_working_days_bulk_checked(local, np.array(halves, dtype=np.int64))
            ends = self.local.to_utc(ends.astype("datetime64[us]").view(np.int64))
            # A start at the same minute as its deadline (no time allotted) keeps its seconds.
            ends = np.where(np.array(halves) == 0, utc, ends)
            ends = np.where(good, ends, -1)
            receipt = np.zeros(len(rows), dtype=bool)
            receipt[receipts] = True
            due = dict(zip(index[receipt].tolist(), ends[receipt].tolist(), strict=True))
            step_due = dict(zip(index[~receipt].tolist(), ends[~receipt].tolist(), strict=True))
            due_column[index[receipt]], step_due_column[index[~receipt]] = ends[receipt], ends[~receipt]
        return due, step_due, due_column, step_due_column

    # -- rows: the rules of each dossier's state -------------------------------------------------------
    def _apply(self, batch, parsed, errors, result):
        ids, codes, kinds, moments_array = parsed
        agency = self.agency
        n = len(batch)
        ok = [i for i in range(n) if i not in errors]
        states = DossierState.load(agency, {codes[i] for i in ok})
        code_of = {d.pk: code for code, d in states.items()}
        wanted = {ids[i] for i in ok}
        # Filter on the dossiers only (an IN list on both key columns makes SQLite probe their product).
        seen = {(code_of[dossier_id], external_id) for dossier_id, external_id in DossierEvent.objects.filter(
            dossier_id__any=list(code_of)).order_by().values_list("dossier_id", "external_id") if external_id in wanted}
        kind_codes = np.fromiter(map(columnar.KIND_CODE.get, kinds, repeat(columnar.OTHER)), dtype=np.int8, count=n)
        due, step_due, due_column, step_due_column = self._deadlines(batch, ok, kind_codes, codes, moments_array,
                                                                     states)
        moments = moments_array.tolist()
        # The month of each row in local time (the summary's key), with one date object per distinct month.
        local_months = self.local.to_local(moments_array).view("datetime64[us]").astype("datetime64[M]")
        distinct, inverse = np.unique(local_months, return_inverse=True)
        months = np.array(distinct.astype(dt.date).tolist() + [None], dtype=object)[inverse.ravel()].tolist()
        steps, to_names, to_units = batch.text("step"), batch.text("to_name", 150), batch.text("to_unit", 255)
        usernames = batch.text("to_username")
        receipt_columns = (batch.text("procedure_code"), batch.text("applicant_name", 255),
                           batch.text("applicant_address", 255), steps, usernames, to_names, to_units)
        stats = defaultdict(Counter)
        late_stats = Counter()  # (field, month of the delay, late step, late unit) -> dossiers newly late
        common = None
        if self.columns:
            common = columnar.apply_common(self, batch, ok, ids, codes, kind_codes, moments_array, months, states,
                                           seen, due_column, step_due_column, stats, late_stats)
            if common is not None:
                done = np.zeros(n, dtype=bool)
                done[common.rows] = True
                ok = [i for i in ok if not done[i]]
        accepted, events = [], []
        new, new_rows, changed = [], [], {}
        receive, transfer, processing, paused = EventKind.RECEIVE, EventKind.TRANSFER, PROCESSING, PAUSED
        ret, by_id = EventKind.RETURN, self._by_id
        for i in ok:
            code, key = codes[i], (codes[i], ids[i])
            if key in seen:
                result.duplicates += 1
                continue
            kind, moment, d = kinds[i], moments[i], states.get(code)
            try:
                if kind is receive:
                    d = self._receive(d, receipt_columns, i, code, moment, due, step_due, months[i], stats)
                    states[code] = d
                    new.append(d)
                    new_rows.append(i)
                    entered, completed, completed_due, late = d.current_step, "", None, None
                else:
                    if d is None:
                        raise RowError(_("Hồ sơ “%(code)s” chưa được tiếp nhận (không có trong hệ thống).")
                                       % {"code": code})
                    if d.last_event_at is not None and moment < d.last_event_at:
                        raise RowError(_("Thời điểm %(t)s sớm hơn sự kiện trước của hồ sơ (%(prev)s): sai thứ tự "
                                         "thời gian.") % {"t": moment_text(from_us(moment)),
                                                          "prev": moment_text(from_us(d.last_event_at))})
                    status = d.status
                    if status != processing and status != paused:
                        raise RowError(_("Hồ sơ “%(code)s” đã kết thúc (%(status)s), không nhận thêm sự kiện.")
                                       % {"code": code, "status": d.get_status_display()})
                    entered, completed, completed_due, late = "", "", None, None
                    if kind is transfer or kind is ret:
                        if status == paused:
                            raise RowError(_("Hồ sơ đang chờ bổ sung, chưa thể chuyển xử lý.") if kind is transfer
                                           else _("Hồ sơ đang chờ bổ sung, chưa thể trả kết quả."))
                        info = by_id.get(d.procedure_id) or self.procedure_by_id(d.procedure_id)
                        if kind is transfer:
                            entered = steps[i]
                            if entered not in info.steps:
                                raise RowError(unknown_step(entered, info))
                            if step_due.get(i, -1) < 0:
                                raise RowError(_("Thời điểm nằm ngoài lịch làm việc."))
                        # The step the dossier was in ends with this hand-over.
                        completed, completed_due = d.current_step, d.step_due_at
                        late = completed_due is not None and moment > completed_due
                        if late and not d.late_step:
                            d.late_step, d.late_unit = d.current_step, d.holder_unit
                            late_stats[(d.field_id, months[i], d.late_step, d.late_unit)] += 1
                        if kind is transfer:
                            d.current_step, d.step_started_at, d.step_due_at = entered, moment, step_due[i]
                            d.holder_name = to_names[i]
                            d.holder_unit = to_units[i] or info.steps[entered].unit[:255]
                            d.holder_id = self.user_id(usernames[i]) if usernames[i] else None
                        else:
                            self._return(d, moment, to_names[i], months[i], stats, late_stats)
                    else:
                        self._other(d, kind, moment, months[i], stats)
                    d.last_event_at = moment
                    if d.pk:
                        changed[d.pk] = d
            except RowError as exc:
                errors[i] = str(exc)
                continue
            seen.add(key)
            accepted.append(i)
            events.append((d, entered, completed, completed_due, late))
        self._write(batch, common, new, new_rows, accepted, events, ids, kinds, moments, to_names)
        if common is not None:
            changed.update((d.pk, d) for d in common.changed)
            result.stored += len(common.rows)
        bulk.update_dossiers(list(changed.values()))
        bulk.upsert_stats(agency.pk, stats)
        bulk.upsert_late_stats(agency.pk, late_stats)
        result.stored += len(accepted)

    def _write(self, batch, common, new, new_rows, accepted, events, ids, kinds, moments, to_names):
        """Insert the batch's new dossiers and accepted events: those of the columns path (`common`) and those
        of the row-by-row rules, merged in file order (dossier keys in the order of their receipts)."""
        n = len(batch)
        fresh = len(common.new_rows) if common is not None else 0
        if fresh + len(new):
            keys = np.array(bulk.allocate_ids(Dossier, fresh + len(new)), dtype=np.int64)
            receipts = np.array((common.new_rows if fresh else []) + new_rows, dtype=np.int64)
            keys[np.argsort(receipts, kind="stable")] = keys.copy()
            data = bulk.dossier_columns(new)
            if fresh:
                common.pks[common.new_groups] = keys[:fresh]
                data = {name: common.new[name] + values for name, values in data.items()}
            for d, pk in zip(new, keys[fresh:].tolist(), strict=True):
                d.pk = pk
            bulk.insert_dossiers(self.agency.pk, keys.tolist(), data, self.now_us)
        stored = np.zeros(n, dtype=bool)
        dossier, step, completed = np.zeros(n, dtype=np.int64), np.empty(n, dtype=object), np.empty(n, dtype=object)
        completed_due, late = np.empty(n, dtype=object), np.empty(n, dtype=object)
        if common is not None:
            rows = common.rows
            stored[rows] = True
            dossier[rows] = common.pks[common.group]
            step[rows], completed[rows] = common.step, common.completed
            completed_due[rows], late[rows] = common.completed_due, common.late
        if accepted:
            stored[accepted] = True
            ev_dossier, ev_step, ev_completed, ev_due, ev_late = zip(*events, strict=True)
            dossier[accepted] = list(map(attrgetter("pk"), ev_dossier))
            for column, values in ((step, ev_step), (completed, ev_completed), (completed_due, ev_due),
                                   (late, ev_late)):
                column[accepted] = values
        rows = np.flatnonzero(stored)
        if not len(rows):
            return
        every = len(rows) == n
        index = rows.tolist()

        def take(values):
            return values if every else [values[i] for i in index]

        def column(values):
            return values.tolist() if every else values[rows].tolist()

        source = str(getattr(self.source, "value", self.source))
        bulk.insert_events({
            "dossier_id": column(dossier), "external_id": take(ids),
            "kind": list(map(KIND_VALUE.__getitem__, take(kinds))), "occurred_at": take(moments),
            "step": column(step), "from_name": take(batch.text("from_name", 150)),
            "from_unit": take(batch.text("from_unit", 255)), "to_name": take(to_names),
            "to_unit": take(batch.text("to_unit", 255)), "completed_step": column(completed),
            "completed_step_due_at": column(completed_due), "is_late": column(late),
            "note": take(batch.text("note", 500)), "on_behalf_of": take(batch.text("on_behalf_of", 150)),
            "source": [source] * len(rows),
            "created_at": [self.now_us] * len(rows),
        })

    def _receive(self, d, columns, i, code, moment, due, step_due, month, stats):
        if d is not None:
            raise RowError(_("Hồ sơ “%(code)s” đã được tiếp nhận trước đó.") % {"code": code})
        proc_codes, applicants, addresses, steps, usernames, to_names, to_units = columns
        proc_code = proc_codes[i]
        if not proc_code:
            raise RowError(_("Sự kiện tiếp nhận cần mã thủ tục."))
        info = self.procedure(proc_code)
        if info is None:
            raise RowError(_("Mã thủ tục “%(code)s” không có trong bộ thủ tục hành chính của tỉnh.") % {"code": proc_code})
        if info.annulled:
            raise RowError(_("Thủ tục “%(code)s” đã bị bãi bỏ.") % {"code": proc_code})
        if not info.steps:
            raise RowError(_("Thủ tục “%(code)s” chưa có quy trình giải quyết tại cơ quan.") % {"code": proc_code})
        applicant = applicants[i]
        if not applicant:
            raise RowError(_("Thiếu tên người nộp hồ sơ."))
        step = steps[i] or info.first_step
        if step not in info.steps:
            raise RowError(unknown_step(step, info))
        appointment = due.get(i, moment if not info.due_halves else -1)
        if appointment < 0 or step_due.get(i, -1) < 0:
            raise RowError(_("Thời điểm nằm ngoài lịch làm việc."))
        username = usernames[i]
        d = DossierState.__new__(DossierState)
        d.pk, d.procedure_id, d.field_id, d.code = None, info.id, info.field_id, code
        d.applicant_name, d.applicant_key, d.applicant_address = applicant, search_key(applicant)[:255], addresses[i]
        d.received_at, d.due_at, d.processing_days = moment, appointment, info.processing_days
        d.status, d.current_step, d.step_started_at, d.step_due_at = PROCESSING, step, moment, step_due[i]
        d.holder_id = self.user_id(username) if username else None
        d.holder_name = to_names[i]
        d.holder_unit = to_units[i] or info.steps[step].unit[:255]
        d.last_event_at, d.late_step, d.late_unit = moment, "", ""
        d.completed_at = d.is_late = d.paused_at = d.apology_due_at = None
        stats[(info.id, info.field_id, month)]["received"] += 1
        return d

    def _return(self, d, moment, to_name, month, stats, late_stats):
        d.status, d.completed_at = RETURNED, moment
        d.is_late = moment > d.due_at or d.apology_due_at is not None
        if d.is_late and not d.late_step:
            d.late_step, d.late_unit = d.current_step, d.holder_unit
            late_stats[(d.field_id, month, d.late_step, d.late_unit)] += 1
        d.holder_id, d.holder_name, d.step_due_at = None, to_name, None
        counts = stats[(d.procedure_id, d.field_id, month)]
        counts["completed"] += 1
        counts["late" if d.is_late else "on_time"] += 1

    def _other(self, d, kind, moment, month, stats):
        """Supplement request/receipt and refusal (rare: deadlines one by one)."""
        if kind == EventKind.SUPPLEMENT_REQUEST:
            if d.status == PAUSED:
                raise RowError(_("Hồ sơ đã đang chờ bổ sung."))
            d.status, d.paused_at = PAUSED, moment
        elif kind == EventKind.SUPPLEMENT_RECEIVED:
            if d.status != PAUSED:
                raise RowError(_("Hồ sơ không ở trạng thái chờ bổ sung."))
            info = self._by_id.get(d.procedure_id) or self.procedure_by_id(d.procedure_id)
            try:  # computed first, assigned after: a refused row leaves the dossier as it was
                if self.conf.get("DOSSIER_SUPPLEMENT_RESTARTS"):
                    due_at = self._add_days(moment, d.processing_days)
                    step_left = info.steps[d.current_step].days if d.current_step in info.steps else 0
                else:
                    # The clock stopped while the applicant supplemented: the working time left carries over.
                    left = max(0.0, self._between(d.paused_at, d.due_at))
                    due_at = self._add_days(moment, left) if left else moment
                    step_left = max(0.0, self._between(d.paused_at, d.step_due_at)) if d.step_due_at else 0
                step_due_at = self._add_days(moment, step_left if step_left else "0.5")
            except ValueError:
                raise RowError(_("Thời điểm nằm ngoài lịch làm việc.")) from None
            d.due_at, d.step_due_at, d.status, d.paused_at = due_at, step_due_at, PROCESSING, None
        elif kind == EventKind.REFUSE:
            d.status, d.completed_at, d.holder_id, d.step_due_at = REFUSED, moment, None, None
            stats[(d.procedure_id, d.field_id, month)]["refused"] += 1
