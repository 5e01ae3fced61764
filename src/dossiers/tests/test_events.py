import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from core.workdays import add_working_days, working_days_between
from dossiers import services
from dossiers.engine import EventProcessor
from dossiers.models import Dossier, DossierEvent, LateStepStat, MonthlyStat

from .conftest import T0, receive_row, row

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture
def land(province):
    return province["agencies"]["land"]


def push(agency, data):
    return services.push_event(agency, data)


def test_receive_computes_the_appointment_with_the_working_day_calendar(catalog, land):
    status, dossier = push(land, receive_row())
    assert status == "created"
    assert dossier.due_at == add_working_days(T0, 10)
    assert dossier.due_at.date() == dt.date(2026, 3, 16)  # 10 working days from Monday 2/3, morning
    assert dossier.current_step == "receive" and dossier.step_due_at == add_working_days(T0, "0.5")
    assert dossier.field == catalog["home"].field


def test_a_full_flow_on_time_and_the_control_sheet_lines(catalog, land):
    push(land, receive_row())
    push(land, row("HS-001", "e2", "transfer", T0 + 2 * H, step="transfer", to_name="A"))
    push(land, row("HS-001", "e3", "transfer", T0 + 4 * H, step="review", to_name="B", to_unit="Phòng ĐK"))
    push(land, row("HS-001", "e4", "transfer", T0 + 5 * D, step="approve", to_name="C"))
    push(land, row("HS-001", "e5", "transfer", T0 + 7 * D, step="return", to_name="D"))
    _, dossier = push(land, row("HS-001", "e6", "return", T0 + 7 * D + H))
    assert dossier.status == "returned" and dossier.is_late is False and not dossier.late_step
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("occurred_at"))
    assert [e.completed_step for e in events] == ["", "receive", "transfer", "review", "approve", "return"]
    assert not any(e.is_late for e in events)
    lines = services.step_lines(dossier)
    assert len(lines) == 6 and lines[1]["due"] == add_working_days(T0, "0.5")
    stat = MonthlyStat.objects.get()
    assert (stat.received, stat.completed, stat.on_time, stat.late) == (1, 1, 1, 0)


def test_a_late_step_is_flagged_where_the_delay_happened(catalog, land):
    push(land, receive_row())
    push(land, row("HS-001", "e2", "transfer", T0 + H, step="review", to_name="Chuyên viên", to_unit="Phòng ĐK"))
    # Review has 7 working days; handed over after 12 calendar days (8 working days).
    push(land, row("HS-001", "e3", "transfer", T0 + 12 * D, step="approve", to_name="Lãnh đạo"))
    _, dossier = push(land, row("HS-001", "e4", "return", T0 + 15 * D))
    event = DossierEvent.objects.get(external_id="e3")
    assert event.completed_step == "review" and event.is_late is True
    assert (dossier.late_step, dossier.late_unit) == ("review", "Phòng ĐK")
    assert dossier.is_late is True
    stat = MonthlyStat.objects.get()
    assert (stat.completed, stat.on_time, stat.late) == (1, 0, 1)


def test_the_same_event_twice_is_stored_once(catalog, land):
    assert push(land, receive_row())[0] == "created"
    assert push(land, receive_row())[0] == "duplicate"
    push(land, row("HS-001", "e2", "transfer", T0 + H, step="review"))
    assert push(land, row("HS-001", "e2", "transfer", T0 + H, step="review"))[0] == "duplicate"
    assert DossierEvent.objects.count() == 2 and Dossier.objects.count() == 1
    assert MonthlyStat.objects.get().received == 1
    # Inside one batch as well.
    result = EventProcessor(land).process_batch(
        [
            (1, row("HS-001", "e3", "transfer", T0 + 2 * H, step="approve")),
            (2, row("HS-001", "e3", "transfer", T0 + 2 * H, step="approve")),
        ]
    )
    assert (result.stored, result.duplicates, result.errors) == (1, 1, [])


@pytest.mark.parametrize(
    "data, message",
    [
        (receive_row(procedure="9.999"), "Mã thủ tục “9.999” không có"),
        (receive_row(applicant_name=""), "Thiếu tên người nộp"),
        (receive_row(step="khong-co"), "Bước “khong-co” không có trong quy trình"),
        (receive_row(occurred_at="32/13/2026 25:00"), "không đúng định dạng"),
        (receive_row(event="bay"), "Loại sự kiện “bay” không hợp lệ"),
        (row("HS-404", "x", "transfer", T0, step="review"), "chưa được tiếp nhận"),
        ({**receive_row(), "event_id": ""}, "Thiếu mã sự kiện"),
    ],
)
def test_bad_events_are_refused_with_a_clear_reason(catalog, land, data, message):
    with pytest.raises(ValidationError, match=message):
        push(land, data)
    assert DossierEvent.objects.count() == 0


