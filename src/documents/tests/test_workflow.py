import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from core.models import AuditEntry
from documents import services
from documents.models import Document, DocumentVersion, Transition

pytestmark = pytest.mark.django_db
S = DocumentVersion.Status


def test_full_workflow_records_who_when_and_audits_every_transition(make_document, secretary, head, issue):
    document = make_document()
    version = document.versions.get()
    assert version.status == S.DRAFT and version.revision == 1 and document.status == Document.Status.DRAFT
    issue(version, effective_date=dt.date(2026, 1, 15))
    version.refresh_from_db()
    document.refresh_from_db()
    assert version.status == S.ISSUED and version.effective_date == dt.date(2026, 1, 15)
    assert (version.author, version.reviewed_by, version.approved_by, version.issued_by) == (
        secretary,
        head,
        head,
        head,
    )
    assert document.status == Document.Status.IN_FORCE and document.current_version == version
    assert document.review_due == dt.date(2027, 1, 15)
    steps = list(Transition.objects.filter(version=version).values_list("action", "from_status", "to_status"))
    assert steps == [
        ("submit", "draft", "submitted"),
        ("review", "submitted", "reviewed"),
        ("approve", "reviewed", "approved"),
        ("issue", "approved", "issued"),
    ]
    audits = AuditEntry.objects.for_object(version).filter(action="transition").order_by("seq")
    assert [a.changes["status"] for a in audits] == [
        ["draft", "submitted"],
        ["submitted", "reviewed"],
        ["reviewed", "approved"],
        ["approved", "issued"],
    ]
    assert [a.actor for a in audits] == [secretary, head, head, head]


def test_skipping_a_step_is_refused_and_changes_nothing(make_document, head):
    version = make_document().versions.get()
    with pytest.raises(ValidationError, match="phải đi đủ các bước"):
        services.transition(version, head, "issue")
    version.refresh_from_db()
    assert version.status == S.DRAFT
    assert not Transition.objects.exists()


def test_only_the_right_role_can_act(make_document, users, secretary, head):
    version = make_document().versions.get()
    with pytest.raises(PermissionDenied):
        services.transition(version, users[Role.STAFF], "submit")
    services.transition(version, secretary, "submit")
    services.transition(version, head, "review")
    with pytest.raises(PermissionDenied, match="phê duyệt"):
        services.transition(version, secretary, "approve")  # the ISO secretary is not the approver
    with pytest.raises(PermissionDenied):
        services.transition(version, users[Role.OVERSIGHT], "approve")  # oversight reads only


def test_separation_of_duties_forbids_approving_ones_own_draft(make_document, head, settings):
    # An author who also holds approval rights (here an administrator writing the draft).
    document = make_document(user=head.__class__.objects.create_superuser("boss", password="x" * 12))
    version = document.versions.get()
    author = version.author
    services.transition(version, author, "submit")
    version = services.transition(version, head, "review")
    settings.EISO = {**settings.EISO, "DOCUMENT_SEPARATION_OF_DUTIES": True}
    with pytest.raises(ValidationError, match="không được tự phê duyệt"):
        services.transition(version, author, "approve")
    assert "approve" not in services.allowed_actions(version, author)
    assert "approve" in services.allowed_actions(version, head)
    settings.EISO = {**settings.EISO, "DOCUMENT_SEPARATION_OF_DUTIES": False}
    services.transition(version, author, "approve")
    version.refresh_from_db()
    assert version.status == S.APPROVED


def test_the_drafter_cannot_check_her_own_draft_another_secretary_can(make_document, secretary, agency, rf):
    from accounts.models import User
    from documents import dashboard

    version = services.transition(make_document().versions.get(), secretary, "submit")
    colleague = User.objects.create_user("sec2", password="x" * 12, role=Role.ISO_SECRETARY, agency=agency)
    assert "review" not in services.allowed_actions(version, secretary)
    assert "review" in services.allowed_actions(version, colleague)
    with pytest.raises(ValidationError, match="không được tự kiểm tra"):
        services.transition(version, secretary, "review")
    version.refresh_from_db()
    assert version.status == S.SUBMITTED and version.reviewed_by is None
    # Her home page does not offer it either; her colleague's does.
    for user, expected in ((secretary, []), (colleague, [version])):
        request = rf.get("/")
        request.user = user
        [(_template, context)] = dashboard.panels(request)
        assert context["to_review"] == expected
    services.transition(version, colleague, "review")
    version.refresh_from_db()
    assert version.status == S.REVIEWED and version.reviewed_by == colleague


def test_the_document_page_shows_who_may_act_at_each_step(make_document, secretary, head, client):
    from documents.services import workflow_steps

    steps = {s["action"]: s for s in workflow_steps()}
    assert steps["review"]["roles"] == ["Thư ký ISO", "Lãnh đạo cơ quan"] and steps["review"]["not_drafter"]
    assert steps["approve"]["roles"] == ["Lãnh đạo cơ quan"] and steps["approve"]["not_drafter"]
    assert not steps["issue"]["not_drafter"]
    document = make_document()
    client.force_login(head)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "không phải người soạn thảo" in page and "Phân tách trách nhiệm" in page
    assert f"Người soạn thảo dự thảo hiện tại: {secretary}" in page


