"""The engine's driver, and the reference path of its rules: every row in file order.

`EventProcessor.process(batch)` parses the batch (`batch.parse`), takes the agency's lock, loads the state of
the batch's dossiers and the events they already have (`store`), computes all the batch's deadlines at once
(`rules.deadlines`), lets the columns path (`columns.apply`) take the dossiers eligible for it, applies the
rules row by row to the rest (`EventProcessor.apply_rows`: supplements, refusals, errors, and everything when
`columns` is False), and writes both outcomes with one `store.write`."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import moment_text
from core.workdays import get_calendar
from organizations.models import Agency

from .. import bulk
from ..models import DossierEvent, EventKind
from . import batch as batches
from . import columns as by_columns
from . import rules, store
from .batch import Batch, BatchResult, Parsed, RowError
from .catalog import Catalog, ProcInfo, unknown_step
from .rules import PAUSED, PROCESSING, REFUSED, Deadlines, Summaries
from .store import DossierState, Outcome
from .times import LocalTime, from_us, known, to_us


def lock_agency(agency: Agency) -> None:
    """Serialise the writes of one agency's dossiers (two imports, an import and the API, two desks allocating
    codes) until the end of the current transaction. SQLite transactions are serialised already."""
    if connection.features.has_select_for_update:
        list(
            Agency.objects.select_for_update(no_key=connection.features.has_select_for_no_key_update)
            .filter(pk=agency.pk)
            .values_list("pk")
        )


@dataclass(slots=True)
class Row:
    """One row of a batch as the reference rules read it (times in UTC microseconds; deadlines -1 where none)."""

    index: int
    code: str
    event_id: str
    kind: EventKind
    moment: int
    month: dt.date  # the first day of the row's month in local time (the summaries' key)
    step: str
    to_name: str
    to_unit: str
    to_username: str
    procedure_code: str
    applicant: str
    address: str
    due: int
    step_due: int


@dataclass(slots=True)
class Event:
    """What the rules made of an accepted row: its dossier, the step it enters and the step it completes."""

    dossier: DossierState
    step: str = ""
    completed: str = ""
    completed_due: int | None = None
    late: bool | None = None


class EventProcessor:
    """Applies events of one agency. Its Catalog (procedures, processes, users) is kept across batches.

    `columns`: apply the dossiers of a batch that are eligible for it on whole columns (`columns.apply`); the
    rest, and everything when False (the reference the tests compare with), row by row."""

    columns = True

    def __init__(self, agency: Agency, source=DossierEvent.Source.API, actor=None):
        self.agency, self.source, self.actor = agency, source, actor
        self.calendar = get_calendar()
        self.conf = settings.EISO
        self.catalog = Catalog(agency)
        self.tz = timezone.get_current_timezone()
        self.local = LocalTime(self.tz)
        self.now_us = to_us(timezone.now())

    # -- one batch ----------------------------------------------------------------------------------------------
    def process_batch(self, rows) -> BatchResult:
        """rows: iterable of (row_number, dict). Returns a BatchResult; one transaction."""
        return self.process(Batch.from_rows(rows))

    def process(self, batch: Batch) -> BatchResult:
        """Apply a Batch of columns. Returns a BatchResult; one transaction."""
        result = BatchResult()
        errors = {}
        if len(batch):
            parsed = batches.parse(batch, self.local)
            errors = parsed.errors
            if len(errors) < len(batch):
                with transaction.atomic():
                    self._lock()
                    self._apply(batch, parsed, result)
        result.errors = [(batch.numbers[i], reason, batch.row(i)) for i, reason in sorted(errors.items())]
        return result

    def _lock(self):
        lock_agency(self.agency)

    def _apply(self, batch: Batch, parsed: Parsed, result: BatchResult):
        ok = parsed.ok
        states = DossierState.load(self.agency, {parsed.codes[i] for i in ok})
        stored = store.stored_keys(states, {parsed.ids[i] for i in ok})
        if stored and rules.conflicts(parsed, ok, stored, self.local):
            ok = parsed.ok  # an id sent again with other content is a bad row, not a duplicate
        seen = set(stored)
        deadlines = rules.deadlines(batch, parsed, ok, states, self.catalog, self.calendar, self.local)
        outcomes = []
        if self.columns:
            fast = by_columns.apply(batch, parsed, ok, states, seen, deadlines, self.catalog)
            if fast is not None:
                outcomes.append(fast)
                taken = np.zeros(len(batch), dtype=bool)
                taken[fast.rows] = True
                ok = [i for i in ok if not taken[i]]
        outcomes.append(self.apply_rows(batch, parsed, ok, states, seen, deadlines))
        source = str(getattr(self.source, "value", self.source))
        result.stored += store.write(self.agency.pk, source, self.now_us, batch, parsed, outcomes)
        result.duplicates += sum(outcome.duplicates for outcome in outcomes)

    # -- the reference: the rules row by row --------------------------------------------------------------------
    def apply_rows(
        self,
        batch: Batch,
        parsed: Parsed,
        rows: list[int],
        states: dict[str, DossierState],
        seen: set,
        deadlines: Deadlines,
    ) -> Outcome:
        """Apply the rows one by one in file order; a refused row gets its reason in `parsed.errors`."""
        summaries, duplicates = Summaries(), 0
        accepted, events = [], []
        for row in self.rows(batch, parsed, rows, deadlines):
            key = (row.code, row.event_id)
            if rules.duplicate(key, seen):
                duplicates += 1
                continue
            try:
                event = self.apply_row(row, states, summaries)
            except RowError as exc:
                parsed.errors[row.index] = str(exc)
                continue
            seen.add(key)
            accepted.append(row.index)
            events.append(event)
        return self.outcome(accepted, events, summaries, duplicates)

    @staticmethod
    def rows(batch: Batch, parsed: Parsed, indices: list[int], deadlines: Deadlines):
        """The Row of each index, in their order."""
        columns = (
            parsed.codes,
            parsed.ids,
            parsed.kinds,
            parsed.moments.tolist(),
            parsed.months,
            batch.text("step"),
            batch.text("to_name", 150),
            batch.text("to_unit", 255),
            batch.text("to_username"),
            batch.text("procedure_code"),
            batch.text("applicant_name", 255),
            batch.text("applicant_address", 255),
            deadlines.due.tolist(),
            deadlines.step_due.tolist(),
        )
        if len(indices) < len(parsed.ids):
            columns = [list(map(values.__getitem__, indices)) for values in columns]
        return map(Row, indices, *columns)

    def apply_row(self, row: Row, states: dict[str, DossierState], summaries: Summaries) -> Event:
        d = states.get(row.code)
        if row.kind is EventKind.RECEIVE:
            d = states[row.code] = self.receive(d, row, summaries)
            return Event(d, step=d.current_step)
        if d is None:
            raise RowError(_("Hồ sơ “%(code)s” chưa được tiếp nhận (không có trong hệ thống).") % {"code": row.code})
        if rules.out_of_order(row.moment, known(d.last_event_at)):
            raise RowError(
                _("Thời điểm %(t)s sớm hơn sự kiện trước của hồ sơ (%(prev)s): sai thứ tự thời gian.")
                % {"t": moment_text(from_us(row.moment)), "prev": moment_text(from_us(d.last_event_at))}
            )
        if not rules.still_open(d.status):
            raise RowError(
                _("Hồ sơ “%(code)s” đã kết thúc (%(status)s), không nhận thêm sự kiện.")
                % {"code": row.code, "status": d.get_status_display()}
            )
        if row.kind is EventKind.TRANSFER or row.kind is EventKind.RETURN:
            event = self.hand_over(d, row, summaries)
        else:
            self.other(d, row, summaries)
            event = Event(d)
        d.last_event_at = row.moment
        return event

    def receive(self, d: DossierState | None, row: Row, summaries: Summaries) -> DossierState:
        if d is not None:
            raise RowError(_("Hồ sơ “%(code)s” đã được tiếp nhận trước đó.") % {"code": row.code})
        info = self.catalog.procedure(row.procedure_code) if row.procedure_code else None
        if reason := rules.receipt_refusal(info, row.procedure_code, row.applicant):
            raise RowError(reason)
        step = rules.entered_step(row.step, info.first_step, True)
        if step not in info.steps:
            raise RowError(unknown_step(step, info))
        due_at = rules.appointment(row.due, row.moment, info.due_halves)
        if rules.outside_calendar(due_at) or rules.outside_calendar(row.step_due):
            raise RowError(_("Thời điểm nằm ngoài lịch làm việc."))
        d = DossierState.new(
            rules.opened(
                info.id, info.field_id, info.processing_days, row.code, row.applicant, row.address, row.moment, due_at
            )
        )
        self.enter(d, row, info, step)
        d.last_event_at = row.moment
        summaries.received(info.id, info.field_id, row.month)
        return d

    def enter(self, d: DossierState, row: Row, info: ProcInfo, step: str) -> None:
        """The dossier enters `step` at the row's moment, held by the row's recipient."""
        holder = self.catalog.user_id(row.to_username)
        unit = rules.holder_unit(row.to_unit, info.steps[step].unit[:255])
        d.set(rules.entered(step, row.moment, row.step_due, holder, row.to_name, unit))

    def hand_over(self, d: DossierState, row: Row, summaries: Summaries) -> Event:
        """A transfer to the next step, or the return of the result: the step the dossier was in ends."""
        transfer = row.kind is EventKind.TRANSFER
        if d.status == PAUSED:
            raise RowError(
                _("Hồ sơ đang chờ bổ sung, chưa thể chuyển xử lý.")
                if transfer
                else _("Hồ sơ đang chờ bổ sung, chưa thể trả kết quả.")
            )
        info = self.catalog.of(d.procedure_id)
        step = ""
        if transfer:
            step = rules.entered_step(row.step, info.first_step, False)
            if step not in info.steps:
                raise RowError(unknown_step(step, info))
            if rules.outside_calendar(row.step_due):
                raise RowError(_("Thời điểm nằm ngoài lịch làm việc."))
        event = Event(d, step, d.current_step, d.step_due_at, rules.late_handover(row.moment, known(d.step_due_at)))
        if rules.falls_behind(event.late, d.late_step or ""):
            self.fell_behind(d, row, summaries)
        if transfer:
            self.enter(d, row, info, step)
        else:
            late = rules.late_return(row.moment, d.due_at, d.apology_due_at is not None)
            if rules.falls_behind(late, d.late_step or ""):
                self.fell_behind(d, row, summaries)
            d.set(rules.returned(row.moment, late, row.to_name))
            summaries.completed(d.procedure_id, d.field_id, row.month, late)
        return event

    @staticmethod
    def fell_behind(d: DossierState, row: Row, summaries: Summaries):
        d.late_step, d.late_unit = d.current_step, d.holder_unit
        summaries.fell_behind(d.field_id, row.month, d.late_step, d.late_unit)

    def other(self, d: DossierState, row: Row, summaries: Summaries):
        """Supplement request/receipt and refusal (not in the plain flow: deadlines one by one)."""
        kind, moment = row.kind, row.moment
        if kind == EventKind.SUPPLEMENT_REQUEST:
            if d.status == PAUSED:
                raise RowError(_("Hồ sơ đã đang chờ bổ sung."))
            d.status, d.paused_at = PAUSED, moment
        elif kind == EventKind.SUPPLEMENT_RECEIVED:
            if d.status != PAUSED:
                raise RowError(_("Hồ sơ không ở trạng thái chờ bổ sung."))
            info = self.catalog.of(d.procedure_id)
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
            summaries.refused(d.procedure_id, d.field_id, row.month)

    def _add_days(self, start_us, days):
        """One deadline (supplement restarts, rare): the scalar calendar on local datetimes."""
        return to_us(self.calendar.add_working_days(from_us(start_us, self.tz), days))

    def _between(self, a_us, b_us):
        return self.calendar.working_days_between(from_us(a_us, self.tz), from_us(b_us, self.tz))

    @staticmethod
    def outcome(accepted: list[int], events: list[Event], summaries: Summaries, duplicates: int) -> Outcome:
        """The accepted rows as an Outcome: each distinct dossier once in `keys`, the new ones as columns."""
        index, dossiers, new, new_rows = {}, [], [], []
        for i, event in zip(accepted, events, strict=True):
            d = event.dossier
            if id(d) not in index:
                index[id(d)] = len(dossiers)
                if d.pk is None:  # a new dossier: its first event is its receipt
                    new.append(len(dossiers))
                    new_rows.append(i)
                dossiers.append(d)
        return Outcome(
            rows=np.array(accepted, dtype=np.int64),
            dossier=np.fromiter((index[id(e.dossier)] for e in events), dtype=np.int64, count=len(events)),
            step=store.objects([e.step for e in events]),
            completed=store.objects([e.completed for e in events]),
            completed_due=store.objects([e.completed_due for e in events]),
            late=store.objects([e.late for e in events]),
            keys=np.array([d.pk or 0 for d in dossiers], dtype=np.int64),
            new=bulk.dossier_columns([dossiers[k] for k in new]),
            new_index=np.array(new, dtype=np.int64),
            new_rows=new_rows,
            changed=[d for d in dossiers if d.pk is not None],
            summaries=summaries,
            duplicates=duplicates,
        )