def test_order_step_and_state_rules(catalog, land):
    push(land, receive_row())
    push(land, row("HS-001", "e2", "transfer", T0 + 3 * H, step="review"))
    with pytest.raises(ValidationError, match="sai thứ tự thời gian"):
        push(land, row("HS-001", "e3", "transfer", T0 + H, step="approve"))
    with pytest.raises(ValidationError, match="Bước “xyz” không có trong quy trình"):
        push(land, row("HS-001", "e3", "transfer", T0 + 4 * H, step="xyz"))
    push(land, row("HS-001", "e4", "return", T0 + 5 * H))
    with pytest.raises(ValidationError, match="đã kết thúc"):
        push(land, row("HS-001", "e5", "transfer", T0 + 6 * H, step="review"))
    with pytest.raises(ValidationError, match="đã được tiếp nhận"):
        push(land, receive_row(event_id="other-id"))
    assert DossierEvent.objects.count() == 3


def test_a_supplement_request_stops_the_clock(catalog, land):
    _, d = push(land, receive_row())
    before = d.due_at
    left = working_days_between(T0 + D, before)
    push(land, row("HS-001", "s1", "supplement_request", T0 + D))
    with pytest.raises(ValidationError, match="chờ bổ sung"):
        push(land, row("HS-001", "s2", "transfer", T0 + 2 * D, step="review"))
    resumed = T0 + 8 * D  # next Tuesday: 5 working days later
    _, d = push(land, row("HS-001", "s3", "supplement_received", resumed))
    assert d.status == "processing"
    assert d.due_at == add_working_days(resumed, left)
    assert working_days_between(before, d.due_at) == 5


@override_settings(EISO={**__import__("django.conf").conf.settings.EISO, "DOSSIER_SUPPLEMENT_RESTARTS": True})
def test_the_supplement_rule_can_restart_the_time_limit(catalog, land):
    push(land, receive_row())
    push(land, row("HS-001", "s1", "supplement_request", T0 + D))
    resumed = T0 + 8 * D
    _, d = push(land, row("HS-001", "s3", "supplement_received", resumed))
    assert d.due_at == add_working_days(resumed, 10)


def test_a_refused_dossier_is_counted_as_refused(catalog, land):
    push(land, receive_row())
    _, d = push(land, row("HS-001", "r", "refuse", T0 + H, note="Hồ sơ không đủ điều kiện"))
    assert d.status == "refused" and MonthlyStat.objects.get().refused == 1


def test_the_monthly_summary_stays_equal_to_a_full_recount(catalog, land):
    rng = random.Random(7)
    rows, number = [], 0
    for i in range(60):
        code = f"HS-{i:03d}"
        start = T0 + dt.timedelta(days=rng.randint(0, 80), hours=rng.randint(0, 8))
        proc = rng.choice(["1.004227", "1.001193"])
        rows.append(receive_row(code, start, procedure=proc))
        end = start + dt.timedelta(days=rng.randint(0, 25), hours=1)
        outcome = rng.random()
        if outcome < 0.7:
            rows.append(row(code, f"{code}-2", "return", end))
        elif outcome < 0.8:
            rows.append(row(code, f"{code}-2", "refuse", end))
    batches = [rows[i : i + 17] for i in range(0, len(rows), 17)]
    processor = EventProcessor(land)
    for batch in batches:
        result = processor.process_batch([(number := number + 1, r) for r in batch])
        assert not result.errors
    incremental = sorted(
        MonthlyStat.objects.values_list("procedure_id", "month", "received", "completed", "on_time", "late", "refused")
    )
    services.rebuild_monthly_stats()
    rebuilt = sorted(
        MonthlyStat.objects.values_list("procedure_id", "month", "received", "completed", "on_time", "late", "refused")
    )
    assert incremental == rebuilt
    assert sum(r[2] for r in rebuilt) == 60
    assert sum(r[4] + r[5] for r in rebuilt) == Dossier.objects.filter(status="returned").count()


def late_summary():
    return sorted(LateStepStat.objects.values_list("field__code", "month", "late_step", "late_unit", "count"))


