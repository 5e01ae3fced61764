"""The common case of a batch, applied to whole columns.

Most dossiers in an export follow the plain path: received, handed over from step to step, returned. For
such a dossier the engine's rules reduce to comparisons between each event and the one before it, which
numpy does for the whole batch at once: the rows are grouped by dossier (file order kept within a dossier),
each row's "before" (the step, its due time and the holder's unit) is the previous row of its group or the
dossier's stored state, and the late step, the summaries' counts and the dossiers' final state follow from
those columns.

A dossier takes this path only if every one of its rows in the batch is plainly valid: no supplement or
refusal, no duplicate, times in order, a known procedure and step, a deadline inside the calendar, a stored
dossier still in processing. Any other dossier (with whatever error or rare event it has) goes through the
engine's row-by-row rules (`EventProcessor._apply`), which remain the reference: a test checks that both
give the same dossiers, events and summaries.
"""

from collections import Counter

import numpy as np

from core.text import search_key

from .models import DossierStatus, EventKind

NONE = np.iinfo(np.int64).min  # an absent time in an int64 column
RECEIVE, TRANSFER, RETURN, OTHER = 0, 1, 2, 3
KIND_CODE = {EventKind.RECEIVE: RECEIVE, EventKind.TRANSFER: TRANSFER, EventKind.RETURN: RETURN}
PROCESSING, RETURNED = str(DossierStatus.PROCESSING.value), str(DossierStatus.RETURNED.value)


class Applied:
    """What the columns path did with a batch.

    rows: the batch rows it applied (sorted by dossier); group: each row's dossier (an index into `pks`);
    the event columns of those rows (step, completed, completed_due, late); new: the new dossiers' columns
    (bulk.DOSSIER_COLUMNS without agency and creation time) with `new_rows` (their receipt's row) and
    `new_groups` (their index into `pks`, filled by the caller once keys are allocated); changed: the stored
    dossiers' states, updated."""

    def __init__(self, n_groups):
        self.pks = np.zeros(n_groups, dtype=np.int64)
        self.new, self.new_rows, self.new_groups, self.changed = {}, [], [], []


def _shift(values, first, at_first):
    """values moved one row down; each group's first row takes `at_first` (an array of the same length)."""
    out = np.empty_like(values)
    out[1:] = values[:-1]
    out[first] = at_first[first]
    return out