def test_rejection_needs_a_reason_and_returns_the_draft_with_it(make_document, secretary, head):
    version = make_document().versions.get()
    services.transition(version, secretary, "submit")
    services.transition(version, head, "review")
    with pytest.raises(ValidationError, match="lý do trả lại"):
        services.transition(version, head, "reject", comment="  ")
    services.transition(version, head, "reject", comment="Bổ sung bước lưu hồ sơ")
    version.refresh_from_db()
    assert version.status == S.DRAFT and version.rejection_reason == "Bổ sung bước lưu hồ sơ"
    assert version.reviewed_by is None
    assert secretary.notifications.filter(message__contains="Bổ sung bước lưu hồ sơ").exists()
    # and it can go round again
    services.transition(version, secretary, "submit")
    version.refresh_from_db()
    assert version.status == S.SUBMITTED and version.rejection_reason == ""


def test_issued_version_cannot_be_edited(make_document, secretary, issue):
    version = make_document().versions.get()
    issue(version)
    with pytest.raises(ValidationError, match="không thể sửa"):
        services.update_draft(version, secretary, body="Sửa lén")
    version.refresh_from_db()
    assert "Sửa lén" not in version.body


def test_revision_keeps_the_issued_one_in_force_until_the_new_one_is_issued(make_document, secretary, issue):
    document = make_document()
    first = document.versions.get()
    issue(first, effective_date=dt.date(2025, 3, 1))
    with pytest.raises(ValidationError, match="nội dung sửa đổi"):
        services.revise(document, secretary, change_summary="")
    second = services.revise(document, secretary, change_summary="Bổ sung bước 5", change_reason="Theo góp ý")
    assert second.revision == 2 and second.status == S.DRAFT and second.body == first.body
    with pytest.raises(ValidationError, match="đang có dự thảo"):
        services.revise(document, secretary, change_summary="Lần nữa")
    services.update_draft(second, secretary, body="# Mục đích\nNội dung mới, bổ sung bước 5")
    document.refresh_from_db()
    assert document.current_version == first and document.status == Document.Status.IN_FORCE
    issue(second, effective_date=dt.date(2026, 3, 1))
    first.refresh_from_db()
    document.refresh_from_db()
    assert first.status == S.SUPERSEDED and first.retired_on == dt.date(2026, 3, 1)
    assert document.current_version == second
    log = list(document.versions.order_by("revision").values_list("revision", "change_summary", "change_reason"))
    assert log == [(1, "Ban hành lần đầu", ""), (2, "Bổ sung bước 5", "Theo góp ý")]
    assert (
        AuditEntry.objects.for_object(first)
        .filter(action="transition", changes__status=["issued", "superseded"])
        .exists()
    )


def test_obsolete_needs_a_reason_and_withdraws_the_document(make_document, secretary, issue):
    document = make_document()
    version = document.versions.get()
    issue(version)
    with pytest.raises(ValidationError, match="lý do hủy bỏ"):
        services.transition(version, secretary, "obsolete")
    services.transition(version, secretary, "obsolete", comment="Thay bằng quy trình liên thông")
    version.refresh_from_db()
    document.refresh_from_db()
    assert version.status == S.OBSOLETE and version.is_retired
    assert document.status == Document.Status.OBSOLETE
    assert document not in Document.objects.in_force()


def test_duplicate_code_in_the_agency_is_refused(make_document, province, secretary):
    make_document(code="QT-01")
    with pytest.raises(ValidationError) as exc:
        make_document(code="qt-01", title="Khác")
    assert "đã được dùng" in exc.value.message_dict["code"][0]
    assert Document.objects.count() == 1
    # the same code in another agency is fine
    other = province["agencies"]["commune_a"]
    secretary_b = secretary.__class__.objects.create_user(
        "sec_b", password="x" * 12, role=Role.ISO_SECRETARY, agency=other
    )
    make_document(code="QT-01", agency=other, user=secretary_b)
    assert Document.objects.count() == 2


def test_external_document_needs_number_and_issuer(make_document):
    with pytest.raises(ValidationError) as exc:
        make_document(code="TL-BN-01", title="Luật Đất đai", doc_type="external")
    assert "external_number" in exc.value.message_dict
    document = make_document(
        code="TL-BN-01",
        title="Luật Đất đai",
        doc_type="external",
        external_number="31/2024/QH15",
        external_issuer="Quốc hội",
        external_effective_date=dt.date(2024, 8, 1),
    )
    assert document.external_issuer == "Quốc hội"


def test_lists_load_without_the_content_and_audit_still_works(make_document, secretary, django_assert_num_queries):
    document = make_document(body="Nội dung rất dài " * 1000)
    with django_assert_num_queries(1):
        listed = list(Document.objects.for_listing().filter(pk=document.pk))
    assert listed[0].title == document.title and "search_text" in listed[0].get_deferred_fields()
    version = document.versions.get()
    services.update_draft(version, secretary, change_summary="Sửa câu chữ")
    entry = AuditEntry.objects.for_object(version).filter(action="update").latest("seq")
    assert entry.changes == {"change_summary": ["Ban hành lần đầu", "Sửa câu chữ"]}
