"""Demo data of §9 for the demo department (Sở Nông nghiệp và Môi trường), written through the services as its
officials would have: this year's audit programme with an audit ended (checklist answered with evidence, findings, a
nonconformity raised, the report signed) and one under way whose team includes the oversight body's officer; last
year's management review signed with its actions followed up, and this year's in preparation; the documents a changed
legal basis and an amended procedure call to update."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from accounts.roles import Role
from core.audit import acting_as

from . import clauses, services
from .models import AuditPlan, Finding, ManagementReview, Result


def _ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _people(agency):
    members = get_user_model().objects.filter(agency=agency, is_active=True).exclude(unit="")
    by_unit = {}
    for person in members.order_by("pk"):
        by_unit.setdefault(person.unit, []).append(person)
    return by_unit


def _flags(agency, secretary, land_procedure):
    """A legal basis amended four months ago (the window has passed) and a catalog procedure amended today."""
    from documents import services as documents
    from documents.models import Document
    from procedures.services import change_status

    target = Document.objects.filter(agency=agency, code="QT-DD-01").first()
    if target is not None:
        documents.flag_for_review(
            target,
            "Văn bản căn cứ “TLBN-01 Luật Đất đai” được sửa đổi, bổ sung bởi Luật số 43/2024/QH15",
            since=_ago(125),
        )
    if land_procedure is not None:
        change_status(land_procedure, "amended", "Sửa đổi thành phần hồ sơ theo Quyết định 1234/QĐ-UBND")
        form = Document.objects.filter(agency=agency, doc_type="form").order_by("code").first()
        if form is not None:
            documents.flag_for_review(
                form,
                f"Thủ tục hành chính “{land_procedure.code}” thay đổi: sửa đổi thành phần hồ sơ theo Quyết định "
                "1234/QĐ-UBND",
            )


def _ended_audit(programme, agency, secretary, head, units, land_procedure):
    """An audit of three weeks ago by the agency's own internal auditors: answered, with evidence and findings, a
    nonconformity raised, the report signed."""
    from dossiers.models import Dossier

    start = max(_ago(24), dt.date(programme.year, 1, 1))
    end = min(start + dt.timedelta(days=2), timezone.localdate())
    known = services.agency_units(agency)
    office = "Văn phòng Sở" if "Văn phòng Sở" in units else next(iter(units))
    land_unit = next((u for u in ("Văn phòng Đăng ký đất đai", "Phòng Quản lý đất đai") if u in known), office)
    auditor = next((p for p in units.get(office, []) if p.role == Role.STAFF), None) or secretary
    # the office is audited by someone from another unit (no one audits their own work)
    member = next(
        (
            p
            for unit, people in units.items()
            if unit not in (office, land_unit)
            for p in people
            if p.role == Role.STAFF
        ),
        secretary,
    )
    plan = services.save_plan(
        secretary,
        programme,
        {
            "title": "Đánh giá các quá trình giải quyết TTHC lĩnh vực đất đai",
            "units": [land_unit, office],
            "procedures": [land_procedure] if land_procedure is not None else [],
            "clauses": ["4.3", "6.1", "7.5", "8.1", "8.5", "9.1", "10.2"],
            "start_on": start,
            "end_on": end,
            "lead_auditor": auditor,
            "auditors": [member],
        },
    )
    services.add_session(secretary, plan, land_unit, start, auditor)
    services.add_session(secretary, plan, office, end, member)
    sessions = {s.unit: s for s in plan.sessions.all()}
    dossier = Dossier.objects.filter(agency=agency, is_late=True).order_by("-completed_at").first()
    notes = {
        "7.5": "Hồ sơ lưu đủ theo danh mục; sổ theo dõi được cập nhật trên eISO.",
        "8.5": "Kiểm tra 20 hồ sơ đất đai: phiếu kiểm soát ghi đủ các lần giao nhận.",
    }
    items = list(plan.items.order_by("order"))
    for item in items:
        unit = land_unit if item.clause in ("8.1", "8.5") else None
        if unit:
            services.edit_question(secretary, item, item.question, sessions[unit])
    for item in items:
        answerer = member if item.session_id == sessions[office].pk else auditor
        if item.clause == "8.5" and dossier is not None:
            services.answer(
                answerer,
                item,
                Result.NONCONFORM,
                f"Hồ sơ {dossier.code} trả trễ hạn nhưng không có phiếu xin lỗi và hẹn lại ngày trả kết quả.",
            )
            services.add_evidence(
                answerer, item, dossier_code=dossier.code, note="Hồ sơ trễ hạn không có phiếu xin lỗi"
            )
        elif item.clause == "6.1":
            services.answer(answerer, item, Result.OBSERVATION, "Sổ rủi ro chưa đánh giá lại sau khi sáp nhập Sở.")
        else:
            services.answer(answerer, item, Result.CONFORM, notes.get(item.clause, "Phù hợp với quy định."))
    if dossier is not None:
        item = next(i for i in items if i.clause == "8.5")
        finding = services.add_finding(
            auditor,
            plan,
            Finding.Kind.NONCONFORMITY,
            "8.5",
            f"Hồ sơ {dossier.code} trả kết quả trễ hạn, không lập phiếu xin lỗi và hẹn lại ngày trả kết quả theo "
            "quy định.",
            unit=land_unit,
            item=item,
        )
        services.raise_from_finding(secretary, finding)
    services.add_finding(
        auditor,
        plan,
        Finding.Kind.OBSERVATION,
        "6.1",
        "Sổ rủi ro chưa được rà soát lại sau khi hợp nhất Sở Nông nghiệp và Sở Tài nguyên và Môi trường.",
    )
    services.add_finding(
        member,
        plan,
        Finding.Kind.IMPROVEMENT,
        "10.3",
        "Gửi tin nhắn báo kết quả cho người dân khi hồ sơ sẵn sàng để giảm số lần đi lại.",
    )
    services.close_plan(
        secretary,
        plan,
        "HTQLCL được áp dụng và duy trì cơ bản phù hợp; có 01 điểm không phù hợp về kiểm soát hồ sơ trễ hạn.",
        closed_on=end,
    )
    report = services.create_report(
        secretary,
        plan,
        f"{plan.seq:02d}/BC-ĐGNB",
        "Các quá trình được đánh giá cơ bản đáp ứng TCVN ISO 9001:2015; đề nghị khắc phục điểm không phù hợp trong "
        "30 ngày.",
        "Rà soát lại sổ rủi ro; triển khai nhắn tin báo kết quả.",
    )
    services.sign_report(head, report)
    return plan


def _running_audit(programme, secretary, units, advisor):
    """An audit this week: the oversight body's officer on the team; half of the checklist answered."""
    start = max(_ago(1), dt.date(programme.year, 1, 1))
    end = min(start + dt.timedelta(days=4), dt.date(programme.year, 12, 31))
    office = "Văn phòng Sở" if "Văn phòng Sở" in units else next(iter(units))
    water = "Phòng Tài nguyên nước" if "Phòng Tài nguyên nước" in units else office
    plan = services.save_plan(
        secretary,
        programme,
        {
            "title": "Đánh giá kiểm soát tài liệu và hồ sơ",
            "units": sorted({office, water}),
            "clauses": ["5.2", "7.2", "7.5", "9.3"],
            "start_on": start,
            "end_on": end,
            "lead_auditor": advisor or secretary,
            "auditors": [],
        },
    )
    services.add_session(secretary, plan, water, start, advisor or secretary)
    for item in list(plan.items.order_by("order"))[:3]:
        services.answer(advisor or secretary, item, Result.CONFORM, "Đã kiểm tra tại phòng.")
    return plan


