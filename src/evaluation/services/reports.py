"""The audit report (revisions; a signed one is kept as signed) and the review's minutes: what they say (`content`),
and that content as DOCX (core.admin_docx) and as the HTML that WeasyPrint prints to PDF."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import require
from core import admin_docx, audit

from .. import clauses
from ..models import AuditPlan, AuditReport, Finding, ManagementReview, Result
from .audits import result_counts
from .reviews import _d, _person

if TYPE_CHECKING:
    from accounts.models import User


def _place(agency: Any) -> str:
    name = agency.province.name
    for prefix in ("Tỉnh ", "Thành phố "):
        name = name.removeprefix(prefix)
    return name


def heading_of(agency: Any, number: str, day: dt.date) -> dict[str, Any]:
    return {
        "superior": agency.parent.name if agency.parent_id else "",
        "agency": agency.name,
        "number": number,
        "place": _place(agency),
        "day": day.isoformat(),
    }


# -- audit report ------------------------------------------------------------------------------------------------------
def _check_text(summary: str, number: str) -> None:
    if not (number or "").strip():
        raise ValidationError({"number": _("Nhập số báo cáo.")})
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Nhập đánh giá chung của cuộc đánh giá.")})


@audit.atomic_as_user
def create_report(user: "User", plan: AuditPlan, number: str, summary: str, recommendations: str = "") -> AuditReport:
    """A new revision of the audit's report (the first, or the next after a signed one)."""
    plan = AuditPlan.objects.select_for_update().get(pk=plan.pk)
    require(user, "evaluation.add_auditreport", plan)
    if plan.status != AuditPlan.Status.CLOSED:
        raise ValidationError(_("Kết thúc cuộc đánh giá (trả lời hết câu hỏi, ghi kết luận) trước khi lập báo cáo."))
    draft = plan.reports.filter(signed_at=None).first()
    if draft is not None:
        raise ValidationError(_("Đã có bản dự thảo lần %(rev)s; hãy sửa bản đó.") % {"rev": draft.revision})
    _check_text(summary, number)
    revision = (plan.reports.aggregate(m=Max("revision"))["m"] or 0) + 1
    return AuditReport.objects.create(
        plan=plan,
        revision=revision,
        number=number.strip(),
        summary=summary.strip(),
        recommendations=(recommendations or "").strip(),
        prepared_by=user,
        edited_by=user,
    )


@audit.atomic_as_user
def update_report(
    user: "User", report: AuditReport, number: str, summary: str, recommendations: str = ""
) -> AuditReport:
    report = AuditReport.objects.select_for_update().get(pk=report.pk)
    require(user, "evaluation.change_auditreport", report)
    if report.signed:
        raise ValidationError(
            _(
                "Báo cáo lần %(rev)s đã ký ngày %(d)s, không sửa được. Hãy lập lần ban hành mới: bản đã ký được giữ "
                "nguyên làm hồ sơ."
            )
            % {"rev": report.revision, "d": _d(timezone.localdate(report.signed_at))}
        )
    _check_text(summary, number)
    report.number, report.summary = number.strip(), summary.strip()
    report.recommendations = (recommendations or "").strip()
    report.edited_by = user
    report.save()
    return report


@audit.atomic_as_user
def sign_report(user: "User", report: AuditReport) -> AuditReport:
    """The head signs: what the report says is frozen as it stands (a later change is a new revision)."""
    report = AuditReport.objects.select_for_update().select_related("plan").get(pk=report.pk)
    require(user, "evaluation.sign_auditreport", report, _("Lãnh đạo cơ quan ký báo cáo đánh giá."))
    if report.signed:
        raise ValidationError(_("Báo cáo đã được ký."))
    if user.pk in (report.prepared_by_id, report.edited_by_id):
        raise ValidationError(_("Người lập, người sửa báo cáo không tự ký duyệt báo cáo đó."))
    report.signed_by, report.signed_at = user, timezone.now()
    report.content = report_content(report)
    report.save()
    return report


