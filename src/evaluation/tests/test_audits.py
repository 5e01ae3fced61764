import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from evaluation import clauses, services
from evaluation.models import AuditPlan, ChecklistItem, Finding, Result
from improvement.models import Nonconformity, Source

from .conftest import LAND_UNIT, QUALITY_UNIT

pytestmark = pytest.mark.django_db


def answer_all(plan, user, result=Result.CONFORM):
    for item in plan.items.filter(result=""):
        services.answer(user, item, result, "Đã xem hồ sơ mẫu")


def test_the_checklist_is_built_from_the_chosen_clauses_in_order(plan):
    expected = [(code, q) for code in ("7.5", "8.5", "9.1") for q in clauses.BY_CODE[code].questions]
    assert list(plan.items.order_by("order").values_list("clause", "question")) == expected
    assert plan.number == f"ĐGNB-{timezone.localdate().year}/01"


def test_changing_the_clauses_keeps_answers_and_adds_the_new_questions(plan, team, catalog):
    first = plan.items.get(clause="8.5")
    services.answer(team["quality_officer"], first, Result.CONFORM)
    data = {
        "title": plan.title,
        "units": plan.units,
        "procedures": [catalog["home"]],
        "clauses": ["4.3", "9.1"],  # 7.5 and 8.5 dropped, 4.3 added
        "start_on": plan.start_on,
        "end_on": plan.end_on,
        "lead_auditor": team["quality_officer"],
        "auditors": [team["advisor"]],
    }
    services.save_plan(team["secretary"], plan.programme, data, plan)
    clauses_left = set(plan.items.values_list("clause", flat=True))
    assert clauses_left == {"4.3", "8.5", "9.1"}  # the answered 8.5 question stays: it is a record
    assert plan.items.filter(clause="4.3").count() == len(clauses.BY_CODE["4.3"].questions)


def test_an_auditor_cannot_audit_the_unit_they_work_in(plan, team):
    with pytest.raises(ValidationError) as exc:
        services.add_session(team["secretary"], plan, QUALITY_UNIT, plan.start_on, team["quality_officer"])
    assert "không được đánh giá đơn vị mình" in str(exc.value)
    assert not plan.sessions.exists()
    session = services.add_session(team["secretary"], plan, LAND_UNIT, plan.start_on, team["quality_officer"])
    # the land officer is not on the team; put them on it: still not their own unit
    item = plan.items.first()
    services.edit_question(team["secretary"], item, item.question, session)
    assert ChecklistItem.objects.get(pk=item.pk).session == session


def test_answering_a_question_of_ones_own_unit_is_refused(plan, team):
    session = services.add_session(team["secretary"], plan, QUALITY_UNIT, plan.start_on, team["advisor"])
    item = plan.items.first()
    services.edit_question(team["secretary"], item, item.question, session)
    with pytest.raises(ValidationError, match="không được đánh giá đơn vị mình"):
        services.answer(team["quality_officer"], item, Result.CONFORM)
    services.answer(team["advisor"], item, Result.CONFORM)
    assert ChecklistItem.objects.get(pk=item.pk).answered_by == team["advisor"]


def test_an_outside_auditor_sees_that_audit_only_and_only_during_it(plan, team, land):
    advisor = team["advisor"]
    assert advisor.has_perm("evaluation.view_auditplan", plan)
    assert advisor.has_perm("evaluation.conduct_auditplan", plan)
    assert not advisor.has_perm("evaluation.view_auditplan", land)  # nothing else of the agency
    assert not advisor.has_perm("documents.view_document", land)
    plan.end_on = timezone.localdate() - dt.timedelta(days=1)
    plan.start_on = plan.end_on - dt.timedelta(days=1)
    AuditPlan.objects.filter(pk=plan.pk).update(start_on=plan.start_on, end_on=plan.end_on)
    plan.refresh_from_db()
    assert not advisor.has_perm("evaluation.view_auditplan", plan)
    with pytest.raises(PermissionDenied):
        services.answer(advisor, plan.items.first(), Result.CONFORM)
    # someone not on the team never had it
    assert not team["land_officer"].has_perm("evaluation.conduct_auditplan", plan)


def test_a_nonconform_answer_needs_the_auditors_notes(plan, team):
    item = plan.items.first()
    with pytest.raises(ValidationError) as exc:
        services.answer(team["quality_officer"], item, Result.NONCONFORM, "")
    assert "note" in exc.value.message_dict
    assert ChecklistItem.objects.get(pk=item.pk).result == ""


