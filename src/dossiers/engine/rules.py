"""The rules of the plain flow — receipt, hand-overs, return — stated once for both paths of the engine.

Each rule is a function of plain values that gives the same answer on one row (Python scalars: the reference
path in `processor`) and on whole columns (numpy arrays: the columns path in `columns`): comparisons joined by
`&` and `|`, choices by `pick`. Times are integer microseconds (UTC); an absent time is `times.NONE` (earlier
than any time: `times.known` turns a stored None into it). The summaries' counts go through `Summaries`, and
the batch's deadlines are computed once, for both paths, by `deadlines`.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from core.text import search_key

from ..models import DossierStatus, EventKind
from .batch import RECEIVE, TRANSFER, Parsed
from .catalog import Catalog, ProcInfo
from .times import NONE, LocalTime

# Statuses as plain strings (cheaper to compare than the enum members, and what numpy columns hold).
PROCESSING, PAUSED, RETURNED, REFUSED = (
    str(s.value)
    for s in (DossierStatus.PROCESSING, DossierStatus.PAUSED, DossierStatus.RETURNED, DossierStatus.REFUSED)
)


def pick(condition, yes, no):
    """`yes` where `condition` holds, else `no`: on a scalar, or on arrays element by element."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, yes, no)
    return yes if condition else no


# -- the order of events and the dossier's state ----------------------------------------------------------------
def out_of_order(moment, previous):
    """An event earlier than the dossier's previous event (`previous`: NONE when there is none)."""
    return moment < previous


def still_open(status):
    """A dossier still takes events while it is being processed or waits for a supplement."""
    return (status == PROCESSING) | (status == PAUSED)


def _moment_text(us: int, local: LocalTime) -> str:
    return dt.datetime.fromtimestamp(us / 1_000_000, local.tz).strftime("%d/%m/%Y %H:%M:%S")


def conflicts(parsed: Parsed, ok: list[int], stored: dict, local: LocalTime) -> int:
    """Rows whose event id is stored already with another kind or time: each becomes a bad row naming both
    versions (a sending software that reuses ids must not have its new event silently dropped as a duplicate).
    Returns how many."""
    found = 0
    for i in ok:
        before = stored.get((parsed.codes[i], parsed.ids[i]))
        if before is None or before == (parsed.kinds[i], int(parsed.moments[i])):
            continue
        parsed.errors[i] = _(
            "Mã sự kiện “%(id)s” đã có với nội dung khác — đã lưu: %(kind0)s lúc %(at0)s; gửi lại: %(kind1)s lúc "
            "%(at1)s. Một sự kiện mới cần một mã mới."
        ) % {
            "id": parsed.ids[i],
            "kind0": EventKind(before[0]).label,
            "at0": _moment_text(before[1], local),
            "kind1": EventKind(parsed.kinds[i]).label if parsed.kinds[i] else "?",
            "at1": _moment_text(int(parsed.moments[i]), local),
        }
        found += 1
    return found


def duplicate(key: tuple, seen: set) -> bool:
    """An event (dossier code, event id) stored before or accepted earlier in the batch."""
    return key in seen


# -- a receipt --------------------------------------------------------------------------------------------------
def receipt_refusal(info: ProcInfo | None, procedure_code: str, applicant: str) -> str | None:
    """Why a receipt cannot open a dossier (its procedure, its process, its applicant), None when it can."""
    if not procedure_code:
        return _("Sự kiện tiếp nhận cần mã thủ tục.")
    if info is None:
        return _("Mã thủ tục “%(code)s” không có trong bộ thủ tục hành chính của tỉnh.") % {"code": procedure_code}
    if info.annulled:
        return _("Thủ tục “%(code)s” đã bị bãi bỏ.") % {"code": procedure_code}
    if not info.steps:
        return _("Thủ tục “%(code)s” chưa có quy trình giải quyết tại cơ quan.") % {"code": procedure_code}
    if not applicant:
        return _("Thiếu tên người nộp hồ sơ.")
    return None


def appointment(due, moment, due_halves):
    """The appointment of a receipt: its deadline, or the receipt itself for a procedure settled at once."""
    return pick(due_halves > 0, due, moment)


def outside_calendar(deadline):
    """A deadline the working calendar could not give (`deadlines` marks it -1)."""
    return deadline < 0


def applicant_key(name: str) -> str:
    return search_key(name)[:255]


def opened(procedure_id, field_id, processing_days, code, applicant, address, moment, due_at, keys=None) -> dict:
    """The columns a receipt gives a new dossier, besides those of the step it enters (`entered`). Scalars, or
    lists of the new dossiers (with `keys`: their applicants' search keys)."""
    n = None if keys is None else len(keys)

    def each(value):
        return value if n is None else [value] * n

    return {
        "procedure_id": procedure_id,
        "field_id": field_id,
        "processing_days": processing_days,
        "code": code,
        "applicant_name": applicant,
        "applicant_key": applicant_key(applicant) if n is None else keys,
        "applicant_address": address,
        "received_at": moment,
        "due_at": due_at,
        "status": each(PROCESSING),
        "completed_at": each(None),
        "is_late": each(None),
        "paused_at": each(None),
        "apology_due_at": each(None),
        "late_step": each(""),
        "late_unit": each(""),
    }


# -- a step entered (receipt or hand-over) ----------------------------------------------------------------------
def entered_step(given, first_step, receipt):
    """The step a receipt or hand-over enters: the one given; a receipt without one enters the first step."""
    return pick(receipt & (given == ""), first_step, given)


def holder_unit(given, step_unit):
    """The unit holding the dossier: the one given, else the step's responsible unit."""
    return pick(given != "", given, step_unit)