def report_content(report: AuditReport) -> dict[str, Any]:
    """What the report says: the signed content, or for a draft the audit as it stands (in Vietnamese)."""
    if report.content:
        return report.content
    plan = AuditPlan.objects.select_related("agency__parent", "agency__province", "programme", "lead_auditor").get(
        pk=report.plan_id
    )
    day = timezone.localdate(report.signed_at) if report.signed_at else timezone.localdate()
    counts = result_counts(plan)
    with translation.override("vi"):
        findings = [
            {
                "kind": str(f.get_kind_display()),
                "clause": clauses.label(f.clause),
                "unit": f.unit,
                "description": f.description,
                "nonconformity": f.nonconformity.number if f.nonconformity_id else "",
            }
            for f in plan.findings.select_related("nonconformity").order_by("kind", "id")
        ]
        # [label, count] pairs, not objects: PostgreSQL's jsonb keeps an object's keys in its own order
        kinds = [[str(label), plan.findings.filter(kind=kind).count()] for kind, label in Finding.Kind.choices]
        results = [[str(label), counts[value]] for value, label in Result.choices]
        return {
            "heading": heading_of(plan.agency, report.number, day),
            "revision": report.revision,
            "plan": plan.number,
            "title": plan.title,
            "dates": f"{_d(plan.start_on)} – {_d(plan.end_on)}",
            "units": plan.units,
            "procedures": [f"{p.code} {p.name}" for p in plan.procedures.order_by("code")],
            "documents": [f"{d.code} {d.title}" for d in plan.documents.order_by("code")],
            "clauses": plan.clause_labels(),
            "criteria": plan.programme.criteria,
            "team": [
                {
                    "name": _person(u),
                    "role": "Trưởng đoàn" if u.pk == plan.lead_auditor_id else "Thành viên",
                    "where": ", ".join(x for x in (u.unit, u.agency.name if u.agency_id else "") if x),
                }
                for u in plan.team()
            ],
            "sessions": [
                {"day": _d(s.day), "unit": s.unit, "auditor": _person(s.auditor)}
                for s in plan.sessions.select_related("auditor")
            ],
            "questions": sum(counts.values()),
            "results": results,
            "findings": findings,
            "finding_counts": kinds,
            "conclusion": plan.conclusion,
            "summary": report.summary,
            "recommendations": report.recommendations,
            "prepared_by": _person(report.prepared_by),
            "lead_auditor": _person(plan.lead_auditor),
            "signed_by": _person(report.signed_by),
            "signer_title": (report.signed_by.position if report.signed_by else "") or "THỦ TRƯỞNG CƠ QUAN",
            "signed_at": _d(timezone.localdate(report.signed_at)) if report.signed_at else "",
        }


def _heading(doc: Any, content: dict[str, Any]) -> None:
    h = content["heading"]
    admin_docx.heading(
        doc,
        superior=h["superior"],
        agency=h["agency"],
        number=h["number"],
        place=h["place"],
        day=dt.date.fromisoformat(h["day"]),
    )


def report_docx(content: dict[str, Any]) -> bytes:
    doc = admin_docx.new_document()
    _heading(doc, content)
    admin_docx.title(doc, "Báo cáo đánh giá nội bộ", f"{content['plan']}: {content['title']}")
    admin_docx.section(doc, "1. Thời gian, phạm vi và chuẩn mực đánh giá")
    admin_docx.paragraph(doc, content["dates"], label="Thời gian:")
    if content["units"]:
        admin_docx.paragraph(doc, "; ".join(content["units"]), label="Đơn vị được đánh giá:")
    if content["procedures"]:
        admin_docx.paragraph(doc, "; ".join(content["procedures"]), label="Thủ tục hành chính:")
    if content["documents"]:
        admin_docx.paragraph(doc, "; ".join(content["documents"]), label="Quy trình:")
    admin_docx.paragraph(doc, "; ".join(content["clauses"]), label="Điều khoản TCVN ISO 9001:2015:")
    admin_docx.paragraph(doc, content["criteria"], label="Chuẩn mực đánh giá:")
    admin_docx.section(doc, "2. Thành phần đoàn đánh giá")
    admin_docx.table(
        doc,
        ["TT", "Họ và tên", "Nhiệm vụ", "Đơn vị công tác"],
        [(i, m["name"], m["role"], m["where"]) for i, m in enumerate(content["team"], 1)],
    )
    if content["sessions"]:
        admin_docx.section(doc, "3. Lịch đánh giá")
        admin_docx.table(
            doc, ["Ngày", "Đơn vị", "Chuyên gia"], [(s["day"], s["unit"], s["auditor"]) for s in content["sessions"]]
        )
    admin_docx.section(doc, "4. Kết quả đánh giá")
    results = "; ".join(f"{label}: {n}" for label, n in content["results"])
    admin_docx.paragraph(doc, f"{content['questions']} câu hỏi — {results}.", label="Danh sách câu hỏi:")
    kinds = "; ".join(f"{label}: {n}" for label, n in content["finding_counts"])
    admin_docx.paragraph(doc, kinds + ".", label="Phát hiện:")
    admin_docx.table(
        doc,
        ["TT", "Loại", "Điều khoản", "Đơn vị", "Nội dung", "Phiếu KPH"],
        [
            (i, f["kind"], f["clause"], f["unit"], f["description"], f["nonconformity"])
            for i, f in enumerate(content["findings"], 1)
        ],
    )
    admin_docx.section(doc, "5. Kết luận")
    admin_docx.paragraph(doc, content["conclusion"])
    admin_docx.paragraph(doc, content["summary"], label="Đánh giá chung:")
    if content["recommendations"]:
        admin_docx.paragraph(doc, content["recommendations"], label="Kiến nghị:")
    admin_docx.signatures(
        doc,
        [
            ("Trưởng đoàn đánh giá", "(Ký, ghi rõ họ tên)", content["lead_auditor"]),
            (content["signer_title"], "(Ký, ghi rõ họ tên, đóng dấu)", content["signed_by"] or "(chưa ký)"),
        ],
    )
    return admin_docx.to_bytes(doc)


