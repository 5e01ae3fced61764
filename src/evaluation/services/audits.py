"""The internal audit (§9.2): programme, plan and schedule, the checklist built from the clauses, answers with their
evidence, findings (a nonconformity finding raises the register's nonconformity), closing the audit."""

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from accounts.roles import AGENCY_ROLES, Role
from core import audit
from core.models import AuditEntry
from core.text import search_key, sort_key

from .. import clauses
from ..models import AuditPlan, AuditProgramme, AuditSession, ChecklistItem, Evidence, Finding, Result

if TYPE_CHECKING:
    from accounts.models import User
    from improvement.models import Nonconformity
    from organizations.models import Agency


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _locked(plan: AuditPlan) -> AuditPlan:
    return AuditPlan.objects.select_for_update().select_related("programme", "agency").get(pk=plan.pk)


def _open(plan: AuditPlan) -> None:
    if plan.status == AuditPlan.Status.CLOSED:
        raise ValidationError(_("Cuộc đánh giá %(n)s đã kết thúc.") % {"n": plan.number})


# -- who and what can be audited -------------------------------------------------------------------------------------
def agency_units(agency: "Agency") -> list[str]:
    """The agency's units (phòng, bộ phận): those its officials work in and those that own its documents."""
    from documents.models import Document

    names = set(
        get_user_model().objects.filter(agency=agency, is_active=True).exclude(unit="").values_list("unit", flat=True)
    )
    names |= set(Document.objects.filter(agency=agency).exclude(owner_unit="").values_list("owner_unit", flat=True))
    return sorted(names, key=sort_key)


def auditor_candidates(agency: "Agency") -> QuerySet:
    """Who may sit on an audit team of `agency`: the active officials of its province (its own internal auditors and
    those of other agencies, such as the provincial ISO advisory team)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            agency__province_id=agency.province_id,
            role__in=[*AGENCY_ROLES, Role.OVERSIGHT],
        )
        .select_related("agency")
        .order_by("agency__sort_key", "last_name", "first_name")
    )


def works_in(user: "User", agency: "Agency", unit: str) -> bool:
    """Does `user` work in `unit` of `agency` (names compared without case or diacritics)?"""
    return user.agency_id == agency.pk and bool(user.unit) and search_key(user.unit) == search_key(unit)


def _own_unit_refusal(user: "User", unit: str) -> ValidationError:
    return ValidationError(
        {
            "auditor": _(
                "%(name)s công tác tại %(unit)s: chuyên gia không được đánh giá đơn vị mình đang làm việc (ISO 9001 "
                "§9.2.2 c). Hãy phân công chuyên gia khác."
            )
            % {"name": user.get_full_name() or user.username, "unit": unit}
        }
    )


# -- programme ---------------------------------------------------------------------------------------------------------
@audit.atomic_as_user
def save_programme(
    user: "User",
    agency: "Agency",
    year: int,
    aims: str,
    criteria: str,
    programme: AuditProgramme | None = None,
) -> AuditProgramme:
    """The agency's audit programme of `year` (one a year), created or changed."""
    from organizations.models import Agency

    if programme is None:
        require(user, "evaluation.add_auditprogramme", agency)
    else:
        require(user, "evaluation.change_auditprogramme", programme)
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # one programme a year, decided one at a time
    if not (aims or "").strip():
        raise ValidationError({"aims": _("Nêu mục đích của chương trình đánh giá.")})
    if not (criteria or "").strip():
        raise ValidationError({"criteria": _("Nêu chuẩn mực đánh giá.")})
    if not year or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Năm không hợp lệ.")})
    clash = AuditProgramme.objects.filter(agency=agency, year=year).exclude(pk=getattr(programme, "pk", None))
    if clash.exists():
        raise ValidationError({"year": _("Năm %(year)s đã có chương trình đánh giá nội bộ.") % {"year": year}})
    if programme is not None and programme.year != year and programme.plans.exists():
        raise ValidationError({"year": _("Chương trình đã có kế hoạch đánh giá, không đổi năm được.")})
    programme = programme or AuditProgramme(agency=agency, created_by=user)
    programme.year, programme.aims, programme.criteria = year, aims.strip(), criteria.strip()
    programme.save()
    return programme


