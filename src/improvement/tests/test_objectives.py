"""Quality objectives: automatic measurements equal the figures computed independently from the records; manual
ones are checked for plausibility; nothing is stored when a value is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from dossiers.models import Dossier
from improvement import services
from improvement.models import Measure, Measurement, Objective, SurveyResponse, Unit

from .conftest import T0, settle

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def _objective(users, land, **data):
    base = {
        "year": 2026,
        "title": "Tỷ lệ hồ sơ đúng hạn",
        "measure": Measure.DOSSIERS_ON_TIME,
        "direction": "ge",
        "target": Decimal(95),
        "unit": Unit.PERCENT,
        "frequency": "monthly",
        "owner": users[Role.ISO_SECRETARY],
    }
    return services.save_objective(users[Role.ISO_SECRETARY], land, base | data)


def test_on_time_rate_equals_the_dossiers_counted_by_hand(catalog, province, users, land):
    # Nine returned in March: six on time, three late; two more in April (one late); one still open.
    for i, days in enumerate([3, 4, 5, 6, 7, 8, 20, 22, 25]):
        settle(land, f"M-{i}", days)
    settle(land, "A-1", 5, at=T0 + dt.timedelta(days=35))
    settle(land, "A-2", 30, at=T0 + dt.timedelta(days=32))
    objective = _objective(users, land)  # measured at once, as of today

    def by_hand(month_start, month_end):
        done = Dossier.objects.filter(
            agency=land, completed_at__date__gte=month_start, completed_at__date__lte=month_end
        )
        return Decimal(100) * done.filter(is_late=False).count() / done.count()

    got = {m.period_start: m.value for m in objective.measurements.all()}
    months = [dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    ends = [dt.date(2026, 3, 31), dt.date(2026, 4, 30), dt.date(2026, 5, 31)]
    assert got == {m: by_hand(m, end).quantize(Decimal("0.01")) for m, end in zip(months, ends, strict=True)}
    assert got[MARCH] == Decimal("66.67")  # months without a settled dossier: no row, not a false 0 %
    latest = services.latest(objective)
    assert latest.period_start == dt.date(2026, 5, 1) and objective.meets(latest.value) is False
    # Recomputing with nothing new writes nothing (no audit noise); as of a past day, only the periods begun by then.
    assert services.recompute(objective) == 0
    objective.measurements.all().delete()
    services.recompute(objective, as_of=dt.date(2026, 4, 10))
    assert [m.period_start for m in objective.measurements.all()] == months[:2]


def test_on_time_rate_of_one_field_and_of_one_procedure(catalog, province, users, land):
    settle(land, "F-1", 3)
    settle(land, "F-2", 25)
    by_field = _objective(users, land, field=catalog["home"].field)
    by_procedure = _objective(users, land, procedure=catalog["home"])
    services.recompute(by_field, as_of=dt.date(2026, 3, 31))
    services.recompute(by_procedure, as_of=dt.date(2026, 3, 31))
    assert by_field.measurements.get(period_start=MARCH).value == Decimal("50.00")
    assert by_procedure.measurements.get(period_start=MARCH).basis == "1/2 hồ sơ đúng hạn"


def test_satisfaction_and_actions_on_time(catalog, province, users, land):
    moment = T0 + dt.timedelta(days=3)
    for i, overall in enumerate([5, 4, 4, 3, 1]):
        services.submit(land, services.Answer(overall, "yes", 4, 4), f"10.0.0.{i}", submitted_at=moment)
    satisfaction = _objective(users, land, measure=Measure.SATISFACTION, frequency="quarterly")
    services.recompute(satisfaction, as_of=dt.date(2026, 3, 31))
    answers = SurveyResponse.objects.filter(agency=land)
    expected = Decimal(100) * answers.filter(overall__gte=4).count() / answers.count()
    assert satisfaction.measurements.get().value == expected.quantize(Decimal("0.01"))

    secretary, staff = users[Role.ISO_SECRETARY], users[Role.STAFF]
    nc = services.raise_nonconformity(secretary, land, "Biểu mẫu cũ", dt.date(2026, 1, 5))
    done = services.add_action(secretary, nc, "Thay biểu mẫu", staff, dt.date(2026, 2, 1))
    services.add_action(secretary, nc, "Tập huấn lại", staff, dt.date(2026, 2, 10))
    services.complete_action(staff, done, dt.date(2026, 1, 30), "Đã thay")
    actions = _objective(users, land, measure=Measure.ACTIONS_ON_TIME, frequency="quarterly")
    services.recompute(actions, as_of=dt.date(2026, 3, 31))
    assert actions.measurements.get().value == Decimal("50.00")


def test_manual_values_outside_their_unit_are_refused_and_nothing_is_stored(province, users, land):
    objective = _objective(
        users, land, measure=Measure.MANUAL, title="Cán bộ được đào tạo", unit=Unit.PERCENT, frequency="yearly"
    )
    start = dt.date(2026, 1, 1)
    with pytest.raises(ValidationError) as refused:
        services.record_measurement(users[Role.ISO_SECRETARY], objective, start, Decimal(140))
    assert "value" in refused.value.message_dict and "140" in refused.value.message_dict["value"][0]
    counted = _objective(users, land, measure=Measure.MANUAL, title="Lượt đào tạo", unit=Unit.COUNT, target=20)
    with pytest.raises(ValidationError):
        services.record_measurement(users[Role.ISO_SECRETARY], counted, start, Decimal("-3"))
    with pytest.raises(ValidationError):
        services.record_measurement(users[Role.ISO_SECRETARY], counted, start, Decimal("2.5"))
    assert Measurement.objects.count() == 0
    with pytest.raises(ValidationError):  # automatic objectives are never typed in
        services.record_measurement(users[Role.ISO_SECRETARY], _objective(users, land), start, Decimal(90))
    m = services.record_measurement(users[Role.ISO_SECRETARY], counted, start, Decimal(24), "02 lớp")
    assert m.source == Measurement.Source.MANUAL and m.entered_by == users[Role.ISO_SECRETARY]
    assert counted.meets(m.value) is True


def test_an_objective_is_checked_before_it_is_saved(catalog, province, users, land):
    with pytest.raises(ValidationError) as refused:
        _objective(users, land, target=Decimal(120))
    assert "target" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _objective(users, land, owner=users["other_staff"])
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _objective(users, land, procedure=catalog["other"])
    assert "procedure" in refused.value.message_dict
    assert Objective.objects.count() == 0


def test_periods_and_trend(province, users, land):
    assert len(services.periods(2026, "monthly")) == 12
    assert services.periods(2026, "quarterly")[1] == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert services.period_label(*services.periods(2026, "quarterly")[2]) == "Quý 3/2026"
    objective = _objective(users, land, measure=Measure.MANUAL, frequency="quarterly", title="Thời gian trả lời")
    services.record_measurement(users[Role.ISO_SECRETARY], objective, dt.date(2026, 4, 1), Decimal("87.5"))
    chart = services.trend(objective)
    assert chart["labels"][0] == "Quý 1/2026" and chart["values"] == [None, 87.5, None, None]
    assert chart["target"] == 95.0


def test_a_measured_objective_keeps_how_it_is_measured(catalog, province, users, land):
    settle(land, "E-1", 3)
    objective = _objective(users, land)
    assert objective.measurements.exists()
    for change in ({"measure": Measure.MANUAL}, {"frequency": "quarterly"}, {"year": 2025}):
        with pytest.raises(ValidationError) as refused:
            services.save_objective(users[Role.ISO_SECRETARY], land, change, objective)
        assert list(refused.value.message_dict) == list(change)
    objective.refresh_from_db()
    assert (objective.measure, objective.frequency, objective.year) == (Measure.DOSSIERS_ON_TIME, "monthly", 2026)
    services.save_objective(users[Role.ISO_SECRETARY], land, {"title": "Hồ sơ đúng hạn", "target": 90}, objective)
    assert Objective.objects.get().title == "Hồ sơ đúng hạn"