def report_html(content: dict[str, Any], draft: bool) -> str:
    return _print("evaluation/report_print.html", content, draft)


# -- the review's minutes ----------------------------------------------------------------------------------------------
def minutes_content(review: ManagementReview) -> dict[str, Any]:
    """What the minutes say: as signed, or for a draft the meeting as it stands (in Vietnamese)."""
    if review.content:
        return review.content
    agency = review.agency
    day = review.meeting_on
    with translation.override("vi"):
        return {
            "heading": heading_of(agency, review.number, day),
            "period": f"{_d(review.period_start)} – {_d(review.period_end)}",
            "meeting_on": _d(review.meeting_on),
            "location": review.location,
            "chair": _person(review.chair),
            # the signature block is the signer's (their own position), or the chair's until it is signed
            "chair_title": (review.closed_by or review.chair).position or "Thủ trưởng cơ quan",
            "participants": review.participants,
            "inputs": review.inputs,
            "inputs_at": timezone.localtime(review.inputs_at).strftime("%H:%M %d/%m/%Y") if review.inputs_at else "",
            "conclusion": review.conclusion,
            "decisions": [
                {
                    "kind": str(d.get_kind_display()),
                    "description": d.description,
                    "owner": _person(d.owner),
                    "due_on": _d(d.due_on),
                }
                for d in review.decisions.select_related("owner")
            ],
            "signed_by": _person(review.closed_by),
            "secretary": _person(review.created_by),
        }


def _status(value: str) -> str:
    return {"done": "Đã hoàn thành", "overdue": "Quá hạn", "open": "Đang thực hiện"}.get(value, value)


