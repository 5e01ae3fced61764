"""Every page of every role, as its users reach them (the side menu and the links on each page): no server error, no
Django/DRF default in English, no raw `Model object (N)` and no internal code where a word belongs."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from accounts.roles import Role
from dossiers.tests.conftest import T0, catalog, receive_row, row  # noqa: F401

pytestmark = pytest.mark.django_db

# English defaults of Django, its admin widgets, DRF and django-filter that leak into templates and forms.
DEFAULTS = [
    "Select an option",
    "This field is required",
    "Enter a valid",
    "Page not found",
    "Server Error",
    "Currently:",
    "Clear</label>",
    ">Change<",
    ">Delete<",
    ">Save<",
    ">Submit<",
    "No items",
    ">Filters<",
    "Ensure this value",
    "Select a valid choice",
    "is not one of the available choices",
    "Unknown",
    ">Previous<",
    ">Next<",
    ">First<",
    ">Last<",
    "Page ",
    " of ",
    "—Select—",
    "---------",
]
RAW_OBJECT = re.compile(r"\b[A-Z]\w+ object \(\d+\)")
# Internal codes that must not reach the reader as words (choice values, step and event codes in running text).
RAW_CODES = re.compile(
    r">\s*(receive|transfer|review|approve|return|supplement_request|supplement_received|refuse|"
    r"processing|paused|returned|refused|draft|in_force|obsolete|superseded|agency_head|"
    r"iso_secretary|oversight|provincial_viewer|staff)\s*<"
)
SKIP = re.compile(
    r"(/logout/|\.pdf$|\.xlsx$|\.docx$|\.csv$|/download|/api/|/admin/|/static/|/media/|/i18n/|"
    r"/revoke/|/delete/|/action/|/preview)"
)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(urldefrag(href)[0])


@pytest.fixture
def world(users, province, catalog, settings, tmp_path):  # noqa: F811
    """A little of everything, made by the services: documents at several states, dossiers on time, late and
    returned, an apology letter, an import, an integration token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services as documents
    from dossiers import services as dossiers
    from dossiers import tasks as dossier_tasks
    from dossiers.models import Dossier, IntegrationToken

    settings.MEDIA_ROOT = tmp_path
    land = province["agencies"]["land"]
    secretary, head, staff = users[Role.ISO_SECRETARY], users[Role.AGENCY_HEAD], users[Role.STAFF]
    doc = documents.create_document(
        agency=land,
        user=secretary,
        code="QT-01",
        title="Quy trình kiểm soát tài liệu",
        doc_type="procedure",
        body="# Mục đích\nKiểm soát tài liệu.",
    )
    documents.create_document(
        agency=land,
        user=secretary,
        code="QT-02",
        title="Quy trình đánh giá nội bộ",
        doc_type="procedure",
        body="Nội dung",
    )
    documents.transition(doc.versions.first(), secretary, "submit")
    # An issued document handed to the staff member, who read it: its distribution has an audit history page.
    policy = documents.create_document(
        agency=land,
        user=secretary,
        code="CSCL",
        title="Chính sách chất lượng",
        doc_type="policy",
        body="Công khai, minh bạch.",
    )
    for actor, action in ((secretary, "submit"), (head, "review"), (head, "approve"), (head, "issue")):
        documents.transition(policy.versions.get(), actor, action)
    documents.distribute(policy.versions.get(), secretary, recipients=[staff])
    documents.acknowledge(policy.versions.get(), staff)
    documents.mark_reviewed(policy, secretary)
    dossiers.push_event(land, receive_row(to_username="staff"))
    dossiers.push_event(
        land,
        row(
            "HS-001",
            "e2",
            "transfer",
            T0 + __import__("datetime").timedelta(days=8),
            step="transfer",
            to_name="Nguyễn staff",
            to_username="staff",
        ),
    )
    dossiers.issue_apology(
        Dossier.objects.get(code="HS-001"),
        reason="Xác minh",
        new_due_at=__import__("django.utils.timezone").utils.timezone.now() + __import__("datetime").timedelta(days=9),
        signer_name="Nguyễn head",
    )
    dossiers.push_event(land, receive_row("HS-002", T0))
    dossiers.push_event(land, row("HS-002", "r2", "return", T0 + __import__("datetime").timedelta(days=1)))
    IntegrationToken.issue(land, "Phần mềm một cửa", secretary)
    csv = (
        "Mã sự kiện,Mã hồ sơ,Loại sự kiện,Thời điểm,Bước,Người nhận,Mã thủ tục,Người nộp\n"
        "I1,HS-7,Tiếp nhận,02/03/2026 08:30,receive,Lê Hoa,1.004227,Trần Văn Bảy\n"
        "I2,HS-404,Chuyển xử lý,02/03/2026 09:30,review,,,\n"
    )
    dossier_tasks.start_import(land, SimpleUploadedFile("mot-cua.csv", csv.encode()), secretary)
    _improvement(land, secretary, head, staff)
    _evaluation(land, secretary, head, staff)
    return {"staff": staff, "head": head}


