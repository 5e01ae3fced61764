"""Demo data: model QMS templates for departments and commune committees, and the QMS of the demo
department (Sở Nông nghiệp và Môi trường) and a few other agencies, in a mix of states."""

import datetime as dt

from django.utils import timezone

from accounts.roles import Role
from core.audit import acting_as

from . import services
from .model_qms import template_documents
from .models import Document, QmsTemplate, RecordFile, RecordType, TemplateDocument
from .samples import make_docx, make_pdf


def _ago(days):
    """Dates relative to today, so the demo always shows the same mix (in force, overdue, …)."""
    return timezone.localdate() - dt.timedelta(days=days)


def _templates(ctx):
    result = {}
    for kind_code in ("department", "commune_committee"):
        name, items = template_documents(kind_code)
        template = QmsTemplate.objects.create(
            province=ctx["province"],
            kind=ctx["kinds"][kind_code],
            name=name,
            description="Mô hình khung theo Quyết định 101/QĐ-BKHCN: chính sách, mục tiêu chất lượng, 06 quy trình "
            "bắt buộc (kiểm soát tài liệu, kiểm soát hồ sơ, đánh giá nội bộ, kiểm soát sự không phù hợp "
            "và hành động khắc phục, xem xét của lãnh đạo, xử lý rủi ro và cơ hội) và các biểu mẫu.",
        )
        for order, (doc_type, code, title, owner, body, records) in enumerate(items, start=1):
            TemplateDocument.objects.create(
                template=template,
                doc_type=doc_type,
                code=code,
                title=title,
                owner_unit=owner,
                body=body,
                records=records,
                order=order,
                review_period_months=12,
            )
        result[kind_code] = template
    return result


def _run(version, author, head, effective=None, upto="issue"):
    # Separation of duties: the drafter (the ISO secretary) submits; the head checks, approves and issues.
    steps = [("submit", author), ("review", head), ("approve", head), ("issue", head)]
    for action, actor in steps:
        effective_date = (effective or _ago(75)) if action == "issue" else None
        services.transition(version, actor, action, effective_date=effective_date)
        if action == upto:
            break