def _reviews(agency, secretary, head, staff):
    today = timezone.localdate()
    last_year = today.year - 1
    review = services.save_review(
        secretary,
        agency,
        {
            "number": f"02/BB-XXLĐ-{last_year}",
            "period_start": dt.date(last_year, 1, 1),
            "period_end": dt.date(last_year, 12, 31),
            "meeting_on": min(dt.date(today.year, 1, 15), today),
            "location": "Phòng họp Sở",
            "chair": head,
            "participants": "Ban Giám đốc Sở; Ban chỉ đạo ISO; Trưởng các phòng, đơn vị; Thư ký ISO",
        },
    )
    meeting = review.meeting_on
    done = services.add_decision(
        secretary,
        review,
        "change",
        "Cập nhật quy trình đất đai theo Luật Đất đai 2024 và các nghị định hướng dẫn",
        secretary,
        meeting + dt.timedelta(days=60),
    )
    services.add_decision(
        secretary,
        review,
        "resource",
        "Bố trí thêm 01 công chức tại Bộ phận Một cửa lĩnh vực đất đai",
        head,
        meeting + dt.timedelta(days=90),
    )
    services.add_decision(
        secretary,
        review,
        "improvement",
        "Nâng tỷ lệ hồ sơ đất đai đúng hạn lên 90 %",
        staff,
        today + dt.timedelta(days=20),
    )
    services.close_review(
        head,
        review,
        "HTQLCL của Sở phù hợp, thỏa đáng và có hiệu lực; cần tập trung giảm hồ sơ trễ hạn lĩnh vực đất đai.",
    )
    services.complete_decision(
        secretary, done, min(meeting + dt.timedelta(days=45), today), "Đã ban hành lần 2 quy trình QT-DD-01."
    )
    current = services.save_review(
        secretary,
        agency,
        {
            "number": f"01/BB-XXLĐ-{today.year}",
            "period_start": dt.date(today.year, 1, 1),
            "period_end": today,
            "meeting_on": today,
            "location": "Phòng họp Sở",
            "chair": head,
            "participants": "Ban Giám đốc Sở; Ban chỉ đạo ISO; Trưởng các phòng, đơn vị; Thư ký ISO",
        },
    )
    services.add_decision(
        secretary,
        current,
        "improvement",
        "Triển khai nhắn tin báo kết quả cho người dân",
        secretary,
        today + dt.timedelta(days=45),
    )
    return review, current


