"""The public survey (abuse control, no personal data), the satisfaction indicator of Decision 766/QĐ-TTg computed
independently, and the risk matrix."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from dossiers.models import MonthlyStat
from improvement import services
from improvement.models import Risk, SurveyRefusal, SurveyResponse

from .conftest import T0, settle

pytestmark = pytest.mark.django_db


def answer(overall=5, **extra):
    return services.Answer(overall=overall, on_time="yes", attitude=4, guidance=4, **extra)


def test_the_honeypot_a_flood_and_a_second_answer_for_one_dossier_are_refused_and_counted(
    catalog, province, land, settings
):
    settings.EISO = {**settings.EISO, "SURVEY_PER_ADDRESS_HOUR": 3}
    settle(land, "HS-Q1", 3)
    with pytest.raises(services.Refused):
        services.submit(land, answer(honeypot="http://spam.example"), "10.1.1.1")
    first = services.submit(land, answer(dossier_code="hs-q1"), "10.1.1.2")
    assert first.dossier.code == "HS-Q1" and first.procedure == catalog["home"]
    with pytest.raises(services.Refused):
        services.submit(land, answer(dossier_code="HS-Q1"), "10.1.1.3")
    for _ in range(3):
        services.submit(land, answer(), "10.9.9.9")
    for _ in range(50):  # a flood from one address: refused, counted, never stored
        with pytest.raises(services.Refused):
            services.submit(land, answer(), "10.9.9.9")
    assert SurveyResponse.objects.count() == 4
    counted = {r.reason: r.count for r in SurveyRefusal.objects.all()}
    assert counted == {"honeypot": 1, "dossier": 1, "address": 50}
    with pytest.raises(ValidationError) as refused:
        services.submit(land, answer(overall=9), "10.1.1.4")
    assert "overall" in refused.value.message_dict


def test_the_satisfaction_indicator_is_the_national_index_formula(catalog, province, land):
    # March: 4 dossiers settled (1 late); 5 answers (1 dissatisfied: rating 2).
    for i, days in enumerate([3, 4, 5, 25]):
        settle(land, f"S-{i}", days)
    moment = T0 + dt.timedelta(days=5)
    for i, overall in enumerate([5, 4, 3, 2, 5]):
        services.submit(land, answer(overall), f"10.2.0.{i}", submitted_at=moment)
    result = services.results(SurveyResponse.objects.all(), MonthlyStat.objects.all(), 2026)
    march = next(m for m in result["months"] if m["month"] == dt.date(2026, 3, 1))
    stat = MonthlyStat.objects.filter(month=dt.date(2026, 3, 1))
    late = Decimal(100) * sum(s.late for s in stat) / sum(s.completed for s in stat)
    dissatisfied = Decimal(100) * 1 / 5
    expected = max(Decimal(0), 100 - late - dissatisfied)
    assert march["late_pct"] == late.quantize(Decimal("0.1"))
    assert march["dissatisfied_pct"] == Decimal("20.0") and march["satisfied_pct"] == Decimal("60.0")
    assert march["indicator"] == expected.quantize(Decimal("0.1")) == Decimal("55.0")
    assert result["total"]["answers"] == 5
    assert services.indicator(Decimal(70), Decimal(45)) == 0  # never below zero


def test_the_risk_matrix_levels_and_heat_map(province, users, land):
    secretary = users[Role.ISO_SECRETARY]
    levels = services.levels(land.province)
    assert [(lv.min_score, lv.acceptable) for lv in levels] == [(1, True), (5, True), (10, False), (17, False)]
    assert services.level_of(12, levels).name == "Cao" and services.level_of(25, levels).name == "Rất cao"
    base = {
        "process": "Một cửa",
        "description": "Thất lạc",
        "owner": secretary,
        "review_on": dt.date(2026, 6, 1),
        "identified_on": dt.date(2026, 1, 5),
    }
    services.save_risk(secretary, land, base | {"likelihood": 4, "impact": 5})
    services.save_risk(secretary, land, base | {"likelihood": 4, "impact": 5, "description": "Mất dữ liệu"})
    services.save_risk(secretary, land, base | {"likelihood": 2, "impact": 2, "kind": Risk.Kind.OPPORTUNITY})
    with pytest.raises(ValidationError) as refused:
        services.save_risk(secretary, land, base | {"likelihood": 6, "impact": 1})
    assert "likelihood" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.save_risk(secretary, land, base | {"likelihood": 1, "impact": 1, "review_on": dt.date(2025, 1, 1)})
    assert "review_on" in refused.value.message_dict
    heat = services.heat_map(Risk.objects.all(), levels)
    cell = {(c["likelihood"], c["impact"]): c for row in heat["rows"] for c in row["cells"]}
    assert cell[(4, 5)]["count"] == 2 and cell[(4, 5)]["colour"] == "danger" and heat["total"] == 2
    assert heat["rows"][0]["likelihood"] == 5  # the most likely on top


def test_a_risk_link_can_be_removed(catalog, province, users, land):
    secretary = users[Role.ISO_SECRETARY]
    base = {
        "process": "Một cửa",
        "description": "Chờ lâu",
        "owner": secretary,
        "likelihood": 2,
        "impact": 2,
        "review_on": dt.date(2026, 6, 1),
        "identified_on": dt.date(2026, 1, 5),
        "procedure": catalog["home"],
    }
    risk = services.save_risk(secretary, land, base)
    services.save_risk(secretary, land, base | {"procedure": None}, risk)
    assert Risk.objects.get().procedure is None
