"""The engine's reads and writes: the dossiers' state as the rules see it, and the outcome of a batch written
with set-based SQL (`dossiers.bulk`)."""

from dataclasses import dataclass, field

import numpy as np

from .. import bulk
from ..models import Dossier, DossierEvent, DossierStatus
from .batch import KIND_VALUE, Batch, Parsed
from .rules import Summaries
from .times import to_us


class DossierState:
    """A dossier as the engine sees it during a batch: plain attributes, times as integer microseconds (UTC).

    Loaded with one values_list query per batch, changed in memory by the events, then written back with
    set-based SQL (bulk.insert_dossiers / bulk.update_dossiers)."""

    TIMES = ("completed_at", "step_started_at", "step_due_at", "last_event_at", "paused_at", "due_at", "apology_due_at")
    LOADED = (
        "pk",
        "procedure_id",
        "field_id",
        "status",
        "completed_at",
        "is_late",
        "current_step",
        "step_started_at",
        "step_due_at",
        "holder_id",
        "holder_name",
        "holder_unit",
        "last_event_at",
        "paused_at",
        "due_at",
        "late_step",
        "late_unit",
        "apology_due_at",
        "processing_days",
    )
    __slots__ = (*LOADED, "code", "applicant_name", "applicant_key", "applicant_address", "received_at")

    @classmethod
    def load(cls, agency, codes) -> dict[str, "DossierState"]:
        """{code: DossierState} of the agency's dossiers among `codes` (one query)."""
        # No ORDER BY (the model's default ordering): SQLite would then walk the (agency, received_at) index of
        # the whole agency instead of probing the unique (agency, code) key, slower as the table grows.
        rows = (
            Dossier.objects.filter(agency=agency, code__any=list(codes))
            .order_by()
            .values_list("code", "id", *cls.LOADED[1:])
        )
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

    @classmethod
    def new(cls, values: dict) -> "DossierState":
        """A dossier not stored yet (no key until the store gives it one), with the attributes `values`."""
        state = cls.__new__(cls)
        state.pk = None
        state.set(values)
        return state

    def set(self, values: dict):
        """Assign the attributes `values` ({name: value}, as the rules give a state)."""
        for name, value in values.items():
            setattr(self, name, value)

    def get_status_display(self) -> str:
        return str(DossierStatus(self.status).label)


def stored_keys(states: dict[str, DossierState], wanted: set[str]) -> dict[tuple[str, str], tuple[str, int]]:
    """The (dossier code, event id) of the events already stored for those dossiers among the ids `wanted`, each
    with the stored event's kind and time (UTC microseconds): an id sent again must carry the same content."""
    code_of = {d.pk: code for code, d in states.items()}
    # Filter on the dossiers only (an IN list on both key columns makes SQLite probe their product).
    return {
        (code_of[dossier_id], external_id): (kind, to_us(occurred_at))
        for dossier_id, external_id, kind, occurred_at in DossierEvent.objects.filter(dossier_id__any=list(code_of))
        .order_by()
        .values_list("dossier_id", "external_id", "kind", "occurred_at")
        if external_id in wanted
    }


@dataclass
class Outcome:
    """What one path of the rules made of its rows of a batch, for `write`.

    The accepted events: their batch rows (`rows`), each one's dossier (`dossier`, an index into `keys`) and the
    event's own columns (the step entered, the step completed, its due time, late or not). The dossiers: `keys`
    (a stored dossier's primary key; 0 for a new one until `write` allocates it); the new ones as columns
    (`new`, bulk.NEW_DOSSIER_COLUMNS) with their index into `keys` and their receipt's row; the stored ones whose
    state changed (`changed`). The summaries' counts, and the duplicates skipped."""

    rows: np.ndarray
    dossier: np.ndarray
    step: np.ndarray
    completed: np.ndarray
    completed_due: np.ndarray
    late: np.ndarray
    keys: np.ndarray
    new: dict[str, list]
    new_index: np.ndarray
    new_rows: list[int]
    changed: list[DossierState]
    summaries: Summaries = field(default_factory=Summaries)
    duplicates: int = 0


def objects(values) -> np.ndarray:
    """A sequence as a one-dimensional object array (whatever its items)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def write(agency_id: int, source: str, now_us: int, batch: Batch, parsed: Parsed, outcomes: list[Outcome]) -> int:
    """Store the outcomes of a batch: new dossiers (keys allocated in the order of their receipts), events in file
    order, the stored dossiers' new state, the summaries. Returns how many events were stored."""
    receipts = [row for outcome in outcomes for row in outcome.new_rows]
    if receipts:
        keys = np.array(bulk.allocate_ids(Dossier, len(receipts)), dtype=np.int64)
        keys[np.argsort(np.array(receipts, dtype=np.int64), kind="stable")] = keys.copy()
        start = 0
        for outcome in outcomes:
            outcome.keys[outcome.new_index] = keys[start : start + len(outcome.new_rows)]
            start += len(outcome.new_rows)
        data = {
            name: [v for outcome in outcomes for v in outcome.new[name]] for name, _kind in bulk.NEW_DOSSIER_COLUMNS
        }
        bulk.insert_dossiers(agency_id, keys.tolist(), data, now_us)
    n = len(batch)
    stored = np.zeros(n, dtype=bool)
    dossier = np.zeros(n, dtype=np.int64)
    step, completed, completed_due, late = (np.empty(n, dtype=object) for _ in range(4))
    for outcome in outcomes:
        rows = outcome.rows
        stored[rows] = True
        dossier[rows] = outcome.keys[outcome.dossier]
        step[rows], completed[rows] = outcome.step, outcome.completed
        completed_due[rows], late[rows] = outcome.completed_due, outcome.late
    rows = np.flatnonzero(stored)
    if len(rows):
        every = len(rows) == n
        index = rows.tolist()

        def take(values):
            return values if every else [values[i] for i in index]

        def column(values):
            return values.tolist() if every else values[rows].tolist()

        bulk.insert_events(
            {
                "dossier_id": column(dossier),
                "external_id": take(parsed.ids),
                "kind": list(map(KIND_VALUE.__getitem__, take(parsed.kinds))),
                "occurred_at": take(parsed.moments.tolist()),
                "step": column(step),
                "from_name": take(batch.text("from_name", 150)),
                "from_unit": take(batch.text("from_unit", 255)),
                "to_name": take(batch.text("to_name", 150)),
                "to_unit": take(batch.text("to_unit", 255)),
                "completed_step": column(completed),
                "completed_step_due_at": column(completed_due),
                "is_late": column(late),
                "note": take(batch.text("note", 500)),
                "on_behalf_of": take(batch.text("on_behalf_of", 150)),
                "source": [source] * len(rows),
                "created_at": [now_us] * len(rows),
            }
        )
    bulk.update_dossiers([d for outcome in outcomes for d in outcome.changed])
    summaries = Summaries()
    for outcome in outcomes:
        summaries.update(outcome.summaries)
    bulk.upsert_stats(agency_id, summaries.monthly)
    bulk.upsert_late_stats(agency_id, summaries.late)
    return len(rows)