def _other_agencies(ctx):
    """Two departments that built their QMS four months ago: the Department of Justice has audited and reviewed it,
    the Department of Health has audited it and not yet reviewed it (the communes have done neither)."""
    from documents.models import DocumentType

    plans = {"STP": (62, True), "SYT": (30, False)}  # days ago the audit began, review held
    for code, (days, reviewed) in plans.items():
        agency = ctx["agencies"].get(code)
        people = get_user_model().objects.filter(agency=agency, is_active=True) if agency else None
        secretary = people.filter(role=Role.ISO_SECRETARY).first() if people is not None else None
        head = people.filter(role=Role.AGENCY_HEAD).first() if people is not None else None
        if secretary is None or head is None:
            continue
        with acting_as(secretary):
            start = max(_ago(days), dt.date(_ago(days).year, 1, 1))
            end = min(start + dt.timedelta(days=1), timezone.localdate())
            programme = services.save_programme(
                secretary,
                agency,
                start.year,
                "Đánh giá sự phù hợp của HTQLCL mới xây dựng trước khi công bố.",
                "TCVN ISO 9001:2015; hệ thống tài liệu của cơ quan.",
            )
            units = services.agency_units(agency)
            plan = services.save_plan(
                secretary,
                programme,
                {
                    "title": "Đánh giá toàn bộ HTQLCL",
                    "units": units[:2],
                    "documents": list(agency.documents.filter(doc_type=DocumentType.PROCEDURE)[:3]),
                    "clauses": ["4.3", "5.2", "6.2", "7.5", "8.1", "9.1", "10.2"],
                    "start_on": start,
                    "end_on": end,
                    "lead_auditor": secretary,
                    "auditors": [],
                },
            )
            for item in plan.items.all():
                services.answer(secretary, item, Result.CONFORM, "Phù hợp với tài liệu đã ban hành.")
            services.close_plan(secretary, plan, "HTQLCL phù hợp, sẵn sàng công bố.", closed_on=end)
            if reviewed:
                review = services.save_review(
                    secretary,
                    agency,
                    {
                        "number": f"01/BB-XXLĐ-{end.year}",
                        "period_start": _ago(130),
                        "period_end": end + dt.timedelta(days=7),
                        "meeting_on": end + dt.timedelta(days=7),
                        "chair": head,
                        "participants": "Lãnh đạo cơ quan; Ban ISO; trưởng các phòng",
                    },
                )
                services.add_decision(
                    secretary,
                    review,
                    "change",
                    "Công bố HTQLCL phù hợp TCVN ISO 9001:2015",
                    secretary,
                    end + dt.timedelta(days=30),
                )
                services.close_review(head, review, "HTQLCL phù hợp, thỏa đáng và có hiệu lực; đủ điều kiện công bố.")


def load(ctx):
    from dossiers.models import Dossier
    from procedures.models import AdminProcedure, Field

    users = ctx.get("users") or {}
    agency = ctx["agencies"].get("SNNMT")
    if agency is None or Role.ISO_SECRETARY not in users:
        return
    secretary, head, staff = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD], users[Role.STAFF]
    advisor = users.get(Role.OVERSIGHT)  # the oversight body's officer, on the provincial ISO advisory team
    units = _people(agency)
    if not units:
        return
    land = Field.objects.filter(name="Đất đai").first()
    busiest = (
        Dossier.objects.filter(agency=agency, field=land).values("procedure").order_by().annotate(n=Count("id"))
    ).order_by("-n")
    top = busiest.first()
    land_procedure = AdminProcedure.objects.get(pk=top["procedure"]) if top else None
    today = timezone.localdate()
    with acting_as(secretary):
        _flags(agency, secretary, land_procedure)
        programme = services.save_programme(
            secretary,
            agency,
            _ago(24).year,
            "Xác định mức độ phù hợp và hiệu lực của HTQLCL theo TCVN ISO 9001:2015; phát hiện cơ hội cải tiến "
            "trước khi xem xét của lãnh đạo.",
            "TCVN ISO 9001:2015; hệ thống tài liệu của Sở; quy định về thủ tục hành chính và cơ chế một cửa.",
        )
        _ended_audit(programme, agency, secretary, head, units, land_procedure)
        if programme.year == today.year:
            _running_audit(programme, secretary, units, advisor)
        _reviews(agency, secretary, head, staff)
    _other_agencies(ctx)
    ctx["stdout"].write(
        f"  evaluation: {AuditPlan.objects.count()} audits ({len(clauses.CLAUSES)} clauses in the checklist library), "
        f"{Finding.objects.count()} findings, {ManagementReview.objects.count()} management reviews"
    )
