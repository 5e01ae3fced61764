"""The columns path: the plain flow of a batch applied to whole columns.

Most dossiers in an export follow the plain path: received, handed over from step to step, returned. For
such a dossier the rules (`rules`, the same functions the reference path applies to one row) reduce to
comparisons between each event and the one before it, which numpy does for the whole batch at once: the rows
are grouped by dossier (file order kept within a dossier), each row's "before" (the step, its due time and the
holder's unit) is the previous row of its group or the dossier's stored state, and the late step, the
summaries' counts and the dossiers' final state follow from those columns.

A dossier takes this path only if it is `eligible`: every one of its rows in the batch plainly valid. Any other
dossier (with whatever error or rare event it has) goes through the reference path
(`EventProcessor.apply_rows`): a test checks that both give the same outcome.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .. import bulk
from . import rules
from .batch import OTHER, RECEIVE, RETURN, Batch, Parsed
from .catalog import Catalog, ProcInfo
from .rules import PAUSED, Deadlines
from .store import DossierState, Outcome, objects
from .times import NONE, known


@dataclass
class Plain:
    """The eligible dossiers of a batch and their rows, sorted by dossier (file order within each).

    `rows`: the batch rows; `group`: each row's dossier (an index into `states`/`infos`); `first`: the first row
    of its dossier; `step`/`unit`: the step a receipt or hand-over enters and the holder's unit ("" for a
    return); `dossiers`: the eligible groups; per group: `states` (None for a new dossier), `infos` (its
    procedure) and `appointment` (a new dossier's appointment)."""

    rows: np.ndarray
    group: np.ndarray
    first: np.ndarray
    step: np.ndarray
    unit: np.ndarray
    dossiers: np.ndarray
    states: list[DossierState | None]
    infos: list[ProcInfo | None]
    appointment: np.ndarray


def _shift(values, first, at_first):
    """values moved one row down; each group's first row takes `at_first` (an array of the same length)."""
    out = np.empty_like(values)
    out[1:] = values[:-1]
    out[first] = at_first[first]
    return out


def eligible(
    batch: Batch,
    parsed: Parsed,
    ok: list[int],
    states: dict[str, DossierState],
    seen: set,
    deadlines: Deadlines,
    catalog: Catalog,
) -> Plain | None:
    """The dossiers whose rows in the batch are all plainly valid: receipt (for a new dossier, first and once),
    hand-overs and at most one return (last), in time order, a dossier stored still in processing, no duplicate,
    a receipt `rules.receipt_refusal` accepts, known steps, deadlines inside the calendar. None if there is none."""
    if not ok:
        return None
    codes, moments = parsed.codes, parsed.moments
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
    kind = parsed.kind_codes[rows]
    m = moments[rows]
    group_states = [states.get(code) for code in group_of]
    exists = np.fromiter((d is not None for d in group_states), dtype=bool, count=n_groups)

    # The shape of each dossier's rows.
    is_receipt, is_return = kind == RECEIVE, kind == RETURN
    bad = np.logical_or.reduceat(kind == OTHER, starts)
    receipts = np.add.reduceat(is_receipt.astype(np.int64), starts)
    returns = np.add.reduceat(is_return.astype(np.int64), starts)
    bad |= np.where(exists, receipts != 0, (receipts != 1) | ~is_receipt[starts])
    bad |= (returns > 1) | ((returns == 1) & ~is_return[ends])
    # Time order within the batch, and after the stored dossier's last event; a stored dossier still processing.
    backwards = np.zeros(len(rows), dtype=bool)
    backwards[1:] = rules.out_of_order(m[1:], m[:-1]) & ~first[1:]
    bad |= np.logical_or.reduceat(backwards, starts)
    m_list, starts_list = m.tolist(), starts.tolist()
    for k in np.flatnonzero(exists & ~bad).tolist():
        d = group_states[k]
        if (
            not rules.still_open(d.status)
            or d.status == PAUSED
            or d.due_at is None
            or rules.out_of_order(m_list[starts_list[k]], known(d.last_event_at))
        ):
            bad[k] = True
    # No event stored before or given twice (the reference path counts the duplicates).
    row_ids = list(map(parsed.ids.__getitem__, row_list))
    if seen or len(set(row_ids)) < len(row_ids):
        keys = list(zip(map(codes.__getitem__, row_list), row_ids, strict=True))
        counts = Counter(keys)
        for pos, key in enumerate(keys):
            if rules.duplicate(key, seen) or counts[key] > 1:
                bad[g[pos]] = True

    # Per new dossier: a receipt the rules accept, and its appointment inside the calendar.
    proc_codes, applicants = batch.text("procedure_code"), batch.text("applicant_name", 255)
    infos = [None] * n_groups
    appointment = np.full(n_groups, NONE, dtype=np.int64)
    for k in np.flatnonzero(~bad).tolist():
        d = group_states[k]
        if d is not None:
            infos[k] = catalog.of(d.procedure_id)
            continue
        i = row_list[starts_list[k]]
        info = catalog.procedure(proc_codes[i]) if proc_codes[i] else None
        if rules.receipt_refusal(info, proc_codes[i], applicants[i]) is not None:
            bad[k] = True
            continue
        infos[k] = info
        appointment[k] = rules.appointment(deadlines.due[i], m_list[starts_list[k]], info.due_halves)
    bad |= ~exists & rules.outside_calendar(appointment)
    # Per receipt or hand-over: the step it enters in the procedure's process (the catalog's StepTable), its
    # deadline inside the calendar, and the holder's unit.
    ent_step = np.full(len(rows), "", dtype=object)
    ent_unit = np.full(len(rows), "", dtype=object)
    entering = np.flatnonzero(~bad[g] & ~is_return)
    if len(entering):
        table = catalog.step_table()
        process = np.full(n_groups, table.no_row, dtype=np.int64)
        for k in np.flatnonzero(~bad).tolist():
            process[k] = table.row[id(infos[k])]
        at = rows[entering]
        step = rules.entered_step(
            np.array(batch.text("step"), dtype=object)[at], table.first_step[process[g[entering]]], is_receipt[entering]
        )
        unit = table.unit[process[g[entering]], table.columns(step.tolist())]
        bad[g[entering[(unit < 0) | rules.outside_calendar(deadlines.step_due[at])]]] = True
        ent_step[entering] = step
        ent_unit[entering] = rules.holder_unit(
            np.array(batch.text("to_unit", 255), dtype=object)[at], table.units[unit]
        )

    good = ~bad
    if not good.any():
        return None
    take = good[g]
    return Plain(
        rows[take],
        g[take],
        first[take],
        ent_step[take],
        ent_unit[take],
        np.flatnonzero(good),
        group_states,
        infos,
        appointment,
    )


def apply(
    batch: Batch,
    parsed: Parsed,
    ok: list[int],
    states: dict[str, DossierState],
    seen: set,
    deadlines: Deadlines,
    catalog: Catalog,
) -> Outcome | None:
    """Apply the batch's eligible dossiers (see the module). Returns their Outcome, or None if none is eligible."""
    plain = eligible(batch, parsed, ok, states, seen, deadlines, catalog)
    if plain is None:
        return None
    rows, g, first, ent_step, ent_unit = plain.rows, plain.group, plain.first, plain.step, plain.unit
    group_states, infos, n_groups = plain.states, plain.infos, len(plain.states)
    codes, months = parsed.codes, parsed.months
    kind, m = parsed.kind_codes[rows], parsed.moments[rows]
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:] - 1, len(rows) - 1)
    is_receipt, is_return, handover = kind == RECEIVE, kind == RETURN, kind != RECEIVE
    ent_due = deadlines.step_due[rows]

    # Each row's "before": the previous row of its dossier, or the stored dossier for a first hand-over.
    stored_step = np.full(len(rows), "", dtype=object)
    stored_unit = np.full(len(rows), "", dtype=object)
    stored_due = np.full(len(rows), NONE, dtype=np.int64)
    starts_list, g_list = starts.tolist(), g.tolist()
    for pos in starts_list:
        d = group_states[g_list[pos]]
        if d is not None:
            stored_step[pos], stored_unit[pos] = d.current_step, d.holder_unit
            stored_due[pos] = known(d.step_due_at)
    prev_step = _shift(ent_step, first, stored_step)
    prev_unit = _shift(ent_unit, first, stored_unit)
    prev_due = _shift(ent_due, first, stored_due)
    late = handover & rules.late_handover(m, prev_due)
    completed_due = prev_due.astype(object)
    completed_due[~handover | (prev_due == NONE)] = None
    late_column = late.astype(object)
    late_column[is_receipt] = None

    # The step and unit where each dossier fell behind: its first late hand-over, else its return if late.
    row_list = rows.tolist()
    field_of = np.zeros(n_groups, dtype=np.int64)
    procedure_of = np.zeros(n_groups, dtype=np.int64)
    due_at = np.full(n_groups, NONE, dtype=np.int64)
    apology = np.zeros(n_groups, dtype=bool)
    late_step = np.full(n_groups, "", dtype=object)
    late_unit = np.full(n_groups, "", dtype=object)
    for k in plain.dossiers.tolist():
        d = group_states[k]
        if d is None:
            field_of[k], procedure_of[k], due_at[k] = infos[k].field_id, infos[k].id, plain.appointment[k]
        else:
            field_of[k], procedure_of[k], due_at[k] = d.field_id, d.procedure_id, d.due_at
            apology[k] = d.apology_due_at is not None
            late_step[k], late_unit[k] = d.late_step or "", d.late_unit or ""
    outcome = Outcome(
        rows=rows,
        dossier=g,
        step=ent_step,
        completed=np.where(handover, prev_step, ""),
        completed_due=completed_due,
        late=late_column,
        keys=np.zeros(n_groups, dtype=np.int64),
        new={},
        new_index=np.zeros(0, dtype=np.int64),
        new_rows=[],
        changed=[],
    )
    summaries = outcome.summaries

    def fall_behind(positions):
        for pos in positions.tolist():
            k = g_list[pos]
            late_step[k], late_unit[k] = prev_step[pos], prev_unit[pos]
            summaries.fell_behind(int(field_of[k]), months[row_list[pos]], late_step[k], late_unit[k])

    candidates = np.flatnonzero(rules.falls_behind(late, late_step[g]))
    if len(candidates):
        _groups, at = np.unique(g[candidates], return_index=True)
        fall_behind(candidates[at])
    return_pos = np.flatnonzero(is_return)
    return_late = rules.late_return(m[return_pos], due_at[g[return_pos]], apology[g[return_pos]])
    fall_behind(return_pos[rules.falls_behind(return_late, late_step[g[return_pos]])])
    for (procedure, field, month, punctual), count in Counter(
        zip(
            procedure_of[g[return_pos]].tolist(),
            field_of[g[return_pos]].tolist(),
            map(months.__getitem__, rows[return_pos].tolist()),
            (~return_late).tolist(),
            strict=True,
        )
    ).items():
        summaries.completed(procedure, field, month, not punctual, count)
    receipt_pos = np.flatnonzero(is_receipt)
    for key, count in Counter(
        zip(
            procedure_of[g[receipt_pos]].tolist(),
            field_of[g[receipt_pos]].tolist(),
            map(months.__getitem__, rows[receipt_pos].tolist()),
            strict=True,
        )
    ).items():
        summaries.received(*key, count)

    # Each dossier's state after its rows: the last step entered, and the return if any.
    returned = is_return[ends]
    last = np.where(returned, ends - 1, ends)  # the last receipt or hand-over (none: before the group)
    late_at_return = np.full(n_groups, None, dtype=object)
    late_at_return[g[return_pos]] = return_late.astype(object)
    to_names, usernames = batch.text("to_name", 150), batch.text("to_username")
    group = g[starts]  # the group of each dossier, in the order of `starts`

    # New dossiers: their columns at once (the state of the step last entered, or of the return).
    exists = np.fromiter((group_states[k] is not None for k in group.tolist()), dtype=bool, count=len(group))
    j = np.flatnonzero(~exists)
    k, start, last_new, end, ret = group[j], starts[j], last[j], ends[j], returned[j]
    receipt_rows = rows[start].tolist()
    applicant = list(map(batch.text("applicant_name", 255).__getitem__, receipt_rows))
    keys = {name: rules.applicant_key(name) for name in set(applicant)}
    new = rules.opened(
        procedure_of[k].tolist(),
        field_of[k].tolist(),
        [infos[x].processing_days for x in k.tolist()],
        list(map(codes.__getitem__, receipt_rows)),
        applicant,
        list(map(batch.text("applicant_address", 255).__getitem__, receipt_rows)),
        m[start].tolist(),
        due_at[k].tolist(),
        keys=list(map(keys.__getitem__, applicant)),
    )
    holder = objects([catalog.user_id(name) for name in map(usernames.__getitem__, rows[last_new].tolist())])
    new.update(
        rules.entered(
            ent_step[last_new],
            m[last_new],
            ent_due[last_new],
            holder,
            objects(list(map(to_names.__getitem__, rows[last_new].tolist()))),
            ent_unit[last_new],
        )
    )
    at_return = rules.returned(m[end], late_at_return[k], objects(list(map(to_names.__getitem__, rows[end].tolist()))))
    new.update({name: rules.pick(ret, value, new[name]) for name, value in at_return.items()})
    new.update(last_event_at=m[end], late_step=late_step[k], late_unit=late_unit[k])
    outcome.new = {
        name: new[name].tolist() if isinstance(new[name], np.ndarray) else new[name]
        for name, _kind in bulk.NEW_DOSSIER_COLUMNS
    }
    outcome.new_rows, outcome.new_index = receipt_rows, k

    # Stored dossiers: their state objects updated (store.write writes them).
    m_list = m.tolist()
    for j in np.flatnonzero(exists).tolist():
        k, pos, end = int(group[j]), int(last[j]), int(ends[j])
        d = group_states[k]
        if returned[j]:
            if pos >= starts[j]:
                d.current_step, d.step_started_at, d.holder_unit = ent_step[pos], m_list[pos], ent_unit[pos]
            d.set(rules.returned(m_list[end], late_at_return[k], to_names[row_list[end]]))
        else:
            i = row_list[pos]
            d.set(
                rules.entered(
                    ent_step[pos],
                    m_list[pos],
                    int(ent_due[pos]),
                    catalog.user_id(usernames[i]),
                    to_names[i],
                    ent_unit[pos],
                )
            )
        d.last_event_at, d.late_step, d.late_unit = m_list[end], late_step[k], late_unit[k]
        outcome.keys[k] = d.pk
        outcome.changed.append(d)
    return outcome
