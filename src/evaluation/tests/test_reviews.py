"""The management review: its inputs equal what the records say (each figure computed here another way), a period
that overlaps a signed review is refused, and the actions decided are followed up at the next review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dossiers.models import Dossier
from evaluation import services
from evaluation.models import Finding, ManagementReview, Result, ReviewDecision
from improvement import services as improvement
from improvement.models import CorrectiveAction, Measure, Nonconformity, Risk, RiskAction, SurveyResponse, Unit
from improvement.tests.conftest import settle

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 1)


def review_data(team, start, end, number="01/BB-XXLĐ", meeting_on=None):
    return {
        "number": number,
        "period_start": start,
        "period_end": end,
        "meeting_on": meeting_on or end,
        "location": "Phòng họp tầng 2",
        "chair": team["head"],
        "participants": "Ban Giám đốc Sở; Ban ISO; trưởng các phòng",
    }


@pytest.fixture
def previous(team, land):
    """The review of 2025, signed in January, with three actions: done, overdue, not yet due."""
    review = services.save_review(
        team["secretary"],
        land,
        review_data(team, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "05/BB-2025", dt.date(2026, 1, 10)),
    )
    today = timezone.localdate()
    done = services.add_decision(
        team["secretary"], review, "improvement", "Số hóa sổ theo dõi hồ sơ", team["land_officer"], dt.date(2026, 3, 31)
    )
    services.add_decision(
        team["secretary"],
        review,
        "resource",
        "Bổ sung máy quét tại Bộ phận Một cửa",
        team["secretary"],
        dt.date(2026, 4, 30),
    )
    services.add_decision(
        team["secretary"],
        review,
        "change",
        "Sửa quy trình cấp giấy chứng nhận",
        team["secretary"],
        today + dt.timedelta(days=30),
    )
    services.close_review(team["head"], review, "HTQLCL phù hợp, thỏa đáng và có hiệu lực")
    services.complete_decision(team["land_officer"], done, dt.date(2026, 2, 15), "Đã đưa sổ lên eISO")
    return review


@pytest.fixture
def period_records(team, land, catalog, plan, users):  # noqa: F811
    """A half-year of records of every kind the review reads."""
    from procedures.services import change_status

    home = catalog["home"]
    # dossiers: 3 on time, 2 late (20 calendar days for 10 working days)
    for i, days in enumerate([3, 5, 7, 20, 25]):
        settle(land, f"R-{i}", days)
    # satisfaction
    at = timezone.make_aware(dt.datetime(2026, 4, 1, 10))
    for i, (overall, comment) in enumerate([(5, ""), (4, "Nhanh"), (2, "Chờ lâu"), (1, ""), (5, "")]):
        SurveyResponse.objects.create(
            agency=land,
            submitted_at=at + dt.timedelta(hours=i),
            overall=overall,
            on_time="yes",
            attitude=4,
            guidance=4,
            comment=comment,
        )
    # an objective measured by hand, off target in Q1
    objective = improvement.save_objective(
        team["secretary"],
        land,
        {
            "year": 2026,
            "title": "Hồ sơ ISO lưu đầy đủ",
            "measure": Measure.MANUAL,
            "direction": "ge",
            "target": Decimal(95),
            "unit": Unit.PERCENT,
            "frequency": "quarterly",
            "owner": team["secretary"],
        },
    )
    improvement.record_measurement(team["secretary"], objective, dt.date(2026, 1, 1), Decimal("90.5"))
    # nonconformities and actions: one done on time and verified, one overdue
    nc = improvement.raise_nonconformity(team["secretary"], land, "Thiếu phiếu kiểm soát", dt.date(2026, 2, 1))
    on_time = improvement.add_action(team["secretary"], nc, "Bổ sung phiếu", team["land_officer"], dt.date(2026, 3, 1))
    improvement.complete_action(team["land_officer"], on_time, dt.date(2026, 2, 20), "Đã bổ sung")
    improvement.verify_action(team["head"], on_time, True, "Đã kiểm tra")
    improvement.add_action(team["secretary"], nc, "Tập huấn lại", team["land_officer"], dt.date(2026, 4, 1))
    # a risk with an action done late, and an open opportunity
    risk = improvement.save_risk(
        team["secretary"],
        land,
        {
            "process": "Tiếp nhận hồ sơ",
            "description": "Thất lạc hồ sơ giấy",
            "likelihood": 4,
            "impact": 5,
            "owner": team["secretary"],
            "review_on": dt.date(2026, 12, 31),
            "identified_on": dt.date(2026, 1, 5),
        },
    )
    late = improvement.add_risk_action(team["secretary"], risk, "Lắp camera", team["secretary"], dt.date(2026, 3, 1))
    improvement.complete_risk_action(team["secretary"], late, dt.date(2026, 3, 10))
    improvement.save_risk(
        team["secretary"],
        land,
        {
            "kind": Risk.Kind.OPPORTUNITY,
            "process": "Trả kết quả",
            "description": "Trả kết quả qua bưu điện",
            "likelihood": 3,
            "impact": 3,
            "owner": team["secretary"],
            "review_on": dt.date(2026, 12, 31),
        },
    )
    # the audit, ended with a nonconformity and an improvement opportunity
    for item in plan.items.all():
        services.answer(team["quality_officer"], item, Result.CONFORM)
    services.add_finding(team["advisor"], plan, Finding.Kind.NONCONFORMITY, "8.5", "Thiếu chữ ký bàn giao")
    services.add_finding(team["advisor"], plan, Finding.Kind.IMPROVEMENT, "10.3", "Nhắn tin báo kết quả")
    services.close_plan(team["secretary"], plan, "Cơ bản phù hợp")
    # the catalog: the procedure amended
    change_status(home, "amended", "Sửa đổi theo Quyết định 123/QĐ-UBND")
    return {"objective": objective, "nc": nc}


def test_the_compiled_inputs_equal_the_records(team, land, previous, period_records, catalog):
    end = timezone.localdate()
    review = services.save_review(team["secretary"], land, review_data(team, START, end))
    inputs = review.inputs
    as_of = end

    # (a) the previous review's actions, with their status as of the period's end
    decisions = ReviewDecision.objects.filter(review=previous).order_by("due_on", "id")
    expected = []
    for d in decisions:
        if d.done_on is not None and d.done_on <= as_of:
            expected.append("done")
        else:
            expected.append("overdue" if d.due_on < as_of else "open")
    assert [a["status"] for a in inputs["previous_actions"]] == expected == ["done", "overdue", "open"]

    # (b) the amended procedure, on the day it was amended
    assert [(p["code"], p["date"]) for p in inputs["context"]["procedures"]] == [
        (catalog["home"].code, end.strftime("%d/%m/%Y"))
    ]

    # (c) satisfaction
    answers = SurveyResponse.objects.filter(agency=land, submitted_at__date__range=(START, end))
    satisfied = answers.filter(overall__gte=4).count()
    assert inputs["satisfaction"] == {
        "answers": answers.count(),
        "satisfied": satisfied,
        "dissatisfied": answers.filter(overall__lte=2).count(),
        "comments": answers.exclude(comment="").count(),
        "satisfied_pct": round(100 * satisfied / answers.count(), 1),
    }

    # (d) the objective's last result and verdict
    [objective] = inputs["objectives"]
    assert objective["value"] == 90.5 and objective["met"] is False

    # (e) on time, from the dossiers themselves (not the monthly summary the service reads)
    settled = Dossier.objects.filter(agency=land, completed_at__isnull=False)
    late = settled.filter(is_late=True).count()
    total = inputs["performance"]["total"]
    assert (total["completed"], total["on_time"], total["late"]) == (settled.count(), settled.count() - late, late)
    assert total["rate"] == round(100 * (settled.count() - late) / settled.count(), 1)
    assert sum(r["completed"] for r in inputs["performance"]["by_field"]) == settled.count()

    # (f) nonconformities of the period and the actions due in it
    raised = Nonconformity.objects.filter(agency=land, raised_on__range=(START, end))
    actions = CorrectiveAction.objects.filter(nonconformity__agency=land, due_on__range=(START, end))
    nc = inputs["nonconformities"]
    assert nc["raised"] == raised.count()
    assert nc["still_open"] == raised.filter(status="open").count()
    assert nc["actions_due"] == actions.count()
    assert nc["actions_on_time"] == actions.filter(done_on__isnull=False, done_on__lte=dt.date(2026, 3, 1)).count()
    assert nc["actions_overdue"] == actions.filter(done_on=None, due_on__lt=as_of).count()
    assert nc["effective"] == CorrectiveAction.objects.filter(nonconformity__agency=land, effective=True).count()

    # (g) the audit ended in the period and its findings
    [audit] = inputs["audits"]
    assert (audit["nc"], audit["observation"], audit["ofi"]) == (1, 0, 1)

    # (i) risk actions: due in the period, done late
    due = RiskAction.objects.filter(risk__agency=land, due_on__range=(START, end))
    assert inputs["risks"]["actions_due"] == due.count()
    assert inputs["risks"]["late"] == due.filter(done_on__gt=dt.date(2026, 3, 1)).count() == 1

    # (j) the audit's opportunity and the register's
    assert {x["text"] for x in inputs["improvements"]} == {"Nhắn tin báo kết quả", "Trả kết quả qua bưu điện"}

    # (h) resources
    from django.contrib.auth import get_user_model

    assert inputs["resources"]["staff"] == get_user_model().objects.filter(agency=land, is_active=True).count()


def test_a_period_overlapping_a_signed_review_is_refused(team, land, previous):
    with pytest.raises(ValidationError) as exc:
        services.save_review(team["secretary"], land, review_data(team, dt.date(2025, 12, 1), dt.date(2026, 3, 31)))
    assert "05/BB-2025" in str(exc.value)
    assert ManagementReview.objects.filter(agency=land).count() == 1


def test_signed_minutes_are_not_edited_and_actions_are_followed_up(team, land, previous):
    with pytest.raises(ValidationError, match="đã ký"):
        services.add_decision(team["secretary"], previous, "change", "Thêm", team["secretary"], dt.date(2026, 12, 31))
    with pytest.raises(ValidationError, match="đã ký"):
        services.recompile(team["secretary"], previous)
    decision = previous.decisions.get(done_on=None, due_on=dt.date(2026, 4, 30))
    with pytest.raises(ValidationError, match="Ghi kết quả"):
        services.complete_decision(team["secretary"], decision, timezone.localdate(), "")
    services.complete_decision(team["secretary"], decision, timezone.localdate(), "Đã lắp máy quét")
    review = services.save_review(team["secretary"], land, review_data(team, START, timezone.localdate()))
    statuses = [a["status"] for a in review.inputs["previous_actions"]]
    assert statuses == ["done", "done", "open"]


def test_the_minutes_docx_and_pdf_carry_the_inputs_and_decisions(team, land, previous):
    import io

    from docx import Document
    from pypdf import PdfReader
    from weasyprint import HTML

    content = services.minutes_content(previous)
    doc = Document(io.BytesIO(services.minutes_docx(content)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BIÊN BẢN HỌP XEM XÉT CỦA LÃNH ĐẠO" in text and "Kỳ xem xét 01/01/2025 – 31/12/2025" in text
    decisions = [[c.text for c in row.cells] for row in doc.tables[-2].rows[1:]]
    assert [d[2] for d in decisions] == list(
        previous.decisions.order_by("due_on", "id").values_list("description", flat=True)
    )
    pdf = HTML(string=services.minutes_html(content, draft=False)).write_pdf()
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "BIÊN BẢN HỌP XEM XÉT CỦA LÃNH ĐẠO" in pdf_text and "Bổ sung máy quét" in pdf_text
    assert "Số: 05/BB-2025" in pdf_text


def test_the_signed_minutes_keep_what_they_said(team, land, previous):
    from organizations.models import Agency

    previous.refresh_from_db()
    assert previous.content["heading"]["agency"] == land.name
    Agency.objects.filter(pk=land.pk).update(name="Sở Nông nghiệp và Môi trường (tên mới)")
    previous.refresh_from_db()
    assert services.minutes_content(previous)["heading"]["agency"] == land.name
    assert services.minutes_content(previous)["chair_title"] == (team["head"].position or "Thủ trưởng cơ quan")


def test_the_drafter_does_not_sign_and_inputs_are_compiled_to_the_end_of_the_period(team, land):
    review = services.save_review(team["head"], land, review_data(team, START, dt.date(2026, 6, 30)))
    services.add_decision(team["head"], review, "change", "Sửa quy trình", team["secretary"], timezone.localdate())
    with pytest.raises(ValidationError, match="Người lập biên bản"):
        services.close_review(team["head"], review, "Phù hợp")
    running = services.save_review(
        team["secretary"],
        land,
        review_data(
            team, dt.date(2026, 7, 1), timezone.localdate() + dt.timedelta(days=5), "02/BB", timezone.localdate()
        ),
    )
    services.add_decision(team["secretary"], running, "change", "Sửa", team["secretary"], timezone.localdate())
    with pytest.raises(ValidationError, match="tổng hợp lại"):
        services.close_review(team["head"], running, "Phù hợp")
    assert ManagementReview.objects.filter(status=ManagementReview.Status.CLOSED).count() == 0


def test_actions_of_an_unsigned_review_are_not_followed_up(team, land):
    draft = services.save_review(team["secretary"], land, review_data(team, dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    services.add_decision(team["secretary"], draft, "change", "Chưa chính thức", team["secretary"], dt.date(2026, 2, 1))
    review = services.save_review(team["secretary"], land, review_data(team, START, timezone.localdate(), "02/BB"))
    assert review.inputs["previous_actions"] == []


def test_a_minutes_number_is_used_once(team, land, previous):
    with pytest.raises(ValidationError) as exc:
        services.save_review(team["secretary"], land, review_data(team, START, timezone.localdate(), "05/BB-2025"))
    assert "number" in exc.value.message_dict


def test_the_follow_up_button_is_for_the_owner_and_the_qms_team(client_as, team, land, previous, users):
    from accounts.roles import Role

    page = client_as(users[Role.PROVINCIAL_VIEWER]).get(previous.get_absolute_url()).content.decode()
    assert "Báo cáo hoàn thành" not in page
    owner = previous.decisions.get(done_on=None, due_on=dt.date(2026, 4, 30)).owner  # the secretary's action
    assert "Báo cáo hoàn thành" in client_as(owner).get(previous.get_absolute_url()).content.decode()
    home = client_as(owner).get("/").content.decode()
    assert 'data-testid="my-review-action"' in home