def _staff(agency, prefix, units):
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User

    people = []
    for i, (last, first, unit) in enumerate(units, start=1):
        user = User(
            username=f"{prefix}{i}",
            role=Role.STAFF,
            agency=agency,
            last_name=last,
            first_name=first,
            unit=unit,
            position="Chuyên viên",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        people.append(user)
    return people


def _agency_users(agency, code):
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User

    made = []
    for role, prefix, last, first in [
        (Role.ISO_SECRETARY, "thuky", "Huỳnh Thị", "Mai"),
        (Role.AGENCY_HEAD, "lanhdao", "Đặng Văn", "Phúc"),
    ]:
        user = User(username=f"{prefix}.{code.lower()}", role=role, agency=agency, last_name=last, first_name=first)
        user.set_password(DEMO_PASSWORD)
        user.save()
        made.append(user)
    return made


def _demo_agency(ctx, templates):
    users = ctx["users"]
    secretary, head, staff = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD], users[Role.STAFF]
    agency = ctx["agencies"]["SNNMT"]
    staff.unit = "Văn phòng Sở"
    staff.save()
    team = [staff] + _staff(
        agency,
        "cb.snnmt",
        [
            ("Phạm Văn", "Hùng", "Phòng Quản lý đất đai"),
            ("Lê Thị", "Hoa", "Phòng Quản lý đất đai"),
            ("Ngô Minh", "Tâm", "Văn phòng Sở"),
            ("Võ Thị", "Lan", "Phòng Tài nguyên nước"),
        ],
    )
    services.instantiate_template(templates["department"], agency, secretary)
    docs = {d.code: d for d in Document.objects.filter(agency=agency)}

    # The quality policy as a signed PDF, the document control procedure also as DOCX.
    policy = docs["CSCL"].versions.get()
    services.store_generated_file(
        policy,
        "chinh-sach-chat-luong.pdf",
        make_pdf("CHÍNH SÁCH CHẤT LƯỢNG", tuple(p for p in policy.body.split("\n") if p.strip())),
    )
    policy.save()
    services.reindex(docs["CSCL"])

    for code, doc in docs.items():
        if code in ("MTCL", "QT-06"):
            continue
        _run(doc.versions.get(), secretary, head)
    # Risk procedure issued long ago: past its review date.
    _run(docs["QT-06"].versions.get(), secretary, head, effective=_ago(430))
    # Objectives 2026: reviewed, awaiting the head's approval.
    _run(docs["MTCL"].versions.get(), secretary, head, upto="review")

    # Revision 2 of the document control procedure: revision 1 becomes superseded (hết hiệu lực).
    qt01 = Document.objects.get(pk=docs["QT-01"].pk)
    draft = services.revise(
        qt01,
        secretary,
        change_summary="Bổ sung việc xác nhận đã đọc trên phần mềm ISO điện tử; bỏ bước đóng dấu bản giấy.",
        change_reason="Áp dụng ISO điện tử từ năm 2026",
    )
    services.update_draft(
        draft,
        secretary,
        upload=_docx_upload(
            "QT-01 Quy trình kiểm soát tài liệu (lần 2).docx",
            "QUY TRÌNH KIỂM SOÁT TÀI LIỆU",
            [line for line in draft.body.split("\n") if line.strip()]
            + ["# Sửa đổi lần 2", "- Tài liệu được phân phối và xác nhận đã đọc trên phần mềm ISO điện tử."],
        ),
    )
    _run(draft, secretary, head, effective=_ago(20))

    # A procedure for an administrative procedure, uploaded as DOCX, with a draft revision under review.
    land = services.create_document(
        agency=agency,
        user=secretary,
        doc_type="procedure",
        code="QT-DD-01",
        title="Quy trình đăng ký đất đai, tài sản gắn liền với đất lần đầu",
        owner_unit="Văn phòng Đăng ký đất đai",
        review_period_months=12,
        upload=_docx_upload(
            "QT-DD-01.docx",
            "QUY TRÌNH ĐĂNG KÝ ĐẤT ĐAI LẦN ĐẦU",
            [
                "# 1. Mục đích",
                "Quy định trình tự tiếp nhận, giải quyết hồ sơ đăng ký đất đai lần đầu đúng hạn.",
                "# 2. Trình tự",
                "- Bước 1: Bộ phận Một cửa tiếp nhận, kiểm tra hồ sơ, lập phiếu hẹn (0,5 ngày).",
                "- Bước 2: Văn phòng Đăng ký đất đai thẩm tra, trích lục bản đồ địa chính (10 ngày).",
                "- Bước 3: Cơ quan thuế xác định nghĩa vụ tài chính (05 ngày).",
                "- Bước 4: Trình ký, cấp Giấy chứng nhận quyền sử dụng đất (04 ngày).",
                "- Bước 5: Trả kết quả, lưu hồ sơ.",
            ],
        ),
    )
    _run(land.versions.get(), secretary, head, effective=_ago(50))
    land_draft = services.revise(
        Document.objects.get(pk=land.pk),
        secretary,
        change_summary="Rút ngắn thời gian thẩm tra còn 08 ngày",
        change_reason="Cải cách thủ tục hành chính năm 2026",
    )
    services.transition(land_draft, secretary, "submit", comment="Kính trình kiểm tra")

    # External documents, one with its PDF.
    law = services.create_document(
        agency=agency,
        user=secretary,
        doc_type="external",
        code="TLBN-01",
        title="Luật Đất đai",
        external_number="31/2024/QH15",
        external_issuer="Quốc hội",
        external_effective_date=dt.date(2024, 8, 1),
        review_period_months=24,
        upload=_pdf_upload(
            "luat-dat-dai-2024.pdf",
            "LUẬT ĐẤT ĐAI",
            (
                "Luật số 31/2024/QH15 được Quốc hội thông qua ngày 18/01/2024, có hiệu lực từ ngày 01/8/2024.",
                "Luật này quy định về chế độ sở hữu đất đai, quyền hạn và trách nhiệm của Nhà nước đại diện chủ sở hữu "
                "toàn dân về đất đai.",
            ),
        ),
    )
    _run(law.versions.get(), secretary, head, effective=_ago(100))
    circular = services.create_document(
        agency=agency,
        user=secretary,
        doc_type="external",
        code="TLBN-02",
        title="Thông tư quy định chi tiết Quyết định 19/2014/QĐ-TTg",
        external_number="26/2014/TT-BKHCN",
        external_issuer="Bộ Khoa học và Công nghệ",
        external_effective_date=dt.date(2014, 12, 1),
        body="Quy định chi tiết thi hành Quyết định số 19/2014/QĐ-TTg về áp dụng HTQLCL TCVN ISO 9001.",
    )
    _run(circular.versions.get(), secretary, head, effective=_ago(200))

    # A withdrawn procedure, kept for reference only.
    old = services.create_document(
        agency=agency,
        user=secretary,
        doc_type="procedure",
        code="QT-07",
        title="Quy trình tiếp nhận và xử lý đơn thư (bản giấy)",
        owner_unit="Thanh tra Sở",
        body="# 1. Mục đích\nTiếp nhận, phân loại đơn thư bằng sổ giấy.\n\n# 2. Trình tự\n- Vào sổ tiếp nhận.\n"
        "- Trình lãnh đạo phân công xử lý.",
    )
    _run(old.versions.get(), secretary, head, effective=_ago(400))
    services.transition(
        Document.objects.get(pk=old.pk).current_version,
        head,
        "obsolete",
        comment="Thay bằng chức năng tiếp nhận đơn thư trên hệ thống quản lý văn bản",
    )

    # Distribution and acknowledgement.
    for code in ("CSCL", "QT-01", "QT-02", "QT-DD-01"):
        doc = Document.objects.get(agency=agency, code=code)
        services.distribute(doc.current_version, secretary, recipients=team)
    for person in team[1:4]:
        services.acknowledge(Document.objects.get(agency=agency, code="CSCL").current_version, person)
    services.acknowledge(Document.objects.get(agency=agency, code="CSCL").current_version, staff)
    services.acknowledge(Document.objects.get(agency=agency, code="QT-02").current_version, team[1])

    # Records with retention: one file past its retention period.
    for record_type in RecordType.objects.filter(agency=agency)[:3]:
        for year in (timezone.localdate().year - 5, timezone.localdate().year - 1):
            services.add_record_file(
                user=secretary,
                record_type=record_type,
                label=f"{record_type.name} năm {year}",
                closed_on=dt.date(year, 12, 31),
            )
    services.send_review_reminders()