# -- plan --------------------------------------------------------------------------------------------------------------
def _check_plan(programme: AuditProgramme, data: dict[str, Any]) -> None:
    from documents.models import DocumentType

    agency = programme.agency
    start, end = data.get("start_on"), data.get("end_on")
    if not (data.get("title") or "").strip():
        raise ValidationError({"title": _("Nhập tên cuộc đánh giá.")})
    if start is None or end is None:
        raise ValidationError({"start_on": _("Nhập ngày bắt đầu và ngày kết thúc.")})
    if end < start:
        raise ValidationError({"end_on": _("Ngày kết thúc không được trước ngày bắt đầu.")})
    if start.year != programme.year or end.year != programme.year:
        raise ValidationError(
            {
                "start_on": _("Cuộc đánh giá phải diễn ra trong năm %(year)s của chương trình.")
                % {"year": programme.year}
            }
        )
    chosen = list(data.get("clauses") or [])
    unknown = [c for c in chosen if c not in clauses.BY_CODE]
    if not chosen or unknown:
        raise ValidationError({"clauses": _("Chọn ít nhất một điều khoản của TCVN ISO 9001:2015.")})
    if not data.get("units") and not data.get("procedures"):
        raise ValidationError({"units": _("Chọn đơn vị hoặc thủ tục được đánh giá.")})
    wrong = [p for p in data.get("procedures") or [] if not p.agencies.filter(pk=agency.pk).exists()]
    if wrong:
        raise ValidationError(
            {"procedures": _("Thủ tục không thuộc cơ quan: %(p)s.") % {"p": ", ".join(p.code for p in wrong)}}
        )
    documents = data.get("documents") or []
    if any(d.agency_id != agency.pk or d.doc_type != DocumentType.PROCEDURE for d in documents):
        raise ValidationError({"documents": _("Chỉ chọn quy trình của cơ quan.")})
    team = [data["lead_auditor"], *(data.get("auditors") or [])] if data.get("lead_auditor") else []
    if not team:
        raise ValidationError({"lead_auditor": _("Chọn trưởng đoàn đánh giá.")})
    outside = [u for u in team if not u.is_active or u.agency is None or u.agency.province_id != agency.province_id]
    if outside:
        raise ValidationError({"auditors": _("Chuyên gia đánh giá phải là cán bộ đang làm việc trong tỉnh.")})


def _build_checklist(plan: AuditPlan, codes: Iterable[str]) -> int:
    """The questions of `codes` not yet on the plan's checklist, after its last question."""
    present = set(plan.items.values_list("clause", flat=True))
    order = plan.items.aggregate(m=Max("order"))["m"] or 0
    made = []
    for code in codes:
        if code in present:
            continue
        for question in clauses.BY_CODE[code].questions:
            order += 1
            made.append(ChecklistItem(plan=plan, order=order, clause=code, question=question))
    for item in made:
        item.save()
    return len(made)


@audit.atomic_as_user
def save_plan(
    user: "User", programme: AuditProgramme, data: dict[str, Any], plan: AuditPlan | None = None
) -> AuditPlan:
    """Create a plan of the programme, its checklist built from the chosen clauses; or change it while it is open (new
    clauses add their questions, a dropped clause removes its unanswered ones)."""
    if plan is None:
        require(user, "evaluation.add_auditplan", programme)
        programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)  # plans numbered one at a time
    else:
        plan = _locked(plan)
        require(user, "evaluation.change_auditplan", plan)
        _open(plan)
    _check_plan(programme, data)
    codes = [c.code for c in clauses.CLAUSES if c.code in set(data["clauses"])]  # in the standard's order
    team = {data["lead_auditor"].pk, *(u.pk for u in data.get("auditors") or [])}
    if plan is not None:
        for session in plan.sessions.select_related("auditor"):
            if session.auditor_id not in team:
                raise ValidationError(
                    {
                        "auditors": _("%(name)s đã được phân công đánh giá %(unit)s ngày %(day)s; hãy đổi lịch trước.")
                        % {"name": session.auditor, "unit": session.unit, "day": _day(session.day)}
                    }
                )
            if session.unit not in data.get("units", []):
                raise ValidationError(
                    {"units": _("Lịch đánh giá còn đơn vị %(unit)s; hãy xóa lịch đó trước.") % {"unit": session.unit}}
                )
            if not data["start_on"] <= session.day <= data["end_on"]:
                raise ValidationError(
                    {"start_on": _("Lịch đánh giá ngày %(day)s nằm ngoài thời gian mới.") % {"day": _day(session.day)}}
                )
    if plan is None:
        seq = (programme.plans.aggregate(m=Max("seq"))["m"] or 0) + 1
        plan = AuditPlan(programme=programme, agency=programme.agency, seq=seq)
    plan.title = data["title"].strip()
    plan.units = list(data.get("units") or [])
    plan.clauses = codes
    plan.start_on, plan.end_on = data["start_on"], data["end_on"]
    plan.lead_auditor = data["lead_auditor"]
    plan.save()
    plan.procedures.set(data.get("procedures") or [])
    plan.documents.set(data.get("documents") or [])
    before = ", ".join(str(u) for u in plan.auditors.order_by("last_name", "first_name"))
    plan.auditors.set(sorted(team - {plan.lead_auditor_id}))
    after = ", ".join(str(u) for u in plan.auditors.order_by("last_name", "first_name"))
    if before != after:
        audit.record(plan, AuditEntry.Action.EVENT, {"team": [before or "—", after or "—"]}, actor=user)
    # a dropped clause takes away its questions that carry nothing yet (an answer, evidence, a finding is a record)
    plan.items.filter(result="", evidence=None, findings=None).exclude(clause__in=codes).delete()
    _build_checklist(plan, codes)
    return plan