def _improvement(land, secretary, head, staff):
    """An objective measured by hand, a risk with an action, a nonconformity with a done action, an answer to the
    survey, a proposal from late dossiers."""
    import datetime as dt
    from decimal import Decimal

    from improvement import services as improvement
    from improvement.tests.conftest import late_at_reception

    objective = improvement.save_objective(
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
    improvement.record_measurement(secretary, objective, dt.date(2026, 1, 1), Decimal(12))
    risk = improvement.save_risk(
        secretary,
        land,
        {
            "process": "Một cửa",
            "description": "Thất lạc hồ sơ",
            "likelihood": 4,
            "impact": 4,
            "owner": secretary,
            "review_on": dt.date(2026, 12, 31),
            "identified_on": dt.date(2026, 1, 5),
        },
    )
    improvement.add_risk_action(secretary, risk, "Sổ giao nhận", staff, dt.date(2026, 2, 1))
    nc = improvement.raise_nonconformity(
        staff, land, "Biểu mẫu cũ", dt.date(2026, 3, 2), source="objective", objective=objective
    )
    action = improvement.add_action(secretary, nc, "Thay biểu mẫu", staff, dt.date(2026, 3, 20))
    improvement.complete_action(staff, action, dt.date(2026, 3, 10), "Đã thay")
    improvement.submit(land, improvement.Answer(2, "no", 2, 2, "Chờ lâu"), "10.0.0.1")
    for i in range(3):
        late_at_reception(land, f"HS-P{i}")
    improvement.propose_from_late_dossiers(as_of=dt.date(2026, 3, 20))


def _evaluation(land, secretary, head, staff):
    """An audit with its schedule, answers, evidence, findings (one raised as a nonconformity) and signed report; a
    management review signed with an action."""
    import datetime as dt

    from django.utils import timezone

    from evaluation import services as evaluation
    from evaluation.tests.conftest import window

    start, end = window()
    programme = evaluation.save_programme(secretary, land, start.year, "Đánh giá HTQLCL", "TCVN ISO 9001:2015")
    staff.unit = "Phòng Đăng ký đất đai"
    staff.save()
    plan = evaluation.save_plan(
        secretary,
        programme,
        {
            "title": "Đánh giá lĩnh vực đất đai",
            "units": ["Phòng Đăng ký đất đai", "Văn phòng"],
            "clauses": ["7.5", "8.5"],
            "start_on": start,
            "end_on": end,
            "lead_auditor": secretary,
            "auditors": [],
        },
    )
    evaluation.add_session(secretary, plan, "Phòng Đăng ký đất đai", start, secretary)
    items = list(plan.items.order_by("order"))
    for item in items:
        evaluation.answer(secretary, item, "nonconform" if item.clause == "8.5" else "conform", "Hồ sơ HS-001")
    evaluation.add_evidence(secretary, items[-1], dossier_code="HS-001", note="Phiếu kiểm soát")
    finding = evaluation.add_finding(secretary, plan, "nc", "8.5", "Thiếu phiếu xin lỗi", item=items[-1])
    evaluation.raise_from_finding(secretary, finding)
    evaluation.add_finding(secretary, plan, "ofi", "10.3", "Nhắn tin báo kết quả")
    evaluation.close_plan(secretary, plan, "Cơ bản phù hợp")
    evaluation.sign_report(head, evaluation.create_report(secretary, plan, "01/BC-ĐGNB", "Cơ bản phù hợp"))
    today = timezone.localdate()
    review = evaluation.save_review(
        secretary,
        land,
        {
            "number": "01/BB-XXLĐ",
            "period_start": today.replace(month=1, day=1),
            "period_end": today,
            "meeting_on": today,
            "chair": head,
            "participants": "Ban ISO",
        },
    )
    evaluation.add_decision(secretary, review, "improvement", "Số hóa sổ", staff, today + dt.timedelta(days=30))
    evaluation.close_review(head, review, "Phù hợp")


def crawl(client, start="/", limit=160):
    seen, queue, pages = set(), [start], {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or SKIP.search(path):
            continue
        seen.add(url)
        response = client.get(url)
        pages[url] = response
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            parser = Links()
            parser.feed(response.content.decode())
            # one page of each kind of list is enough: leave out the other pages and sort orders of the same path
            queue.extend(link for link in parser.links if link not in seen and "page=" not in link)
    return pages


@pytest.mark.parametrize(
    "role", [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD, Role.OVERSIGHT, Role.PROVINCIAL_VIEWER]
)
def test_every_page_of_every_role_speaks_vietnamese(client_for, users, world, role):
    pages = crawl(client_for(users[role]))
    assert len(pages) > 15, sorted(pages)
    problems = []
    for url, response in pages.items():
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        body = html[html.find("<body") :]
        for text in DEFAULTS:
            if text in body:
                problems.append(f"{url}: {text!r}")
        for match in RAW_OBJECT.findall(body):
            problems.append(f"{url}: {match!r}")
        for match in RAW_CODES.findall(re.sub(r"<code[^>]*>.*?</code>", "", body)):  # codes shown as codes are fine
            problems.append(f"{url}: code {match!r}")
    assert not problems, "\n".join(problems)