def test_evidence_is_a_file_or_a_record_of_the_audited_agency(plan, team, land, province):
    from dossiers import services as dossier_services
    from dossiers.tests.conftest import receive_row

    item = plan.items.first()
    pdf = SimpleUploadedFile("phieu.pdf", _pdf_bytes(), content_type="application/pdf")
    evidence = services.add_evidence(team["advisor"], item, upload=pdf, note="Phiếu kiểm soát")
    assert evidence.original_name == "phieu.pdf" and evidence.file.name.endswith(".pdf")
    dossier_services.push_event(land, receive_row("HS-EV1"))
    linked = services.add_evidence(team["advisor"], item, dossier_code="HS-EV1")
    assert linked.dossier.code == "HS-EV1"
    with pytest.raises(ValidationError, match="Không có hồ sơ mã"):
        services.add_evidence(team["advisor"], item, dossier_code="HS-KHONG-CO")
    with pytest.raises(ValidationError, match="đúng một bằng chứng"):
        services.add_evidence(team["advisor"], item)
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a document", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="PDF, DOCX, JPG hoặc PNG"):
        services.add_evidence(team["advisor"], item, upload=bad)
    assert item.evidence.count() == 2


def _pdf_bytes():
    from weasyprint import HTML

    return HTML(string="<p>Phiếu kiểm soát</p>").write_pdf()


def test_a_finding_needs_its_clause_and_a_nonconformity_finding_raises_the_register_entry(plan, team):
    with pytest.raises(ValidationError) as exc:
        services.add_finding(team["advisor"], plan, Finding.Kind.NONCONFORMITY, "", "Thiếu phiếu kiểm soát")
    assert "clause" in exc.value.message_dict
    assert not plan.findings.exists()
    finding = services.add_finding(
        team["advisor"], plan, Finding.Kind.NONCONFORMITY, "8.5", "Hồ sơ HS-01 thiếu phiếu kiểm soát", unit=LAND_UNIT
    )
    with pytest.raises(PermissionDenied):  # the outside auditor does not write in the agency's register
        services.raise_from_finding(team["advisor"], finding)
    nc = services.raise_from_finding(team["secretary"], finding)
    assert nc.source == Source.AUDIT and nc.agency == plan.agency
    assert Nonconformity.objects.get(pk=nc.pk).audit_finding == finding  # both ways
    with pytest.raises(ValidationError, match="Đã lập phiếu"):
        services.raise_from_finding(team["secretary"], finding)
    observation = services.add_finding(team["advisor"], plan, Finding.Kind.OBSERVATION, "7.5", "Sổ theo dõi ghi tay")
    with pytest.raises(ValidationError):
        services.raise_from_finding(team["secretary"], observation)


def test_closing_with_open_questions_is_refused(plan, team):
    items = list(plan.items.order_by("order"))
    services.answer(team["quality_officer"], items[0], Result.CONFORM)
    with pytest.raises(ValidationError) as exc:
        services.close_plan(team["secretary"], plan, "Phù hợp")
    assert f"Còn {len(items) - 1} câu hỏi chưa trả lời" in str(exc.value)
    assert AuditPlan.objects.get(pk=plan.pk).status == AuditPlan.Status.OPEN
    answer_all(plan, team["quality_officer"])
    services.close_plan(team["secretary"], plan, "HTQLCL được duy trì phù hợp")
    assert AuditPlan.objects.get(pk=plan.pk).status == AuditPlan.Status.CLOSED
    with pytest.raises(PermissionDenied):  # closed: nothing more to answer
        services.answer(team["quality_officer"], items[0], Result.NONCONFORM, "x")


def _closed_with_findings(plan, team):
    answer_all(plan, team["quality_officer"])
    item = plan.items.first()
    services.answer(team["advisor"], item, Result.NONCONFORM, "Hồ sơ HS-01 thiếu phiếu kiểm soát")
    nc_finding = services.add_finding(
        team["advisor"], plan, Finding.Kind.NONCONFORMITY, "8.5", "Hồ sơ HS-01 thiếu phiếu kiểm soát", item=item
    )
    services.raise_from_finding(team["secretary"], nc_finding)
    services.add_finding(team["advisor"], plan, Finding.Kind.IMPROVEMENT, "10.3", "Số hóa sổ theo dõi hồ sơ")
    services.close_plan(team["secretary"], plan, "HTQLCL cơ bản phù hợp; một điểm không phù hợp")
    return nc_finding