def _rate(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def minutes_docx(content: dict[str, Any]) -> bytes:
    doc = admin_docx.new_document()
    _heading(doc, content)
    admin_docx.title(doc, "Biên bản họp xem xét của lãnh đạo", f"Kỳ xem xét {content['period']}")
    admin_docx.paragraph(
        doc,
        f"{content['meeting_on']}{', ' + content['location'] if content['location'] else ''}.",
        label="Thời gian, địa điểm:",
    )
    admin_docx.paragraph(doc, content["chair"], label="Chủ trì:")
    admin_docx.paragraph(doc, content["participants"], label="Thành phần:")
    inputs = content["inputs"]
    admin_docx.section(
        doc, f"I. Đầu vào xem xét (số liệu tính đến {inputs.get('as_of', '')}, tổng hợp lúc {content['inputs_at']})"
    )
    admin_docx.paragraph(doc, "a) Tình trạng các hành động từ các cuộc xem xét trước:")
    admin_docx.table(
        doc,
        ["Biên bản", "Hành động", "Người thực hiện", "Hạn", "Tình trạng"],
        [
            (a["review"], a["description"], a["owner"], a["due_on"], _status(a["status"]))
            for a in inputs["previous_actions"]
        ],
    )
    ctx = inputs["context"]
    admin_docx.paragraph(doc, "b) Thay đổi của các vấn đề nội bộ và bên ngoài:")
    for p in ctx["procedures"]:
        admin_docx.paragraph(doc, f"{p['date']}: thủ tục {p['code']} {p['name']} — {p['status']}. {p['note']}")
    for d in ctx["documents"]:
        admin_docx.paragraph(doc, f"{d['date']}: tài liệu {d['code']} cần cập nhật — {d['reason']}")
    for r in ctx["restructuring"]:
        admin_docx.paragraph(doc, f"{r['date']}: {r['kind']} ({r['decision']})")
    if not (ctx["procedures"] or ctx["documents"] or ctx["restructuring"]):
        admin_docx.paragraph(doc, "Không có thay đổi trong kỳ.", italic=True)
    s = inputs["satisfaction"]
    admin_docx.paragraph(
        doc,
        f"c) Sự hài lòng: {s['answers']} phiếu, {s['satisfied']} hài lòng ({_rate(s['satisfied_pct'])}), "
        f"{s['dissatisfied']} không hài lòng, {s['comments']} ý kiến.",
    )
    admin_docx.paragraph(doc, "d) Mục tiêu chất lượng:")
    admin_docx.table(
        doc,
        ["Mục tiêu", "Chỉ tiêu", "Kết quả", "Kỳ", "Đạt"],
        [
            (
                o["title"],
                o["target"],
                "—" if o["value"] is None else f"{o['value']:g}".replace(".", ","),
                o["period"],
                {True: "Đạt", False: "Không đạt", None: "Chưa đo"}[o["met"]],
            )
            for o in inputs["objectives"]
        ],
    )
    perf = inputs["performance"]
    total = perf["total"]
    admin_docx.paragraph(
        doc,
        f"e) Kết quả thực hiện quá trình ({perf['months']}): {total['completed']} hồ sơ đã giải quyết, "
        f"{total['on_time']} đúng hạn, {total['late']} trễ hạn; tỷ lệ đúng hạn {_rate(total['rate'])}.",
    )
    admin_docx.table(
        doc,
        ["Lĩnh vực", "Đã giải quyết", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn"],
        [(r["label"], r["completed"], r["on_time"], r["late"], _rate(r["rate"])) for r in perf["by_field"]],
    )
    if perf["bottlenecks"]:
        admin_docx.paragraph(
            doc, "Bước thường trễ: " + "; ".join(f"{b['step']} ({b['unit']}): {b['late']}" for b in perf["bottlenecks"])
        )
    nc = inputs["nonconformities"]
    admin_docx.paragraph(
        doc,
        f"f) Sự không phù hợp: {nc['raised']} phiếu trong kỳ, {nc['still_open']} chưa đóng; hành động khắc phục đến "
        f"hạn {nc['actions_due']}: {nc['actions_on_time']} đúng hạn, {nc['actions_late']} trễ, {nc['actions_overdue']} "
        f"quá hạn; kiểm tra hiệu lực: {nc['effective']} có hiệu lực, {nc['not_effective']} chưa có hiệu lực.",
    )
    admin_docx.paragraph(doc, "g) Kết quả đánh giá nội bộ:")
    admin_docx.table(
        doc,
        ["Cuộc đánh giá", "Ngày kết thúc", "Không phù hợp", "Cần lưu ý", "Cơ hội cải tiến"],
        [
            (f"{a['number']} {a['title']}", a["closed_on"], a["nc"], a["observation"], a["ofi"])
            for a in inputs["audits"]
        ],
    )
    res = inputs["resources"]
    trainings = " eISO chưa có dữ liệu tập huấn của kỳ." if res["trainings"] is None else ""
    admin_docx.paragraph(
        doc, f"h) Nguồn lực: {res['staff']} cán bộ có tài khoản eISO, {res['units']} phòng, bộ phận.{trainings}"
    )
    risk = inputs["risks"]
    admin_docx.paragraph(
        doc,
        f"i) Hiệu lực của hành động giải quyết rủi ro: {risk['actions_due']} biện pháp đến hạn, {risk['on_time']} đúng "
        f"hạn, {risk['late']} trễ, {risk['overdue']} quá hạn; {risk['above_acceptable']} rủi ro trên mức chấp nhận.",
    )
    admin_docx.paragraph(doc, "j) Cơ hội cải tiến:")
    for item in inputs["improvements"]:
        admin_docx.paragraph(doc, f"– {item['text']} ({item['source']})")
    admin_docx.section(doc, "II. Kết luận")
    admin_docx.paragraph(doc, content["conclusion"] or "(chưa kết luận)")
    admin_docx.section(doc, "III. Quyết định và hành động")
    admin_docx.table(
        doc,
        ["TT", "Loại", "Nội dung", "Người thực hiện", "Hạn"],
        [(i, d["kind"], d["description"], d["owner"], d["due_on"]) for i, d in enumerate(content["decisions"], 1)],
    )
    admin_docx.signatures(
        doc,
        [
            ("Thư ký cuộc họp", "(Ký, ghi rõ họ tên)", content["secretary"]),
            (content["chair_title"], "(Ký, ghi rõ họ tên)", content["signed_by"] or "(chưa ký)"),
        ],
    )
    return admin_docx.to_bytes(doc)


def minutes_html(content: dict[str, Any], draft: bool) -> str:
    return _print("evaluation/minutes_print.html", content, draft)


def _print(template: str, content: dict[str, Any], draft: bool) -> str:
    heading = content["heading"]
    context = {"c": content, "draft": draft, "heading": heading, "day": dt.date.fromisoformat(heading["day"])}
    with translation.override("vi"):
        return render_to_string(template, context)