def entered(step, moment, step_due, holder_id, holder_name, unit) -> dict:
    """A dossier's state once it enters a step."""
    return {
        "current_step": step,
        "step_started_at": moment,
        "step_due_at": step_due,
        "holder_id": holder_id,
        "holder_name": holder_name,
        "holder_unit": unit,
    }


# -- lateness ---------------------------------------------------------------------------------------------------
def late_handover(moment, step_due):
    """A hand-over after the due time of the step it ends (`step_due`: NONE when the step had none)."""
    return (step_due != NONE) & (moment > step_due)


def late_return(moment, due_at, apology):
    """A return after the appointment, or of a dossier that needed an apology letter."""
    return (moment > due_at) | apology


def falls_behind(late, late_step):
    """A late hand-over or return of a dossier not late before: its step and unit become the late step/unit."""
    return late & (late_step == "")


# -- a return ---------------------------------------------------------------------------------------------------
def returned(moment, late, to_name) -> dict:
    """A dossier's state once its result is returned."""
    return {
        "status": RETURNED,
        "completed_at": moment,
        "is_late": late,
        "holder_id": None,
        "holder_name": to_name,
        "step_due_at": None,
    }


# -- the summaries ----------------------------------------------------------------------------------------------
@dataclass
class Summaries:
    """What a batch adds to the monthly summary ({(procedure, field, month): Counter}) and to the late-step
    summary ({(field, month, late step, late unit): dossiers newly late})."""

    monthly: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    late: Counter = field(default_factory=Counter)

    def received(self, procedure_id, field_id, month, count=1):
        self.monthly[(procedure_id, field_id, month)]["received"] += count

    def completed(self, procedure_id, field_id, month, late, count=1):
        counts = self.monthly[(procedure_id, field_id, month)]
        counts["completed"] += count
        counts["late" if late else "on_time"] += count

    def refused(self, procedure_id, field_id, month, count=1):
        self.monthly[(procedure_id, field_id, month)]["refused"] += count

    def fell_behind(self, field_id, month, step, unit, count=1):
        self.late[(field_id, month, step, unit)] += count

    def update(self, other: "Summaries"):
        for key, counts in other.monthly.items():
            self.monthly[key].update(counts)
        self.late.update(other.late)


# -- the batch's deadlines --------------------------------------------------------------------------------------
@dataclass
class Deadlines:
    """Per row of the batch, as UTC microseconds: `due`, the appointment of a receipt whose procedure takes time;
    `step_due`, the due time of the step a receipt or transfer enters; -1 where none or outside the calendar."""

    due: np.ndarray
    step_due: np.ndarray


def deadlines(
    batch, parsed: Parsed, ok: list[int], states: dict, catalog: Catalog, calendar, local: LocalTime
) -> Deadlines:
    """The batch's deadlines in one vectorised calendar call. The look-ups are by whole columns (the catalog's
    StepTable); a hand-over of a dossier not stored yet takes the procedure of the dossier's first receipt in the
    batch that has a process (a hand-over before it is refused by the rules anyway)."""
    codes, moments = parsed.codes, parsed.moments
    steps, proc_codes = batch.text("step"), batch.text("procedure_code")
    info_of = {code: catalog.of(d.procedure_id) for code, d in states.items()}
    ok_rows = np.asarray(ok, dtype=np.int64)
    kind = parsed.kind_codes[ok_rows]
    receipts = ok_rows[kind == RECEIVE].tolist()
    receipt_codes = list(map(proc_codes.__getitem__, receipts))
    by_code = {code: catalog.procedure(code) for code in set(receipt_codes)}
    receipt_infos = [info if info is not None and info.steps else None for info in map(by_code.get, receipt_codes)]
    for i, info in zip(receipts, receipt_infos, strict=True):
        if info is not None:
            info_of.setdefault(codes[i], info)
    table = catalog.step_table()
    valid = [k for k, info in enumerate(receipt_infos) if info is not None]
    receipts = [receipts[k] for k in valid]
    receipt_infos = [receipt_infos[k] for k in valid]
    due_halves = np.array([info.due_halves for info in receipt_infos], dtype=np.int64)
    receipt_steps = [steps[i] or info.first_step for i, info in zip(receipts, receipt_infos, strict=True)]
    transfers = ok_rows[kind == TRANSFER].tolist()
    process = np.concatenate(
        [table.rows(receipt_infos), table.rows(map(info_of.get, map(codes.__getitem__, transfers)))]
    )
    step_halves = table.halves[process, table.columns(receipt_steps + list(map(steps.__getitem__, transfers)))]
    entering = np.array(receipts + transfers, dtype=np.int64)
    has_due, has_step = due_halves > 0, step_halves >= 0
    rows = np.concatenate([np.array(receipts, dtype=np.int64)[has_due], entering[has_step]])
    halves = np.concatenate([due_halves[has_due], step_halves[has_step]])
    n = len(batch)
    due, step_due = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    if len(rows):
        utc = moments[rows]
        ends, good = calendar.add_working_days_bulk_checked(local.to_local(utc).view("datetime64[us]"), halves)
        ends = local.to_utc(ends.astype("datetime64[us]").view(np.int64))
        # A start at the same minute as its deadline (no time allotted) keeps its seconds.
        ends = np.where(good, np.where(halves == 0, utc, ends), -1)
        receipt = np.zeros(len(rows), dtype=bool)
        receipt[: int(has_due.sum())] = True
        due[rows[receipt]], step_due[rows[~receipt]] = ends[receipt], ends[~receipt]
    return Deadlines(due, step_due)