@audit.atomic_as_user
def add_session(user: "User", plan: AuditPlan, unit: str, day: dt.date, auditor: "User") -> AuditSession:
    """A line of the schedule. Refused when the auditor works in the unit: an auditor does not audit their own work."""
    plan = _locked(plan)
    require(user, "evaluation.change_auditplan", plan)
    _open(plan)
    if unit not in plan.units:
        raise ValidationError({"unit": _("Đơn vị không thuộc phạm vi của cuộc đánh giá.")})
    if day is None or not plan.start_on <= day <= plan.end_on:
        raise ValidationError(
            {
                "day": _("Ngày đánh giá phải trong khoảng %(a)s – %(b)s.")
                % {"a": _day(plan.start_on), "b": _day(plan.end_on)}
            }
        )
    if auditor.pk not in {u.pk for u in plan.team()}:
        raise ValidationError({"auditor": _("Chỉ phân công chuyên gia trong đoàn đánh giá.")})
    if works_in(auditor, plan.agency, unit):
        raise _own_unit_refusal(auditor, unit)
    return AuditSession.objects.create(plan=plan, unit=unit, day=day, auditor=auditor)


@audit.atomic_as_user
def remove_session(user: "User", session: AuditSession) -> None:
    plan = _locked(session.plan)
    require(user, "evaluation.change_auditplan", plan)
    _open(plan)
    if session.items.exclude(result="").exists():
        raise ValidationError(_("Lịch này đã có câu hỏi được trả lời, không xóa được."))
    session.delete()


# -- checklist ---------------------------------------------------------------------------------------------------------
def _check_session(plan: AuditPlan, session: AuditSession | None) -> None:
    if session is not None and session.plan_id != plan.pk:
        raise ValidationError({"session": _("Lịch đánh giá không thuộc cuộc đánh giá này.")})


@audit.atomic_as_user
def add_question(
    user: "User", plan: AuditPlan, clause: str, question: str, session: AuditSession | None = None
) -> ChecklistItem:
    """A question of the plan's own (tailoring the checklist)."""
    plan = _locked(plan)
    require(user, "evaluation.change_auditplan", plan)
    _open(plan)
    if clause not in clauses.BY_CODE:
        raise ValidationError({"clause": _("Chọn điều khoản của câu hỏi.")})
    if not (question or "").strip():
        raise ValidationError({"question": _("Nhập câu hỏi.")})
    _check_session(plan, session)
    order = (plan.items.aggregate(m=Max("order"))["m"] or 0) + 1
    if clause not in plan.clauses:
        plan.clauses = [c.code for c in clauses.CLAUSES if c.code in {*plan.clauses, clause}]
        plan.save()
    return ChecklistItem.objects.create(
        plan=plan, order=order, clause=clause, question=question.strip(), session=session
    )


@audit.atomic_as_user
def edit_question(
    user: "User", item: ChecklistItem, question: str, session: AuditSession | None = None
) -> ChecklistItem:
    plan = _locked(item.plan)
    item = ChecklistItem.objects.get(pk=item.pk)  # as stored, not as the caller last saw it
    require(user, "evaluation.change_auditplan", plan)
    _open(plan)
    if not (question or "").strip():
        raise ValidationError({"question": _("Nhập câu hỏi.")})
    _check_session(plan, session)
    if item.result:
        raise ValidationError({"question": _("Câu hỏi đã được trả lời, không sửa được.")})
    item.question, item.session = question.strip(), session
    item.save()
    return item