def apply_common(p, batch, ok, ids, codes, kind_codes, moments, months, states, seen, due, step_due, stats,
                 late_stats):
    """Apply the batch's plain dossiers (see the module). p: the EventProcessor; ok: rows without parse errors;
    kind_codes: each row's kind as KIND_CODE gives it (OTHER for any other kind);
    due/step_due: int64 columns of the batch's deadlines (-1 where none or outside the calendar); stats and
    late_stats: the summaries' counters, added to. Returns an Applied, or None if no dossier qualifies."""
    if not ok:
        return None
    ok_codes = list(map(codes.__getitem__, ok))
    group_of = {code: k for k, code in enumerate(dict.fromkeys(ok_codes))}
    group = np.fromiter(map(group_of.__getitem__, ok_codes), dtype=np.int64, count=len(ok))
    ok = np.asarray(ok, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    rows, g = ok[order], group[order]
    n_groups = len(group_of)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:] - 1, len(rows) - 1)
    row_list = rows.tolist()
    kind = kind_codes[rows]
    m = moments[rows]
    group_states = [states.get(code) for code in group_of]
    exists = np.fromiter((d is not None for d in group_states), dtype=bool, count=n_groups)

    # Dossiers whose rows are not plainly valid (each check over whole columns where it can be).
    is_receipt, is_return = kind == RECEIVE, kind == RETURN
    bad = np.logical_or.reduceat(kind == OTHER, starts)
    receipts = np.add.reduceat(is_receipt.astype(np.int64), starts)
    returns = np.add.reduceat(is_return.astype(np.int64), starts)
    bad |= np.where(exists, receipts != 0, (receipts != 1) | ~is_receipt[starts])
    bad |= (returns > 1) | ((returns == 1) & ~is_return[ends])
    backwards = np.zeros(len(rows), dtype=bool)
    backwards[1:] = (m[1:] < m[:-1]) & ~first[1:]
    bad |= np.logical_or.reduceat(backwards, starts)
    m_list, starts_list = m.tolist(), starts.tolist()
    for k in np.flatnonzero(exists & ~bad).tolist():
        d = group_states[k]
        if (d.status != PROCESSING or d.due_at is None
                or (d.last_event_at is not None and m_list[starts_list[k]] < d.last_event_at)):
            bad[k] = True
    row_ids = list(map(ids.__getitem__, row_list))
    if seen or len(set(row_ids)) < len(row_ids):  # a key (dossier, event id) seen before or twice
        keys = list(zip(map(codes.__getitem__, row_list), row_ids, strict=True))
        counts = Counter(keys)
        for pos, key in enumerate(keys):
            if key in seen or counts[key] > 1:
                bad[g[pos]] = True

    # Per row of a candidate dossier: the step it enters and the holder's unit (a receipt or a hand-over),
    # checked against the procedure's process; per new dossier: its procedure and appointment.
    steps, proc_codes, applicants = batch.text("step"), batch.text("procedure_code"), batch.text("applicant_name", 255)
    to_units = batch.text("to_unit", 255)
    infos = [None] * n_groups
    appointment = np.full(n_groups, NONE, dtype=np.int64)
    for k in np.flatnonzero(~bad).tolist():
        d = group_states[k]
        if d is not None:
            infos[k] = p._by_id.get(d.procedure_id) or p.procedure_by_id(d.procedure_id)
            continue
        i = row_list[starts_list[k]]
        info = p.procedure(proc_codes[i]) if proc_codes[i] else None
        if info is None or info.annulled or not info.steps or not applicants[i]:
            bad[k] = True
            continue
        infos[k] = info
        appointment[k] = due[i] if info.due_halves else m_list[starts_list[k]]
    bad |= np.where(exists, False, appointment < 0)
    # The step each receipt or hand-over enters and the holder's unit, looked up in the processor's StepTable.
    ent_step = np.full(len(rows), "", dtype=object)
    ent_unit = np.full(len(rows), "", dtype=object)
    entering = np.flatnonzero(~bad[g] & ~is_return)
    if len(entering):
        table = p.step_table()
        process = np.full(n_groups, table.no_row, dtype=np.int64)
        for k in np.flatnonzero(~bad).tolist():
            process[k] = table.row[id(infos[k])]
        at = rows[entering]
        step = np.array(steps, dtype=object)[at]
        step = np.where((step == "") & is_receipt[entering], table.first_step[process[g[entering]]], step)
        unit = table.unit[process[g[entering]], table.columns(step.tolist())]
        bad[g[entering[(unit < 0) | (step_due[at] < 0)]]] = True
        given_unit = np.array(to_units, dtype=object)[at]
        ent_step[entering] = step
        ent_unit[entering] = np.where(given_unit != "", given_unit, table.units[unit])

    good = ~bad
    if not good.any():
        return None
    take = good[g]
    if not take.all():
        rows, g, kind, m, first = rows[take], g[take], kind[take], m[take], first[take]
        ent_step, ent_unit = ent_step[take], ent_unit[take]
    kept = np.flatnonzero(good)
    applied = Applied(n_groups)
    applied.rows, applied.group = rows, g
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:] - 1, len(rows) - 1)
    is_receipt, is_return, handover = kind == RECEIVE, kind == RETURN, kind != RECEIVE
    ent_due = step_due[rows]

    # Each row's "before": the previous row of its dossier, or the stored dossier for a first hand-over.
    stored_step = np.full(len(rows), "", dtype=object)
    stored_unit = np.full(len(rows), "", dtype=object)
    stored_due = np.full(len(rows), NONE, dtype=np.int64)
    starts_list, g_list = starts.tolist(), g.tolist()
    for pos in starts_list:
        d = group_states[g_list[pos]]
        if d is not None:
            stored_step[pos], stored_unit[pos] = d.current_step, d.holder_unit
            stored_due[pos] = NONE if d.step_due_at is None else d.step_due_at
    prev_step = _shift(ent_step, first, stored_step)
    prev_unit = _shift(ent_unit, first, stored_unit)
    prev_due = _shift(ent_due, first, stored_due)
    late = handover & (prev_due != NONE) & (m > prev_due)
    applied.step = ent_step
    applied.completed = np.where(handover, prev_step, "")
    applied.completed_due = prev_due.astype(object)
    applied.completed_due[~handover | (prev_due == NONE)] = None
    applied.late = late.astype(object)
    applied.late[is_receipt] = None

    # The step and unit where each dossier fell behind: its first late hand-over, else its return if late.
    row_list = rows.tolist()
    field_of = np.zeros(n_groups, dtype=np.int64)
    procedure_of = np.zeros(n_groups, dtype=np.int64)
    due_at = np.full(n_groups, NONE, dtype=np.int64)
    apology = np.zeros(n_groups, dtype=bool)
    late_step = np.full(n_groups, "", dtype=object)
    late_unit = np.full(n_groups, "", dtype=object)
    for k in kept.tolist():
        d = group_states[k]
        if d is None:
            field_of[k], procedure_of[k], due_at[k] = infos[k].field_id, infos[k].id, appointment[k]
        else:
            field_of[k], procedure_of[k], due_at[k] = d.field_id, d.procedure_id, d.due_at
            apology[k] = d.apology_due_at is not None
            late_step[k], late_unit[k] = d.late_step or "", d.late_unit or ""
    candidates = np.flatnonzero(late & (late_step[g] == ""))
    if len(candidates):
        _groups, at = np.unique(g[candidates], return_index=True)
        for pos in candidates[at].tolist():
            k = g_list[pos]
            late_step[k], late_unit[k] = prev_step[pos], prev_unit[pos]
            late_stats[(int(field_of[k]), months[row_list[pos]], late_step[k], late_unit[k])] += 1
    return_pos = np.flatnonzero(is_return)
    return_late = (m[return_pos] > due_at[g[return_pos]]) | apology[g[return_pos]]
    for pos in return_pos[return_late & (late_step[g[return_pos]] == "")].tolist():
        k = g_list[pos]
        late_step[k], late_unit[k] = prev_step[pos], prev_unit[pos]
        late_stats[(int(field_of[k]), months[row_list[pos]], late_step[k], late_unit[k])] += 1
    for (procedure, field, month, punctual), count in Counter(zip(
            procedure_of[g[return_pos]].tolist(), field_of[g[return_pos]].tolist(),
            map(months.__getitem__, rows[return_pos].tolist()), (~return_late).tolist(), strict=True)).items():
        counts = stats[(procedure, field, month)]
        counts["completed"] += count
        counts["on_time" if punctual else "late"] += count
    receipt_pos = np.flatnonzero(is_receipt)
    for key, count in Counter(zip(procedure_of[g[receipt_pos]].tolist(), field_of[g[receipt_pos]].tolist(),
                                  map(months.__getitem__, rows[receipt_pos].tolist()), strict=True)).items():
        stats[key]["received"] += count

    # Each dossier's state after its rows: the last step entered, and the return if any.
    returned = is_return[ends]
    entered = np.where(returned, ends - 1, ends)  # the last receipt or hand-over (none: before the group)
    late_at_return = np.full(n_groups, None, dtype=object)
    late_at_return[g[return_pos]] = return_late.astype(object)
    to_names, usernames = batch.text("to_name", 150), batch.text("to_username")
    group = g[starts]  # the group of each dossier, in the order of `starts`

    # New dossiers: their columns at once.
    j = np.flatnonzero(~exists[group])
    k, start, last, end, ret = group[j], starts[j], entered[j], ends[j], returned[j]
    receipt_rows = rows[start].tolist()
    applicant = list(map(applicants.__getitem__, receipt_rows))
    applicant_key = {name: search_key(name)[:255] for name in set(applicant)}
    holder = [p.user_id(name) if name else None for name in map(usernames.__getitem__, rows[last].tolist())]
    applied.new = {
        "procedure_id": procedure_of[k].tolist(), "field_id": field_of[k].tolist(),
        "code": list(map(codes.__getitem__, receipt_rows)), "applicant_name": applicant,
        "applicant_key": list(map(applicant_key.__getitem__, applicant)),
        "applicant_address": list(map(batch.text("applicant_address", 255).__getitem__, receipt_rows)),
        "received_at": m[start].tolist(), "processing_days": [infos[x].processing_days for x in k.tolist()],
        "apology_due_at": [None] * len(j), "status": np.where(ret, RETURNED, PROCESSING).tolist(),
        "completed_at": _where(ret, m[end]), "is_late": late_at_return[k].tolist(),
        "current_step": ent_step[last].tolist(), "step_started_at": m[last].tolist(),
        "step_due_at": _where(~ret, ent_due[last]), "holder_id": np.where(ret, None, _objects(holder)).tolist(),
        "holder_name": list(map(to_names.__getitem__, rows[np.where(ret, end, last)].tolist())),
        "holder_unit": ent_unit[last].tolist(), "last_event_at": m[end].tolist(), "paused_at": [None] * len(j),
        "due_at": due_at[k].tolist(), "late_step": late_step[k].tolist(), "late_unit": late_unit[k].tolist(),
    }
    applied.new_rows, applied.new_groups = receipt_rows, k

    # Stored dossiers: their state objects updated (bulk.update_dossiers writes them).
    m_list = m.tolist()
    for j in np.flatnonzero(exists[group]).tolist():
        k, pos, end = int(group[j]), int(entered[j]), int(ends[j])
        d, name = group_states[k], to_names[row_list[end]]
        if returned[j]:
            d.status, d.completed_at, d.is_late = RETURNED, m_list[end], late_at_return[k]
            d.step_due_at, d.holder_id, d.holder_name = None, None, name
            if pos >= starts[j]:
                d.current_step, d.step_started_at, d.holder_unit = ent_step[pos], m_list[pos], ent_unit[pos]
        else:
            i = row_list[pos]
            d.current_step, d.step_started_at, d.step_due_at = ent_step[pos], m_list[pos], int(ent_due[pos])
            d.holder_id = p.user_id(usernames[i]) if usernames[i] else None
            d.holder_name, d.holder_unit = to_names[i], ent_unit[pos]
        d.last_event_at, d.late_step, d.late_unit = m_list[end], late_step[k], late_unit[k]
        applied.pks[k] = d.pk
        applied.changed.append(d)
    return applied


def _objects(values):
    """A list as a one-dimensional object array (whatever its items)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _where(mask, times):
    """The int64 times where `mask`, None elsewhere, as a list."""
    out = times.astype(object)
    out[~mask] = None
    return out.tolist()
