"""The batch path of the event engine (imports) gives exactly what the one-by-one path (API) gives."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers import bulk, services
from dossiers.engine import Batch, EventProcessor, batch, columns, rules, to_us
from dossiers.models import Dossier, DossierEvent, EventKind, LateStepStat, MonthlyStat

from .conftest import STEPS, T0, receive_row, row
from .state import EVENT_FIELDS, STATE_FIELDS

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture
def land(province):
    return province["agencies"]["land"]


def mixed_rows(plain=False):
    """Valid flows with malformed rows, duplicates, out-of-order times and unknown dossiers in between; `plain`:
    the valid flows only (receipt, hand-overs, return), as most of an export is."""
    rng = random.Random(5)
    rows = []
    for i in range(70):
        code = f"M-{i:03d}"
        t = T0 + dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 7), minutes=rng.choice([0, 17, 45]))
        proc = rng.choice(["1.004227", "1.004227", "1.001193"])
        # Times as the exports give them: datetime (XLSX), dd/mm/yyyy HH:MM, ISO 8601 with an offset.
        fmt = rng.choice(
            [lambda m: m, lambda m: timezone.localtime(m).strftime("%d/%m/%Y %H:%M"), lambda m: m.isoformat()]
        )
        rows.append(receive_row(code, fmt(t), procedure=proc, to_unit=rng.choice(["", "Một cửa"])))
        steps = ["transfer", "review", "approve", "return"] if proc == "1.004227" else ["review"]
        for n, step in enumerate(steps):
            t += dt.timedelta(hours=rng.randint(1, 200))
            if rng.random() < 0.1 and not plain:
                rows.append(row(code, f"{code}-s{n}", "supplement_request", fmt(t)))
                t += dt.timedelta(hours=rng.randint(1, 100))
                rows.append(row(code, f"{code}-r{n}", "supplement_received", fmt(t)))
            rows.append(row(code, f"{code}-t{n}", "transfer", fmt(t), step=step, to_name=f"Người {n}"))
        t += dt.timedelta(hours=rng.randint(1, 50))
        last = "refuse" if rng.random() < 0.1 and not plain else "return"
        rows.append(row(code, f"{code}-end", last, fmt(t)))
        if rng.random() < 0.3 and not plain:
            rows.append(dict(rows[-2]))  # the same event again
        if rng.random() < 0.2 and not plain:
            rows.append(row(code, f"{code}-late", "transfer", fmt(t + H), step="review"))  # after the end
    bad = [
        row("M-000", "x1", "transfer", T0 - 10 * D, step="review"),  # before the previous event
        row("NOPE", "x2", "transfer", T0, step="review"),  # unknown dossier
        row("M-001", "x3", "bay", T0),  # unknown kind
        row("M-002", "", "transfer", T0 + D, step="review"),  # no event id
        row("M-003", "x5", "transfer", "32/13/2026 25:00", step="review"),  # malformed time
        row("M-004", "x6", "transfer", T0 + 50 * D, step="khong-co"),  # unknown step
        {**receive_row("M-005"), "event_id": "again"},  # received twice
        receive_row("M-900", T0, procedure="9.999"),  # unknown procedure
        receive_row("M-901", T0, applicant_name=""),  # no applicant
        row("M-006", "x9", "transfer", T0 + 60 * D, step="review", note="l\ufffdi"),  # wrong encoding
    ]
    for item in [] if plain else bad:
        rows.insert(rng.randint(1, len(rows)), item)
    return [(number, r) for number, r in enumerate(rows, start=2)]


def snapshot():
    """Everything the engine stores (dossiers and events as named rows), in an order independent of keys."""
    dossiers = sorted(
        Dossier.objects.values_list(
            "code",
            *STATE_FIELDS,
            named=True,
        )
    )
    events = sorted(
        DossierEvent.objects.values_list(
            "dossier__code",
            "external_id",
            *EVENT_FIELDS,
            "note",
            "source",
            named=True,
        )
    )
    stats = sorted(
        MonthlyStat.objects.values_list("procedure_id", "month", "received", "completed", "on_time", "late", "refused")
    )
    late = late_stats()
    return dossiers, events, stats, late


def late_stats():
    return sorted(
        LateStepStat.objects.values_list(
            "agency_id", "field_id", "month", "late_step", "late_unit", "count", named=True
        )
    )


def test_a_mixed_batch_equals_the_rows_one_by_one(catalog, land):
    rows = mixed_rows()
    assert len(rows) > 200
    with transaction.atomic():
        result = EventProcessor(land).process_batch(rows)
        batch_errors = [(number, reason) for number, reason, _row in result.errors]
        batched = snapshot()
        transaction.set_rollback(True)
    assert Dossier.objects.count() == 0

    one_by_one, duplicates = [], 0
    for number, data in rows:
        try:
            status, _dossier = services.push_event(land, data)
            duplicates += status == "duplicate"
        except ValidationError as exc:
            one_by_one.append((number, exc.messages[0]))
    assert sorted(batch_errors) == one_by_one  # parse errors are listed first in a batch
    assert len(one_by_one) >= 10 and result.duplicates == duplicates > 0
    assert result.stored == DossierEvent.objects.count() == len(rows) - len(one_by_one) - duplicates
    assert batched == snapshot()


def test_batches_split_anywhere_give_the_same_result(catalog, land):
    rows = mixed_rows()
    with transaction.atomic():
        EventProcessor(land).process_batch(rows)
        whole = snapshot()
        transaction.set_rollback(True)
    processor = EventProcessor(land)
    for start in range(0, len(rows), 37):
        processor.process_batch(rows[start : start + 37])
    assert snapshot() == whole
    # The late-step summary kept by the increments equals the one recomputed from dossiers and events.
    late = late_stats()
    assert sum(r.count for r in late) == Dossier.objects.exclude(late_step="").count() > 10
    services.rebuild_monthly_stats()
    assert late_stats() == late


def test_events_stored_meanwhile_are_skipped_by_the_bulk_insert(catalog, land):
    """A writer that bypasses the engine may have stored some of the events: the unique key (dossier, external id)
    keeps one copy, on the COPY path of PostgreSQL as well."""
    _, dossier = services.push_event(land, receive_row())
    now = to_us(timezone.now())

    def columns(ids):
        n = len(ids)
        return {
            "dossier_id": [dossier.pk] * n,
            "external_id": ids,
            "kind": ["transfer"] * n,
            "occurred_at": [to_us(T0 + i * H) for i in range(n)],
            "step": ["review"] * n,
            "from_name": ["Nguyễn\tA\\B"] * n,
            "from_unit": [""] * n,
            "to_name": [""] * n,
            "to_unit": [""] * n,
            "completed_step": ["receive"] * n,
            "completed_step_due_at": [None] * n,
            "is_late": [None] * n,
            "note": ["dòng 1\ndòng 2"] * n,
            "source": ["import"] * n,
            "created_at": [now] * n,
        }

    ids = [f"c-{i}" for i in range(350)]
    with transaction.atomic():
        bulk.insert_events(columns(ids))
    with transaction.atomic():
        bulk.insert_events(columns(ids[100:] + ["c-new"]))  # all but one stored already
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1 + len(ids) + 1
    event = DossierEvent.objects.get(dossier=dossier, external_id="c-3")
    assert (event.from_name, event.note, event.occurred_at) == ("Nguyễn\tA\\B", "dòng 1\ndòng 2", T0 + 3 * H)


# -- the columns path (dossiers.engine.columns) against the rules row by row -----------------------------------
def run_modes(land, rows, batch_sizes, monkeypatch):
    """Apply `rows` with the columns path and with the rules row by row (EventProcessor.columns = False), each in
    a rolled-back transaction; returns for each mode: the snapshot, the errors, the duplicates, the dossiers'
    codes in key order, and how many rows the columns path applied (counted on the Outcomes it returns)."""
    outcomes, applied = [], 0
    original = columns.apply

    def counting(*args, **kwargs):
        nonlocal applied
        outcome = original(*args, **kwargs)
        applied += 0 if outcome is None else len(outcome.rows)
        return outcome

    for by_columns in (True, False):
        with monkeypatch.context() as patch, transaction.atomic():
            patch.setattr(columns, "apply", counting)
            patch.setattr(EventProcessor, "columns", by_columns)
            processor = EventProcessor(land)
            applied, errors, duplicates = 0, [], 0
            start = 0
            for size in batch_sizes:
                result = processor.process_batch(rows[start : start + size])
                start += size
                errors += [(number, reason) for number, reason, _row in result.errors]
                duplicates += result.duplicates
            outcomes.append(
                (
                    snapshot(),
                    sorted(errors),
                    duplicates,
                    list(Dossier.objects.order_by("pk").values_list("code", flat=True)),
                    applied,
                )
            )
            transaction.set_rollback(True)
    return outcomes


def outcome_table(outcome):
    """An Outcome by batch row and by dossier code, whatever order the path produced it in."""
    events = {
        row: (step, completed, due, late)
        for row, step, completed, due, late in zip(
            outcome.rows.tolist(),
            outcome.step.tolist(),
            outcome.completed.tolist(),
            outcome.completed_due.tolist(),
            outcome.late.tolist(),
            strict=True,
        )
    }
    new = [dict(zip(outcome.new, values, strict=True)) for values in zip(*outcome.new.values(), strict=True)]
    return events, {d["code"]: d for d in new}, outcome.new_rows and sorted(outcome.new_rows)


def test_both_paths_give_the_same_outcome_of_a_plain_batch(catalog, land):
    """The typed outcomes of the two paths, before anything is stored: same events, new dossiers, summaries."""
    processor = EventProcessor(land)
    plain = Batch.from_rows(mixed_rows(plain=True))
    parsed = batch.parse(plain, processor.local)
    ok = parsed.ok
    deadlines = rules.deadlines(plain, parsed, ok, {}, processor.catalog, processor.calendar, processor.local)
    fast = columns.apply(plain, parsed, ok, {}, set(), deadlines, processor.catalog)
    slow = processor.apply_rows(plain, parsed, ok, {}, set(), deadlines)
    assert not parsed.errors and len(fast.rows) == len(slow.rows) == len(plain)
    assert outcome_table(fast) == outcome_table(slow)
    assert fast.summaries == slow.summaries and fast.summaries.late


@pytest.mark.parametrize("sizes", [[10_000], [37] * 20, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]])
@pytest.mark.parametrize("plain", [True, False])
def test_the_columns_path_equals_the_rules_row_by_row(catalog, land, sizes, plain, monkeypatch):
    rows = mixed_rows(plain)
    (fast, *fast_rest, applied), (slow, *slow_rest, none) = run_modes(land, rows, sizes, monkeypatch)
    assert none == 0
    if plain:  # every row takes the columns path
        assert applied == len(rows) and not fast_rest[0] and not fast_rest[1]
        assert sum(1 for d in fast[0] if d.late_step) > 5  # late dossiers among them
    else:
        assert 0 < applied < len(rows) - 100
    assert fast_rest == slow_rest
    assert fast == slow


# Every kind of event (hand-overs the most often) and every step of the test process, with none and an unknown one:
# a new kind or step is drawn without editing this generator.
KIND_WEIGHT = {EventKind.TRANSFER: 16, EventKind.RETURN: 3}
KINDS = [str(kind.value) for kind in EventKind for _ in range(KIND_WEIGHT.get(kind, 1))]
STEP_CODES = [code for code, _days, _unit in STEPS] * 3 + ["review", "", "nope"]
FLOW = st.tuples(
    st.sampled_from(["1.004227", "1.004227", "1.001193", "9.999"]),  # procedure
    st.sampled_from([True, True, True, False]),  # starts with its receipt
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(-5, 600), st.sampled_from(STEP_CODES), st.integers(0, 60)),
        max_size=8,
    ),
)


@given(st.lists(FLOW, min_size=1, max_size=6), st.lists(st.integers(1, 15), min_size=1, max_size=6), st.randoms())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_events_give_the_same_result_on_both_paths(catalog, land, monkeypatch, flows, sizes, rnd):
    """Random dossiers (any kind of event, step, procedure, gap, also backwards; repeated event ids), their rows
    interleaved at random and split into random batches."""
    queues = []
    for d, (procedure, received, events) in enumerate(flows):
        code, at, queue = f"H-{d}", T0, []
        if received:
            queue.append(receive_row(code, at, procedure=procedure))
        for kind, gap, step, event in events:
            at += dt.timedelta(minutes=gap * 20)
            if kind == "receive":
                queue.append(receive_row(code, at, event_id=f"{code}-e{event}", procedure=procedure, step=step))
            else:
                queue.append(row(code, f"{code}-e{event}", kind, at, step=step, to_name=f"Người {event}"))
        queues.append(queue)
    order = [d for d, queue in enumerate(queues) for _event in queue]
    rnd.shuffle(order)
    rows = [(number, queues[d].pop(0)) for number, d in enumerate(order, start=2)]
    sizes = (sizes * len(rows))[: len(rows)]
    (fast, *fast_rest, _applied), (slow, *slow_rest, _none) = run_modes(land, rows, sizes, monkeypatch)
    assert fast_rest == slow_rest
    assert fast == slow