@audit.atomic_as_user
def remove_question(user: "User", item: ChecklistItem) -> None:
    plan = _locked(item.plan)
    item = ChecklistItem.objects.get(pk=item.pk)  # as stored, not as the caller last saw it
    require(user, "evaluation.change_auditplan", plan)
    _open(plan)
    if item.result or item.evidence.exists() or item.findings.exists():
        raise ValidationError(_("Câu hỏi đã được trả lời, có bằng chứng hoặc phát hiện, không xóa được."))
    item.delete()


@audit.atomic_as_user
def answer(user: "User", item: ChecklistItem, result: str, note: str = "") -> ChecklistItem:
    """A team member's answer to a question, with the auditor's notes (needed for anything but "conform")."""
    plan = _locked(item.plan)
    item = ChecklistItem.objects.select_related("session").get(pk=item.pk)
    require(
        user,
        "evaluation.conduct_auditplan",
        plan,
        _("Chỉ thành viên đoàn đánh giá trả lời câu hỏi, trong thời gian của cuộc đánh giá."),
    )
    _open(plan)
    if result not in Result.values:
        raise ValidationError({"result": _("Chọn kết quả.")})
    if result in (Result.NONCONFORM, Result.OBSERVATION) and not (note or "").strip():
        raise ValidationError({"note": _("Ghi rõ điều đã thấy khi kết quả là không phù hợp hoặc cần lưu ý.")})
    if item.session is not None and works_in(user, plan.agency, item.session.unit):
        raise _own_unit_refusal(user, item.session.unit)
    item.result, item.note = result, (note or "").strip()
    item.answered_by, item.answered_at = user, timezone.now()
    item.save()
    return item


def _evidence_file(upload: UploadedFile) -> str:
    """Check an evidence file (PDF, DOCX, JPEG, PNG within the upload limit); returns its suffix."""
    from documents import files

    limit = files.max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "file": _("Tệp “%(name)s” quá lớn; giới hạn là %(limit)s MB.")
                % {"name": upload.name, "limit": f"{limit / 1048576:g}"}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if not (head.startswith(b"%PDF-") or head.startswith(b"PK")):
        raise ValidationError({"file": _("Tệp “%(name)s” không phải PDF, DOCX, JPG hoặc PNG.") % {"name": upload.name}})
    kind, _text = files.inspect_upload(upload)  # a damaged or oversized PDF/DOCX: its own message
    return f".{kind}"


@audit.atomic_as_user
def add_evidence(
    user: "User",
    item: ChecklistItem,
    *,
    upload: UploadedFile | None = None,
    document: Any = None,
    record_type: Any = None,
    dossier_code: str = "",
    note: str = "",
) -> Evidence:
    """Evidence for an answer: one file, or one document, record file or dossier of the audited agency."""
    from dossiers.models import Dossier

    plan = _locked(item.plan)
    require(
        user,
        "evaluation.conduct_auditplan",
        plan,
        _("Chỉ thành viên đoàn đánh giá thêm bằng chứng, trong thời gian của cuộc đánh giá."),
    )
    _open(plan)
    dossier = None
    if dossier_code.strip():
        dossier = Dossier.objects.filter(agency=plan.agency, code=dossier_code.strip()).first()
        if dossier is None:
            raise ValidationError(
                {"dossier_code": _("Không có hồ sơ mã %(code)s của cơ quan.") % {"code": dossier_code.strip()}}
            )
    given = [x for x in (upload, document, record_type, dossier) if x]
    if len(given) != 1:
        raise ValidationError({"file": _("Chọn đúng một bằng chứng: tệp, tài liệu, hồ sơ ISO hoặc mã hồ sơ TTHC.")})
    for linked in (document, record_type):
        if linked is not None and linked.agency_id != plan.agency_id:
            raise ValidationError({"document": _("Tài liệu, hồ sơ không thuộc cơ quan được đánh giá.")})
    evidence = Evidence(
        item=item, document=document, record_type=record_type, dossier=dossier, note=note.strip(), added_by=user
    )
    if upload is not None:
        suffix = _evidence_file(upload)
        evidence.original_name = PurePosixPath(upload.name.replace("\\", "/")).name[:255]
        evidence.file.save(f"x{suffix}", upload, save=False)
    evidence.save()
    return evidence