def test_the_late_step_summary_counts_each_delay_once_in_its_month_and_equals_a_recount(catalog, land):
    from django.utils import timezone

    march, april = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    processor = EventProcessor(land)

    def batch(*rows):
        result = processor.process_batch(list(enumerate(rows, start=1)))
        assert not result.errors, result.errors

    batch(
        # On time throughout: not counted.
        receive_row("OK"),
        row("OK", "ok2", "transfer", T0 + H, step="review", to_unit="Phòng ĐK"),
        row("OK", "ok3", "return", T0 + 3 * D),
        # Received in March, the review (7 working days from 25/3) ends late on 10/4: counted in April.
        receive_row("LT", T0 + 23 * D),
        row("LT", "lt2", "transfer", T0 + 23 * D + H, step="review", to_unit="Phòng ĐK"),
        # The quick procedure (half a day, due at 17:00): handed to review at 12:01, whose half day then ends
        # on Tuesday at noon; returned at 17:30, every step on time but past the appointment.
        receive_row("LR", T0, procedure="1.001193"),
        row("LR", "lr2", "transfer", T0 + 3 * H + dt.timedelta(minutes=1), step="review"),
        # Paused for a supplement: the clock stops, so a late-looking hand-over is on time...
        receive_row("SP"),
        row("SP", "sp2", "transfer", T0 + H, step="review", to_unit="Phòng ĐK"),
        row("SP", "sp3", "supplement_request", T0 + 2 * H),
        # ...and a late receipt step then a late review: only the first delay counts.
        receive_row("TW"),
        row("TW", "tw2", "transfer", T0 + 2 * D, step="review", to_unit="Phòng ĐK"),
    )
    batch(
        row("LT", "lt3", "transfer", T0 + 39 * D, step="approve"),
        row("LR", "lr3", "return", T0 + 8 * H + dt.timedelta(minutes=30)),
        row("SP", "sp4", "supplement_received", T0 + 20 * D),
        row("SP", "sp5", "transfer", T0 + 25 * D, step="approve"),
        row("TW", "tw3", "transfer", T0 + 20 * D, step="approve"),
        # A late dossier refused afterwards stays counted where its delay happened.
        row("TW", "tw4", "refuse", T0 + 21 * D),
    )
    # An apology letter for an overdue dossier whose steps are on time: late at its return.
    batch(receive_row("AP"), row("AP", "ap2", "transfer", T0 + H, step="review", to_unit="Phòng ĐK"))
    before = late_summary()
    services.issue_apology(
        Dossier.objects.get(code="AP"), reason="Chờ xác minh", signer_name="A", new_due_at=timezone.now() + 30 * D
    )
    assert late_summary() == before and Dossier.objects.get(code="AP").late_step == ""  # late at its return
    batch(row("AP", "ap3", "return", T0 + 2 * D))

    late = dict(Dossier.objects.exclude(late_step="").values_list("code", "late_step"))
    assert late == {"LT": "review", "LR": "review", "TW": "receive", "AP": "review"}
    assert Dossier.objects.get(code="SP").late_step == ""
    incremental = late_summary()
    assert incremental == [
        ("dat-dai", march, "receive", "Bộ phận một cửa", 1),
        ("dat-dai", march, "review", "Phòng ĐK", 1),
        ("dat-dai", april, "review", "Phòng ĐK", 1),
        ("ho-tich", march, "review", "Tư pháp", 1),
    ]
    services.rebuild_monthly_stats()
    assert late_summary() == incremental
    # Restricted to some agencies as well.
    services.rebuild_late_stats(agencies=[land])
    assert late_summary() == incremental


def test_events_are_append_only(catalog, land):
    from core.models import AppendOnlyError

    push(land, receive_row())
    event = DossierEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        DossierEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        DossierEvent.objects.update(note="x")


def test_batch_deadlines_equal_the_calendar_one_by_one(catalog, land):
    """The batch path (add_working_days_bulk) gives what core.workdays gives row by row."""
    rng = random.Random(11)
    moments = [
        T0.replace(year=2025, month=1, day=1)  # a year that has passed: events are never dated ahead of now
        + dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60), seconds=rng.choice([0, 30]))
        for _ in range(120)
    ]
    moments += [
        T0.replace(hour=12, minute=0),
        T0.replace(hour=11, minute=59),
        T0.replace(hour=17, minute=30),
        T0.replace(month=2, day=14, hour=10),
    ]  # noon, just before, after closing, around Tết
    rows = []
    for i, moment in enumerate(moments):
        rows.append((2 * i, receive_row(f"V-{i}", moment, procedure=rng.choice(["1.004227", "1.001193"]))))
        rows.append(
            (
                2 * i + 1,
                row(f"V-{i}", f"V-{i}-t", "transfer", moment + dt.timedelta(hours=rng.randint(0, 30)), step="review"),
            )
        )
    result = EventProcessor(land).process_batch(rows)
    assert not result.errors
    steps = {"1.004227": "7", "1.001193": "0.5"}
    for d in Dossier.objects.select_related("procedure"):
        assert d.due_at == add_working_days(d.received_at, d.processing_days), d.code
        transfer = d.events.get(kind="transfer")
        assert d.step_due_at == add_working_days(transfer.occurred_at, steps[d.procedure.code]), d.code
        received = d.events.get(kind="receive")
        first_step_days = "0.5"  # receive: 0,5 day, or 0 day (then: within the next half day)
        assert transfer.completed_step_due_at == add_working_days(received.occurred_at, first_step_days)


def test_a_procedure_moved_to_another_field_still_adds_to_one_summary_row(catalog, land):
    """Dossiers keep the field they were received under; the summary has one row per procedure and month."""
    from procedures.models import Field

    push(land, receive_row("F-1"))
    procedure = catalog["home"]
    procedure.field = Field.objects.create(code="moi", name="Lĩnh vực mới")
    procedure.save()
    result = EventProcessor(land).process_batch(
        [
            (2, receive_row("F-2", T0 + H)),
            (3, row("F-1", "f1-2", "return", T0 + 2 * H)),
            (4, row("F-2", "f2-2", "return", T0 + 3 * H)),
        ]
    )
    assert not result.errors
    stat = MonthlyStat.objects.get()
    assert (stat.received, stat.completed) == (2, 2)
