"""Nonconformities and corrective actions: the rules of §10.2 (separate verification, closure only when every
action is verified effective, dates), and the proposals eISO makes from late dossiers (once, decided by a person)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from core.models import AuditEntry
from improvement import services
from improvement.models import CorrectiveAction, LatePattern, Nonconformity, Source

from .conftest import T0, late_at_reception

pytestmark = pytest.mark.django_db
RAISED = dt.date(2026, 3, 2)


@pytest.fixture
def nc(province, users, land):
    return services.raise_nonconformity(users[Role.STAFF], land, "Biểu mẫu niêm yết chưa cập nhật", RAISED)


def _state():
    return (
        list(Nonconformity.objects.values()),
        list(CorrectiveAction.objects.values()),
        AuditEntry.objects.count(),
    )


def test_numbers_run_per_agency_and_year(province, users, land, nc):
    second = services.raise_nonconformity(users[Role.ISO_SECRETARY], land, "Hồ sơ thất lạc", RAISED)
    other = services.raise_nonconformity(users[Role.ISO_SECRETARY], land, "Trễ hạn", dt.date(2025, 12, 1))
    assert (nc.number, second.number, other.number) == ("KPH-2026/001", "KPH-2026/002", "KPH-2025/001")


def test_bad_input_is_refused_naming_the_field_and_changes_nothing(province, users, land, nc):
    secretary, staff, head = users[Role.ISO_SECRETARY], users[Role.STAFF], users[Role.AGENCY_HEAD]
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.add_action(secretary, nc, "Thay biểu mẫu", staff, RAISED - dt.timedelta(days=1))
    assert "due_on" in refused.value.message_dict and "02/03/2026" in refused.value.message_dict["due_on"][0]
    with pytest.raises(ValidationError) as refused:
        services.add_action(secretary, nc, "Thay biểu mẫu", users["other_staff"], RAISED)
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.raise_nonconformity(staff, land, "Ngày mai", dt.date.today() + dt.timedelta(days=3))
    assert "raised_on" in refused.value.message_dict
    assert _state() == before

    action = services.add_action(secretary, nc, "Thay biểu mẫu", staff, RAISED + dt.timedelta(days=10))
    with pytest.raises(PermissionDenied):  # only the owner reports it done
        services.complete_action(head, action, RAISED + dt.timedelta(days=5), "Đã thay")
    services.complete_action(staff, action, RAISED + dt.timedelta(days=5), "Đã thay")
    before = _state()
    with pytest.raises(ValidationError) as refused:  # the owner does not verify their own action
        services.verify_action(staff, action, True, "")
    assert "effective" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # actions not all verified: no closure
        services.close_nonconformity(head, nc)
    assert "chưa được kiểm tra" in " ".join(refused.value.messages)
    assert _state() == before


def test_from_raise_to_closure_with_an_ineffective_round(province, users, land, nc):
    secretary, staff, head = users[Role.ISO_SECRETARY], users[Role.STAFF], users[Role.AGENCY_HEAD]
    services.analyse(
        secretary,
        nc,
        "Thu hồi biểu mẫu cũ",
        ["Vì sao?  Chưa rà soát", "", "Vì sao? Không ai giao"],
        "Chưa giao đầu mối rà soát",
    )
    nc.refresh_from_db()
    assert nc.whys == ["Vì sao?  Chưa rà soát", "Vì sao? Không ai giao"]
    action = services.add_action(
        secretary, nc, "Giao Văn phòng rà soát hằng quý", staff, RAISED + dt.timedelta(days=30)
    )
    services.complete_action(staff, action, RAISED + dt.timedelta(days=3), "Đã giao")
    with pytest.raises(ValidationError):  # "not effective" needs the reason
        services.verify_action(head, action, False, "")
    services.verify_action(head, action, False, "Biểu mẫu cũ vẫn còn ở quầy 3", RAISED + dt.timedelta(days=4))
    action.refresh_from_db()
    assert action.done_on is None and action.effective is False and action.verified_by == head
    services.complete_action(staff, action, RAISED + dt.timedelta(days=6), "Đã thu hồi ở tất cả các quầy")
    services.verify_action(secretary, action, True, "", RAISED + dt.timedelta(days=7))
    closed = services.close_nonconformity(head, nc, RAISED + dt.timedelta(days=8))
    assert closed.status == Nonconformity.Status.CLOSED and closed.closed_by == head
    with pytest.raises(ValidationError):
        services.add_action(secretary, nc, "Thêm", staff, RAISED)
    # Each round is in the audit trail: the ineffective verification as it was recorded.
    changes = [e.changes for e in AuditEntry.objects.for_object(action)]
    assert any(c.get("effective") == [None, False] for c in changes)
    # The history names people (core's audit display of a relation), never an id.
    from core.templatetags.eiso import audit_changes

    shown = [row for e in AuditEntry.objects.for_object(action) for row in audit_changes(e)]
    assert ("Người kiểm tra hiệu lực", "—", str(head)) in shown


def test_a_late_step_pattern_is_proposed_once_and_decided_by_a_person(pattern_dossiers, province, users, land):
    assert services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 20)) == 1
    assert services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 21)) == 0  # not every night
    pattern = LatePattern.objects.get()
    assert (pattern.step, pattern.month, pattern.count, pattern.procedure) == (
        "receive",
        dt.date(2026, 3, 1),
        3,
        pattern_dossiers["home"],
    )
    assert [d.code for d in services.pattern_dossiers(pattern)] == ["HS-L0", "HS-L1", "HS-L2"]
    # A fourth late dossier while it waits updates the count; below the threshold, nothing is proposed.
    late_at_reception(land, "HS-L3", at=T0 + dt.timedelta(days=1))
    services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 25))
    pattern.refresh_from_db()
    assert pattern.count == 4 and LatePattern.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        services.dismiss_pattern(users[Role.ISO_SECRETARY], pattern, " ")
    assert "reason" in refused.value.message_dict
    nc = services.accept_pattern(users[Role.ISO_SECRETARY], pattern)
    assert nc.source == Source.LATE_DOSSIERS and nc.dossier.code == "HS-L0" and nc.late_pattern == pattern
    assert "trễ hạn ở 4 hồ sơ trong tháng 03/2026" in nc.title
    with pytest.raises(ValidationError):
        services.dismiss_pattern(users[Role.ISO_SECRETARY], pattern, "Đã quyết định")
    late_at_reception(land, "HS-L4", at=T0 + dt.timedelta(days=2))
    assert services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 28)) == 0
    assert LatePattern.objects.get().count == 4  # a decided proposal is left as decided


def test_the_threshold_is_a_setting(pattern_dossiers, province, users, land, settings):
    settings.EISO = {**settings.EISO, "NC_LATE_PATTERN_MIN": 4}
    assert services.propose_from_late_dossiers(as_of=dt.date(2026, 3, 20)) == 0


def test_sources_must_belong_to_the_agency(catalog, province, users, land):
    from dossiers import services as dossiers
    from dossiers.models import Dossier

    from .conftest import receive_row

    dossiers.push_event(land, receive_row("OK-1"))  # received, late nowhere yet
    on_time = Dossier.objects.get(code="OK-1")
    with pytest.raises(ValidationError) as refused:
        services.raise_nonconformity(
            users[Role.STAFF], land, "Trễ", RAISED, source=Source.LATE_DOSSIERS, dossier=on_time
        )
    assert "dossier" in refused.value.message_dict
    assert Nonconformity.objects.count() == 0


def test_the_health_of_an_agency(pattern_dossiers, province, users, land, nc):
    staff, secretary = users[Role.STAFF], users[Role.ISO_SECRETARY]
    services.add_action(secretary, nc, "Quá hạn", staff, RAISED + dt.timedelta(days=1))
    services.add_action(secretary, nc, "Còn hạn", staff, dt.date.today() + dt.timedelta(days=5))
    services.save_risk(
        secretary,
        land,
        {
            "process": "Một cửa",
            "description": "Thất lạc hồ sơ",
            "likelihood": 4,
            "impact": 5,
            "owner": secretary,
            "review_on": dt.date.today(),
            "identified_on": RAISED,
        },
    )
    services.save_risk(
        secretary,
        land,
        {
            "process": "Một cửa",
            "description": "Chờ lâu",
            "likelihood": 1,
            "impact": 2,
            "owner": secretary,
            "review_on": dt.date.today(),
            "identified_on": RAISED,
        },
    )
    health = services.health(land)
    assert (health["open_ncs"], health["open_actions"], health["overdue_count"]) == (1, 2, 1)
    assert [r.description for r in health["risks_above"]] == ["Thất lạc hồ sơ"]


def test_feedback_and_objectives_raise_once_and_only_when_they_call_for_it(province, users, land):
    from decimal import Decimal

    secretary = users[Role.ISO_SECRETARY]
    answer = services.submit(land, services.Answer(1, "no", 1, 1, "Chờ cả buổi"), "10.3.3.3")
    services.raise_nonconformity(secretary, land, "Chờ lâu", RAISED, source=Source.FEEDBACK, feedback=answer)
    with pytest.raises(ValidationError) as refused:
        services.raise_nonconformity(secretary, land, "Chờ lâu", RAISED, source=Source.FEEDBACK, feedback=answer)
    assert "feedback" in refused.value.message_dict
    objective = services.save_objective(
        secretary,
        land,
        {
            "year": 2026,
            "title": "Lượt đào tạo",
            "measure": "manual",
            "direction": "ge",
            "target": Decimal(20),
            "unit": "count",
            "frequency": "yearly",
            "owner": secretary,
        },
    )
    services.record_measurement(secretary, objective, dt.date(2026, 1, 1), Decimal(24))
    with pytest.raises(ValidationError) as refused:  # met its target: nothing to raise
        services.raise_nonconformity(secretary, land, "Đào tạo", RAISED, source=Source.OBJECTIVE, objective=objective)
    assert "objective" in refused.value.message_dict