# -- findings ----------------------------------------------------------------------------------------------------------
@audit.atomic_as_user
def add_finding(
    user: "User",
    plan: AuditPlan,
    kind: str,
    clause: str,
    description: str,
    *,
    unit: str = "",
    item: ChecklistItem | None = None,
) -> Finding:
    plan = _locked(plan)
    require(user, "evaluation.conduct_auditplan", plan, _("Chỉ thành viên đoàn đánh giá ghi nhận phát hiện."))
    _open(plan)
    if kind not in Finding.Kind.values:
        raise ValidationError({"kind": _("Chọn loại phát hiện.")})
    if not clause:
        raise ValidationError({"clause": _("Phát hiện phải nêu điều khoản của TCVN ISO 9001:2015 liên quan.")})
    if clause not in clauses.BY_CODE:
        raise ValidationError({"clause": _("Điều khoản không có trong danh mục.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Nhập nội dung phát hiện.")})
    if unit and unit not in plan.units:
        raise ValidationError({"unit": _("Đơn vị không thuộc phạm vi của cuộc đánh giá.")})
    if item is not None and item.plan_id != plan.pk:
        raise ValidationError({"item": _("Câu hỏi không thuộc cuộc đánh giá này.")})
    return Finding.objects.create(
        plan=plan, kind=kind, clause=clause, unit=unit, description=description.strip(), item=item, created_by=user
    )


@audit.atomic_as_user
def raise_from_finding(user: "User", finding: Finding) -> "Nonconformity":
    """The nonconformity of a nonconformity finding, in the register (source: internal audit), linked both ways."""
    from improvement import services as improvement
    from improvement.models import Source

    finding = Finding.objects.select_for_update().select_related("plan__agency", "plan__programme").get(pk=finding.pk)
    plan = finding.plan
    require(user, "improvement.add_nonconformity", plan.agency)
    if finding.kind != Finding.Kind.NONCONFORMITY:
        raise ValidationError(_("Chỉ lập phiếu sự không phù hợp từ điểm không phù hợp."))
    if finding.nonconformity_id:
        raise ValidationError(_("Đã lập phiếu %(n)s từ phát hiện này.") % {"n": finding.nonconformity.number})
    where = f" — {finding.unit}" if finding.unit else ""
    nc = improvement.raise_nonconformity(
        user,
        plan.agency,
        f"{finding.description}{where}"[:500],
        # found when it was recorded, by the audit's last day at the latest
        max(plan.start_on, min(timezone.localdate(finding.created_at), plan.end_on, timezone.localdate())),
        description=_("Phát hiện của cuộc đánh giá nội bộ %(plan)s, điều khoản %(clause)s.")
        % {"plan": plan.number, "clause": finding.clause_label},
        source=Source.AUDIT,
    )
    finding.nonconformity = nc
    finding.save()
    return nc


# -- closing -----------------------------------------------------------------------------------------------------------
@audit.atomic_as_user
def close_plan(user: "User", plan: AuditPlan, conclusion: str, closed_on: dt.date | None = None) -> AuditPlan:
    """End the audit with its conclusion; refused while a question is unanswered."""
    plan = _locked(plan)
    require(user, "evaluation.close_auditplan", plan)
    _open(plan)
    closed_on = closed_on or timezone.localdate()
    unanswered = list(plan.items.filter(result="").order_by("order")[:6])
    if unanswered:
        count = plan.items.filter(result="").count()
        raise ValidationError(
            _("Còn %(n)s câu hỏi chưa trả lời (%(list)s). Trả lời hoặc đánh dấu “Không áp dụng” trước khi kết thúc.")
            % {"n": count, "list": "; ".join(f"{i.clause}: {i.question[:50]}…" for i in unanswered[:3])}
        )
    if not plan.items.exists():
        raise ValidationError(_("Danh sách câu hỏi trống."))
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _("Nêu kết luận của cuộc đánh giá.")})
    if closed_on < plan.start_on or closed_on > timezone.localdate():
        raise ValidationError(
            _("Ngày kết thúc phải từ ngày bắt đầu cuộc đánh giá (%(d)s) đến hôm nay.") % {"d": _day(plan.start_on)}
        )
    plan.conclusion, plan.status = conclusion.strip(), AuditPlan.Status.CLOSED
    plan.closed_on, plan.closed_by = closed_on, user
    plan.save()
    return plan


def result_counts(plan: AuditPlan) -> dict[str, int]:
    """Answers of the checklist by result ("" = not answered)."""
    counts = dict.fromkeys(["", *Result.values], 0)
    for item in plan.items.values_list("result", flat=True):
        counts[item] += 1
    return counts


def finding_counts(plans: QuerySet[AuditPlan]) -> dict[str, int]:
    counts = dict.fromkeys(Finding.Kind.values, 0)
    for kind in Finding.objects.filter(plan__in=plans).values_list("kind", flat=True):
        counts[kind] += 1
    return counts