def _docx_upload(name, title, paragraphs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, make_docx(title, paragraphs))


def _pdf_upload(name, title, paragraphs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, make_pdf(title, paragraphs))


def _other_agencies(ctx, templates):
    picks = [("STP", "department"), ("SYT", "department")]
    picks += [(c.code, "commune_committee") for c in ctx["communes"][:2]]
    for code, kind in picks:
        agency = ctx["agencies"].get(code) or next((c for c in ctx["communes"] if c.code == code), None)
        if agency is None:
            continue
        secretary, head = _agency_users(agency, code)
        services.instantiate_template(templates[kind], agency, secretary)
        for doc in Document.objects.filter(agency=agency).order_by("code"):
            if doc.code == "MTCL" and kind == "commune_committee":
                _run(doc.versions.get(), secretary, head, upto="submit")
            else:
                _run(doc.versions.get(), secretary, head, effective=_ago(120))


def load(ctx):
    with acting_as(None):
        templates = _templates(ctx)
        _demo_agency(ctx, templates)
        _other_agencies(ctx, templates)
        # What the task worker does after each upload (tasks.render_preview), through the same service.
        previews = services.render_missing_previews()
    ctx["stdout"].write(
        f"  documents: {Document.objects.count()} documents, {RecordFile.objects.count()} record files, "
        f"{previews} DOCX previews "
        f"({timezone.localdate():%d/%m/%Y})"
    )