def test_a_signed_report_is_kept_and_a_change_is_a_new_revision(plan, team):
    _closed_with_findings(plan, team)
    report = services.create_report(team["secretary"], plan, "01/BC-ĐGNB", "Cơ bản phù hợp")
    with pytest.raises(PermissionDenied):
        services.sign_report(team["secretary"], report)  # the secretary does not sign
    report = services.sign_report(team["head"], report)
    assert report.content["findings"][0]["nonconformity"].startswith("KPH-")
    with pytest.raises(ValidationError, match="lần ban hành mới"):
        services.update_report(team["secretary"], report, "01/BC-ĐGNB", "Sửa sau khi ký")
    assert report.__class__.objects.get(pk=report.pk).summary == "Cơ bản phù hợp"
    second = services.create_report(team["secretary"], plan, "01/BC-ĐGNB", "Bổ sung kiến nghị", "Số hóa sổ")
    assert second.revision == 2 and not second.signed


def test_the_report_docx_and_pdf_say_what_the_audit_found(plan, team):
    from docx import Document
    from pypdf import PdfReader

    _closed_with_findings(plan, team)
    report = services.sign_report(
        team["head"], services.create_report(team["secretary"], plan, "01/BC-ĐGNB", "Cơ bản phù hợp")
    )
    content = services.report_content(report)
    nc_count = plan.findings.filter(kind=Finding.Kind.NONCONFORMITY).count()
    questions = plan.items.count()
    conform = plan.items.filter(result=Result.CONFORM).count()
    doc = Document(io.BytesIO(services.report_docx(content)))
    heading = doc.tables[0].rows[0].cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading[1].text
    assert plan.agency.name.upper() in heading[0].text and "Số: 01/BC-ĐGNB" in heading[0].text
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO ĐÁNH GIÁ NỘI BỘ" in text
    assert f"{questions} câu hỏi — Phù hợp: {conform}; Không phù hợp: 1" in text
    assert f"Điểm không phù hợp: {nc_count}; Điểm cần lưu ý: 0; Cơ hội cải tiến: 1." in text
    findings_table = doc.tables[-2]
    rows = [[c.text for c in r.cells] for r in findings_table.rows[1:]]
    nc = plan.findings.get(kind=Finding.Kind.NONCONFORMITY).nonconformity
    assert ["1", "Điểm không phù hợp", clauses.label("8.5"), "", "Hồ sơ HS-01 thiếu phiếu kiểm soát", nc.number] in rows
    signature = doc.tables[-1].rows[0].cells
    assert team["head"].get_full_name() in signature[-1].text
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_pdf(report))).pages)
    assert "BÁO CÁO ĐÁNH GIÁ NỘI BỘ" in pdf_text and nc.number in pdf_text and "DỰ THẢO" not in pdf_text
    assert f"{questions} câu hỏi" in pdf_text


def _pdf(report):
    from weasyprint import HTML

    return HTML(string=services.report_html(services.report_content(report), draft=not report.signed)).write_pdf()


def test_an_answered_question_and_its_evidence_stay(plan, team):
    item = plan.items.first()
    services.answer(team["quality_officer"], item, Result.CONFORM)
    with pytest.raises(ValidationError, match="đã được trả lời"):
        services.edit_question(team["secretary"], item, "Một câu hỏi khác")
    other = plan.items.exclude(pk=item.pk).first()
    services.add_evidence(team["advisor"], other, upload=SimpleUploadedFile("a.pdf", _pdf_bytes()))
    with pytest.raises(ValidationError, match="bằng chứng"):
        services.remove_question(team["secretary"], other)
    assert ChecklistItem.objects.filter(pk__in=[item.pk, other.pk]).count() == 2


def test_whoever_edited_the_draft_does_not_sign_it(plan, team):
    _closed_with_findings(plan, team)
    report = services.create_report(team["secretary"], plan, "01/BC-ĐGNB", "Cơ bản phù hợp")
    services.update_report(team["head"], report, "01/BC-ĐGNB", "Cơ bản phù hợp, có kiến nghị")
    with pytest.raises(ValidationError, match="không tự ký"):
        services.sign_report(team["head"], report)
    assert not report.__class__.objects.get(pk=report.pk).signed


def test_a_long_finding_raises_a_nonconformity_within_its_title(plan, team):
    finding = services.add_finding(
        team["advisor"], plan, Finding.Kind.NONCONFORMITY, "8.5", "Thiếu phiếu kiểm soát. " * 40, unit=LAND_UNIT
    )
    nc = services.raise_from_finding(team["secretary"], finding)
    assert len(nc.title) <= 500


def test_the_head_sees_the_report_awaiting_signature(client_as, plan, team):
    _closed_with_findings(plan, team)
    report = services.create_report(team["secretary"], plan, "01/BC-ĐGNB", "Cơ bản phù hợp")
    home = client_as(team["head"]).get("/").content.decode()
    assert 'data-testid="to-sign"' in home and report.get_absolute_url() in home
