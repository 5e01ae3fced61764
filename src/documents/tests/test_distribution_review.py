import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from documents import services, tasks
from documents.models import Distribution, Document, Notification
from procedures.models import AdminProcedure, Field
from procedures.signals import procedure_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_team(agency):
    def make(username, unit):
        return User.objects.create_user(
            username=username,
            password="x" * 12,
            role=Role.STAFF,
            agency=agency,
            unit=unit,
            last_name="Trần",
            first_name=username,
        )

    return [make("a1", "Phòng Đất đai"), make("a2", "Phòng Đất đai"), make("b1", "Văn phòng Sở")]


@pytest.fixture
def issued(make_document, issue):
    document = make_document()
    issue(document.versions.get())
    document.refresh_from_db()
    return document


def test_distribution_by_unit_and_person_and_who_has_not_read(issued, secretary, staff_team, users):
    version = issued.current_version
    created = services.distribute(version, secretary, units=["Phòng Đất đai"], recipients=[users[Role.STAFF]])
    assert created == 3
    assert services.distribute(version, secretary, units=["Phòng Đất đai"]) == 0  # idempotent
    a1 = staff_team[0]
    assert Notification.objects.filter(user=a1, kind="to_read", document=issued).exists()
    services.acknowledge(version, a1)
    summary = services.distribution_summary(version)
    assert summary == {"total": 3, "read": 1}
    pending = set(
        version.distributions.filter(acknowledged_at__isnull=True).values_list("recipient__username", flat=True)
    )
    assert pending == {"a2", "staff"}
    assert Distribution.objects.get(version=version, recipient=a1).acknowledged_at is not None
    assert AuditEntry.objects.filter(action="update", content_type__model="distribution").exists()


def test_acknowledge_only_what_was_distributed_to_you(issued, staff_team):
    with pytest.raises(ValidationError, match="chưa được phân phối"):
        services.acknowledge(issued.current_version, staff_team[2])


def test_only_issued_versions_are_distributed_to_own_staff(make_document, issued, secretary, users, staff_team):
    draft = make_document(code="QT-09").versions.get()
    with pytest.raises(ValidationError, match="đang ban hành"):
        services.distribute(draft, secretary, recipients=[staff_team[0]])
    with pytest.raises(ValidationError, match="cán bộ đang công tác"):
        services.distribute(issued.current_version, secretary, recipients=[users["other_staff"]])
    with pytest.raises(PermissionDenied):
        services.distribute(issued.current_version, users[Role.STAFF], recipients=[staff_team[0]])


def test_a_new_revision_goes_to_whoever_had_the_previous_one(issued, secretary, staff_team, issue):
    services.distribute(issued.current_version, secretary, recipients=staff_team[:2])
    draft = services.revise(issued, secretary, change_summary="Bổ sung")
    issue(draft)
    assert set(draft.distributions.values_list("recipient__username", flat=True)) == {"a1", "a2"}


def test_needs_review_lists_overdue_and_flagged_documents(make_document, issue, secretary):
    old = make_document(code="QT-OLD")
    issue(old.versions.get(), effective_date=dt.date(2020, 1, 1))
    fresh = make_document(code="QT-NEW")
    issue(fresh.versions.get())
    assert list(Document.objects.needs_review().values_list("code", flat=True)) == ["QT-OLD"]
    services.mark_reviewed(Document.objects.get(code="QT-OLD"), secretary, "Vẫn phù hợp")
    old.refresh_from_db()
    assert old.review_due > timezone.localdate() and not Document.objects.needs_review().exists()


def test_procedure_change_flags_linked_documents(make_document, issue, province, secretary):
    field = Field.objects.create(code="DD", name="Đất đai")
    procedure = AdminProcedure.objects.create(
        province=province["province"],
        code="1.012345",
        field=field,
        name="Đăng ký đất đai lần đầu",
        level="provincial",
        processing_days=30,
    )
    linked = make_document(code="QT-TTHC-01", admin_procedure=procedure)
    issue(linked.versions.get())
    unlinked = make_document(code="QT-03")
    issue(unlinked.versions.get())
    procedure_changed.send(sender=AdminProcedure, procedure=procedure, reason="Sửa đổi theo Quyết định 123/QĐ-UBND")
    linked.refresh_from_db()
    assert linked.needs_review and "123/QĐ-UBND" in linked.needs_review_reason
    assert list(Document.objects.needs_review().values_list("code", flat=True)) == ["QT-TTHC-01"]
    assert Notification.objects.filter(user=secretary, document=linked, kind="needs_update").exists()


def test_linking_a_procedure_of_another_province_is_refused(make_document, province):
    field = Field.objects.create(code="DD", name="Đất đai")
    foreign = AdminProcedure.objects.create(
        province=province["other"], code="1.1", field=field, name="X", level="provincial", processing_days=5
    )
    with pytest.raises(ValidationError, match="danh mục của tỉnh"):
        make_document(admin_procedure=foreign)


def test_reminder_task_notifies_the_owner_once_a_day(make_document, issue, secretary, users):
    head = users[Role.AGENCY_HEAD]
    document = make_document(code="QT-OLD", responsible=head)
    issue(document.versions.get(), effective_date=dt.date(2020, 1, 1))
    result = tasks.send_review_reminders.enqueue()
    assert result.return_value == 1
    note = Notification.objects.get(user=head, document=document)
    assert note.kind == "review_due" and "quá hạn xem xét" in note.message
    assert tasks.send_review_reminders.enqueue().return_value == 0  # not twice the same day
    assert not Notification.objects.filter(user=secretary, kind="review_due").exists()


def test_reminder_command_queues_the_task(make_document, issue, secretary, capsys):
    from django.core.management import call_command

    document = make_document(code="QT-OLD")
    issue(document.versions.get(), effective_date=dt.date(2020, 1, 1))
    call_command("document_reminders")
    assert "SUCCESSFUL" in capsys.readouterr().out
    assert Notification.objects.filter(user=secretary, document=document, kind="review_due").exists()


@pytest.mark.parametrize(
    "target, followed",
    [
        ("/documents/reading/", True),
        ("https://evil.example/phish", False),
        ("//evil.example/phish", False),
        ("javascript:alert(1)", False),
    ],
)
def test_acknowledgement_follows_next_only_on_this_site(issued, secretary, users, client, target, followed):
    version = issued.current_version
    services.distribute(version, secretary, recipients=[users[Role.STAFF]])
    client.force_login(users[Role.STAFF], backend="django.contrib.auth.backends.ModelBackend")
    answer = client.post(f"/documents/versions/{version.pk}/acknowledge/", {"next": target})
    assert answer.status_code == 302
    assert answer["Location"] == (target if followed else issued.get_absolute_url())
    assert Distribution.objects.get(version=version, recipient=users[Role.STAFF]).acknowledged_at is not None
